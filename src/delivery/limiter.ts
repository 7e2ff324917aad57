// The one gate on the API: every request (inserts, lookups, attachment calls) runs through
// `run`, and a batch starts only when `mayStartBatch` says so. No other part of delivery
// counts requests in flight.
//
// The API answers in tens to hundreds of milliseconds, so with a fixed small number of
// requests its latency, not our CPU, caps the rows delivered per second (512 rows per
// 100 ms per request). The limit adapts, like a TCP congestion window:
// - it starts at INITIAL_LIMIT;
// - it grows only while the requests are the bottleneck: every slot was taken while the
//   request was in flight, and a full batch was still waiting when its answer came. Then it
//   doubles per round trip until the first sign of trouble (slow start), and afterwards
//   grows by one per round trip;
// - it halves on a failure classify.ts calls an overload (408, 429, a retried 5xx, no answer), at most
//   once per round trip: failures of requests started before the last cut were caused by
//   the old limit, and cut nothing more;
// - it never exceeds `max` (the connections of the pool) and never drops below 1.
// No timing is involved, so the same answers always move the limit the same way.
import { whenAborted } from "./abort.js";
import { classify } from "./classify.js";
import { type Outcome, sleep } from "./retry.js";

export type Verdict = "ok" | "overload" | "other";

/** What an answer says about the API's load: a success, a sign of overload (classify.ts decides which), or neither. */
function verdictOf(outcome: Outcome): Verdict {
  const { action, overload } = classify(outcome);
  return action === "done" ? "ok" : overload ? "overload" : "other";
}

/** Requests allowed before any answer: each round trip spent ramping up leaves rows in the queue. */
const INITIAL_LIMIT = 4;

export interface LimiterOptions {
  /** Most requests in flight (maxConcurrentRequests); the limit adapts below it. */
  readonly max: number;
  readonly initial?: number;
  /** True while a full batch waits: the API's latency is holding rows back, so a larger limit would help. */
  readonly backlog?: () => boolean;
  /** A slot was freed or added, or a batch began a retry wait: more batches may start. */
  readonly onChange?: () => void;
}

export interface RunOptions {
  /** Aborted while the request waits for a slot: it is not sent, and `run` returns a timeout outcome. */
  readonly signal?: AbortSignal;
}

const NOT_STARTED: Outcome = { kind: "network", code: "ETIMEDOUT", message: "no attempt started before the deadline" };

export class Limiter {
  /** Requests allowed in flight now. */
  limit: number;
  /** Requests in flight now. */
  inFlight = 0;
  readonly max: number;
  /** Batches waiting out a retry delay: they hold no request. */
  private backingOff = 0;
  /** Slow start until the limit reaches this; set at each cut. */
  private threshold: number;
  /** Growth owed in congestion avoidance, in requests (one per `limit` successes). */
  private credit = 0;
  /** Counts requests started, so that a cut applies once per round trip. */
  private started = 0;
  private cutAt = -1;
  /** The ticket of the last request that took the last free slot. */
  private fullAt = -1;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: LimiterOptions) {
    this.max = options.max;
    this.limit = Math.max(1, Math.min(options.max, options.initial ?? INITIAL_LIMIT));
    this.threshold = options.max;
  }

  /**
   * Runs `attempt` once a slot is free, and frees it with the verdict of its outcome. Never
   * calls `attempt` when `signal` aborted first. Rejects only if `attempt` does.
   */
  async run(attempt: () => Promise<Outcome>, options: RunOptions = {}): Promise<Outcome> {
    const ticket = await this.acquire(options.signal);
    if (ticket < 0) return NOT_STARTED;
    let verdict: Verdict = "other";
    try {
      const outcome = await attempt();
      verdict = verdictOf(outcome);
      return outcome;
    } finally {
      this.release(ticket, verdict);
    }
  }

  /**
   * Whether another batch may start, with `underWay` batches started and not done: one per
   * request slot, and as many again waiting out a retry delay, so that random faults do not
   * empty the pipe while a slow API is not answered by an unbounded pile of batches.
   */
  mayStartBatch(underWay: number): boolean {
    return underWay < this.limit + Math.min(this.backingOff, this.limit);
  }

  /** A batch's retry wait: it holds no request slot meanwhile, so another batch may start. */
  async backOff(ms: number, signal?: AbortSignal): Promise<void> {
    this.backingOff++;
    this.options.onChange?.();
    try {
      await sleep(ms, signal);
    } finally {
      this.backingOff--;
    }
  }

  /** Lets every waiter through, now and from now on (shutdown: they find the transport closed). */
  open(): void {
    this.limit = Number.POSITIVE_INFINITY;
    this.wake();
  }

  /** Waits for a slot and takes it, returning a ticket for `release`; -1 (no slot taken) when `signal` aborts first. */
  private async acquire(signal: AbortSignal | undefined): Promise<number> {
    while (this.inFlight >= this.limit) {
      if (signal?.aborted) return -1;
      let stop = noop;
      await new Promise<void>((resolve) => {
        const wake = () => {
          stop();
          const at = this.waiting.indexOf(wake);
          if (at >= 0) this.waiting.splice(at, 1);
          resolve();
        };
        this.waiting.push(wake);
        if (signal) stop = whenAborted(signal, wake);
      });
    }
    if (signal?.aborted) return -1;
    this.inFlight++;
    if (this.inFlight >= this.limit) this.fullAt = this.started;
    return this.started++;
  }

  /** Frees the slot of request `ticket`, which ended as `verdict`. */
  private release(ticket: number, verdict: Verdict): void {
    // Every slot was taken at some point while this request was in flight.
    const saturated = this.fullAt >= ticket;
    this.inFlight--;
    if (verdict === "overload") {
      if (ticket > this.cutAt) {
        this.limit = Math.max(1, Math.floor(this.limit / 2));
        this.threshold = this.limit;
        this.credit = 0;
        this.cutAt = this.started - 1;
      }
    } else if (verdict === "ok" && saturated && this.limit < this.max && this.options.backlog?.() === true) {
      if (this.limit < this.threshold) {
        this.limit++;
      } else {
        this.credit += 1 / this.limit;
        if (this.credit >= 1) {
          this.credit -= 1;
          this.limit++;
        }
      }
    }
    this.wake();
    this.options.onChange?.();
  }

  private wake(): void {
    let free = this.limit - this.inFlight;
    while (free-- > 0 && this.waiting.length > 0) this.waiting.shift()!();
  }
}

function noop(): void {}
