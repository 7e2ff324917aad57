// How many insert requests may be in flight at once. The API answers in tens to hundreds of
// milliseconds, so with a fixed small number of requests its latency, not our CPU, caps the
// rows delivered per second (512 rows per 100 ms per request). The limit adapts, like a
// TCP congestion window:
// - it starts at INITIAL_LIMIT;
// - it grows only while the requests are the bottleneck: every slot was taken while the
//   request was in flight, and a full batch was still waiting when its answer came. Then it doubles per round trip until the
//   first sign of trouble (slow start), and afterwards grows by one per round trip;
// - it halves on a retryable failure (429, 5xx, 408, a network error or timeout), at most
//   once per round trip: failures of requests started before the last cut were caused by
//   the old limit, and cut nothing more;
// - it never exceeds `max` (the connections of the pool) and never drops below 1.
// No timing is involved, so the same answers always move the limit the same way.

export type Verdict = "ok" | "overload" | "other";

/**
 * Requests allowed before any answer. Every round trip spent ramping up leaves rows in the
 * queue: at 80k rows/s against a 100 ms API, from 2 the limit took three round trips to reach
 * 16 and the queue budget in use peaked at 46 MiB of 64; from 4 it takes two, and peaked at 39.
 */
export const INITIAL_LIMIT = 4;

export class ConcurrencyLimit {
  /** Requests allowed in flight now. */
  limit: number;
  /** Requests in flight now. */
  inFlight = 0;
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

  constructor(
    readonly max: number,
    initial = INITIAL_LIMIT,
  ) {
    this.limit = Math.max(1, Math.min(max, initial));
    this.threshold = max;
  }

  /** Waits for a slot; returns a ticket for `release`. */
  async acquire(): Promise<number> {
    while (this.inFlight >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    if (this.inFlight >= this.limit) this.fullAt = this.started;
    return this.started++;
  }

  /**
   * Frees the slot of the request `ticket`, which ended as `verdict`. `backlog`: a full batch
   * is waiting for a slot (so a larger limit would have sent it already).
   */
  release(ticket: number, verdict: Verdict, backlog: boolean): void {
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
    } else if (verdict === "ok" && saturated && backlog && this.limit < this.max) {
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
  }

  /** Lets every waiter through at once (shutdown: they will find the transport closed). */
  open(): void {
    this.limit = Number.POSITIVE_INFINITY;
    this.wake();
  }

  private wake(): void {
    let free = this.limit - this.inFlight;
    while (free-- > 0 && this.waiting.length > 0) this.waiting.shift()!();
  }
}
