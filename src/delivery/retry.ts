// The retry policy, wrapped around any send (like undici's RetryHandler around a dispatch):
// how long to wait (exponential backoff with full jitter, or the server's Retry-After), and
// when to give up (the deadline). Which outcomes are retried is classify.ts's. No I/O of its own.
import { whenAborted } from "./abort.js";
import { classify } from "./classify.js";
import type { Outcome } from "./outcome.js";

export type { Outcome } from "./outcome.js";

export type Decision = "done" | "retry" | "final" | "split";

/** What the retry loop does with an outcome; which statuses are which is classify.ts's rule. */
export function decide(outcome: Outcome): Decision {
  const { action } = classify(outcome);
  return action === "done" || action === "retry" || action === "split" ? action : "final";
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
  /**
   * The deadline came (or would have, before the next attempt) while failures were retryable.
   * `outcome` is the reason: the last answer the API gave, else the last network failure,
   * and only when no attempt got either, the attempt the deadline cut; `times` is how many
   * attempts ended as `outcome` did.
   */
  | { decision: "timeout"; outcome: Outcome | undefined; attempts: number; times: number }
  | { decision: "cancelled"; outcome: Outcome | undefined; attempts: number };

export interface RetryOptions {
  /** Epoch ms after which no attempt is started and no wait extends; an attempt still in flight is aborted. */
  deadline: number;
  policy: BackoffPolicy;
  signal?: AbortSignal;
  /** Waits `ms` (or less, when `signal` aborts). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Called before each retry, with the failure that caused it. */
  onRetry?: (outcome: Outcome, delayMs: number, attempt: number) => void;
}

/**
 * One attempt: `remainingMs` until the deadline, and `deadline`, which aborts when it passes.
 * An attempt must end soon after `deadline` aborts, and must not start when it already has.
 */
export type Attempt = (remainingMs: number, deadline: AbortSignal) => Promise<Outcome>;

/** Runs `send` until it succeeds, fails for good, or the deadline or signal stops it. Never rejects unless `send` does. */
export async function withRetry(send: Attempt, options: RetryOptions): Promise<RetryResult> {
  const now = options.now ?? Date.now;
  const deadline = new DeadlineSignal(options.deadline - now());
  const failures = new Failures();
  let last: Outcome | undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      if (options.signal?.aborted) return { decision: "cancelled", outcome: last, attempts: attempt };
      const remaining = options.deadline - now();
      if (remaining <= 0 || deadline.signal.aborted) return failures.gaveUp(attempt);
      last = await send(remaining, deadline.signal);
      // An attempt the deadline cut says nothing about the API: what came before is the reason.
      if (deadline.signal.aborted && last.kind === "network") {
        if (options.signal?.aborted) return { decision: "cancelled", outcome: last, attempts: attempt + 1 };
        return failures.gaveUp(attempt + 1, last);
      }
      const decision = decide(last);
      if (decision !== "retry") return { decision, outcome: last, attempts: attempt + 1 };
      failures.add(last);
      if (options.signal?.aborted) return { decision: "cancelled", outcome: last, attempts: attempt + 1 };
      const delay = retryDelay(attempt, last, options.policy);
      // A wait that ends past the deadline only delays the verdict.
      if (now() + delay >= options.deadline) return failures.gaveUp(attempt + 1);
      options.onRetry?.(last, delay, attempt + 1);
      await options.sleep(delay, options.signal);
    }
  } finally {
    deadline.clear();
  }
}

/** The retryable failures so far, for the reason a deadline gives. */
class Failures {
  /** The last answer the API gave, and how many attempts got that same answer. */
  private answer: Outcome | undefined;
  private answers = 0;
  /** The last network failure (no answer), and how many attempts ended that same way. */
  private failure: Outcome | undefined;
  private failed = 0;

  add(outcome: Outcome): void {
    if (outcome.kind === "network") {
      this.failed = this.failure && sameEnd(this.failure, outcome) ? this.failed + 1 : 1;
      this.failure = outcome;
    } else {
      this.answers = this.answer && sameEnd(this.answer, outcome) ? this.answers + 1 : 1;
      this.answer = outcome;
    }
  }

  gaveUp(attempts: number, cut?: Outcome): RetryResult {
    if (this.answer) return { decision: "timeout", outcome: this.answer, attempts, times: this.answers };
    if (this.failure) return { decision: "timeout", outcome: this.failure, attempts, times: this.failed };
    return { decision: "timeout", outcome: cut && cutShort(cut), attempts, times: cut ? 1 : 0 };
  }
}

/** Whether two failed attempts ended the same way (the same status, or the same network error). */
function sameEnd(a: Outcome, b: Outcome): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "network") return a.code === (b as typeof a).code;
  return a.status === (b as typeof a).status;
}

/** What a cut attempt says when no attempt got an answer: none came before the deadline. */
function cutShort(outcome: Outcome): Outcome {
  if (outcome.kind === "network" && outcome.code === "ETIMEDOUT") return outcome;
  return { kind: "network", code: "ETIMEDOUT", message: "no answer before the deadline", ...(outcome.kind === "network" && outcome.proxy ? { proxy: outcome.proxy } : {}) };
}

/** An AbortSignal that aborts `ms` from now (never, for a deadline past setTimeout's range); its timer never holds the process. */
class DeadlineSignal {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    if (ms <= 0) this.controller.abort();
    else if (ms <= MAX_TIMER_MS) {
      this.timer = setTimeout(() => this.controller.abort(), ms);
      this.timer.unref();
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  clear(): void {
    clearTimeout(this.timer);
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
