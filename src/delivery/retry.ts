// The retry policy, wrapped around any send (like undici's RetryHandler around a dispatch):
// which outcomes are retried, how long to wait (exponential backoff with full jitter, or the
// server's Retry-After), and when to give up (the deadline). No I/O of its own.
import type { ProxyInUse } from "../config/proxy.js";
import { whenAborted } from "./abort.js";

/** What one attempt came back with. Transports never throw; they return one of these. */
export type Outcome =
  | { kind: "ok"; status: number; body: string }
  /** A non-2xx answer; `location` is where a redirect pointed (never followed: the key would go with it). */
  | { kind: "http"; status: number; body: string; retryAfterMs?: number; location?: string }
  /** A 2xx answer whose body is not what the route returns: the request may not have landed. */
  | { kind: "invalid"; status: number; body: string }
  /** No answer: refused, reset, timed out, DNS, …; `proxy` is the proxy the request went through, if any. */
  | { kind: "network"; code: string; message: string; proxy?: ProxyInUse };

export type Decision = "done" | "retry" | "final" | "split";

/** Retried: timeouts, rate limits and server/proxy failures. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export function decide(outcome: Outcome): Decision {
  switch (outcome.kind) {
    case "ok":
      return "done";
    case "network":
    case "invalid":
      return "retry";
    case "http":
      if (outcome.status === 413) return "split";
      return RETRYABLE_STATUSES.has(outcome.status) ? "retry" : "final";
  }
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined | null, now = Date.now()): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP-date names its day and month; bare numbers like "-3" are not dates.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface BackoffPolicy {
  /** First retry waits up to this long (default 200 ms); each later one doubles it. */
  baseDelayMs: number;
  /** No backoff wait is longer than this (default 5 s). */
  maxDelayMs: number;
  /**
   * No wait at all is longer than this (default 60 s), whatever a server's Retry-After asks:
   * a lookup told to wait a day would sleep through the API's recovery. An insert is
   * bounded sooner by its deadline.
   */
  maxWaitMs: number;
  /** [0, 1), injectable for tests. */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 200, maxDelayMs: 5000, maxWaitMs: 60_000, random: Math.random };

/** Full jitter: uniform in [0, min(max, base·2^attempt)), so retrying clients spread out. */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(policy.random() * ceiling);
}

/** The wait before retry number `attempt` (0-based): Retry-After when the server sent one (capped), else backoff. */
export function retryDelay(attempt: number, outcome: Outcome, policy: BackoffPolicy): number {
  if (outcome.kind === "http" && outcome.retryAfterMs !== undefined) return Math.min(outcome.retryAfterMs, policy.maxWaitMs);
  return Math.min(backoffDelay(attempt, policy), policy.maxWaitMs);
}

/** setTimeout's largest delay; a longer one becomes 1 ms, with a TimeoutOverflowWarning. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export type RetryResult =
  | { decision: "done" | "final" | "split"; outcome: Outcome; attempts: number }
  /** The deadline came (or would have, before the next attempt) while failures were retryable. */
  | { decision: "timeout"; outcome: Outcome | undefined; attempts: number }
  | { decision: "cancelled"; outcome: Outcome | undefined; attempts: number };

export interface RetryOptions {
  /** Epoch ms after which no attempt is started and no wait extends. */
  deadline: number;
  policy: BackoffPolicy;
  signal?: AbortSignal;
  /** Waits `ms` (or less, when `signal` aborts). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Called before each retry, with the failure that caused it. */
  onRetry?: (outcome: Outcome, delayMs: number, attempt: number) => void;
}

/** Runs `send` until it succeeds, fails for good, or the deadline or signal stops it. Never rejects unless `send` does. */
export async function withRetry(send: (timeoutMs: number) => Promise<Outcome>, options: RetryOptions): Promise<RetryResult> {
  const now = options.now ?? Date.now;
  let last: Outcome | undefined;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) return { decision: "cancelled", outcome: last, attempts: attempt };
    const remaining = options.deadline - now();
    if (remaining <= 0) return { decision: "timeout", outcome: last, attempts: attempt };
    last = await send(remaining);
    const decision = decide(last);
    if (decision !== "retry") return { decision, outcome: last, attempts: attempt + 1 };
    if (options.signal?.aborted) return { decision: "cancelled", outcome: last, attempts: attempt + 1 };
    const delay = retryDelay(attempt, last, options.policy);
    // A wait that ends past the deadline only delays the verdict.
    if (now() + delay >= options.deadline) return { decision: "timeout", outcome: last, attempts: attempt + 1 };
    options.onRetry?.(last, delay, attempt + 1);
    await options.sleep(delay, options.signal);
  }
}

/** A timer-based sleep that never keeps the process alive and ends early on abort. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    let stop = noop;
    const done = () => {
      clearTimeout(timer);
      stop();
      resolve();
    };
    const timer = setTimeout(done, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    timer.unref();
    if (signal) stop = whenAborted(signal, done);
  });
}

function noop(): void {}
