// Ended spans the processor has judged (kept, routed) but not yet turned into rows.
//
// `onEnd` runs inside the application's call to `span.end()`. Converting there put the
// whole row's cost (about 10 µs for an LLM span, three times that while a batch is on the
// wire) in the middle of a request handler. Instead the spans that end during one turn of
// the event loop are converted together right after it (setImmediate), on the same thread.
// Whatever reads the outcome (flush, stats, shutdown) converts what is pending first, so
// what changes is only when the work is done, not what is sent or counted.
//
// A turn may end thousands of spans (a batch job, a fan-out): converting them all at once
// would hold the event loop for many milliseconds. The conversion runs in slices of about a
// millisecond instead, each in a turn of its own, oldest first, so the order holds.
import type { RowOrder, RowPipeline } from "../rows/pipeline.js";
import { Slice } from "./slice.js";

/**
 * Spans waiting at most. At this bound (spans ending in a tight loop that never yields) each
 * new one converts the oldest first: memory stays bounded, no call pays for many, order holds.
 */
export const MAX_PENDING = 1024;

export class PendingRows {
  /**
   * MAX_PENDING slots, allocated once and used as a ring: adding is a store and an increment.
   * The array this replaces grew by copying, and was copied again at the bound, inside onEnd.
   */
  private readonly ring: (RowOrder | undefined)[] = new Array<RowOrder | undefined>(MAX_PENDING).fill(undefined);
  private head = 0;
  private count = 0;
  private scheduled = false;
  private readonly slice: Slice;
  private readonly drainSoon = () => {
    this.scheduled = false;
    this.slice.start();
    while (this.count > 0) {
      this.convertOldest();
      if (this.count > 0 && !this.slice.fits()) return this.schedule();
    }
  };

  /** `now`: the clock slices are timed with (milliseconds), for tests. */
  constructor(
    private readonly pipeline: RowPipeline,
    now?: () => number,
  ) {
    this.slice = new Slice(now);
  }

  get size(): number {
    return this.count;
  }

  /** Takes an order for `RowPipeline.push`, for later. Never throws. */
  add(order: RowOrder): void {
    if (this.count === MAX_PENDING) this.convertOldest();
    this.ring[(this.head + this.count) % MAX_PENDING] = order;
    this.count++;
    if (!this.scheduled) this.schedule();
  }

  private schedule(): void {
    this.scheduled = true;
    setImmediate(this.drainSoon);
  }

  /** Converts and queues every pending span, oldest first. */
  drain(): void {
    while (this.count > 0) this.convertOldest();
  }

  private convertOldest(): void {
    const item = this.ring[this.head]!;
    this.ring[this.head] = undefined; // let the span go
    this.head = (this.head + 1) % MAX_PENDING;
    this.count--;
    this.pipeline.push(item);
  }
}
