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
import { performance } from "node:perf_hooks";
import type { RowOrder, RowPipeline } from "../rows/pipeline.js";

/**
 * Spans waiting at most. At this bound (spans ending in a tight loop that never yields) each
 * new one converts the oldest first: memory stays bounded, no call pays for many, order holds.
 */
const MAX_PENDING = 1024;
/** A slice of deferred conversion stops after this long and goes on in the next turn. */
const SLICE_MS = 1;

export class PendingRows {
  private items: RowOrder[] = [];
  private head = 0;
  private scheduled = false;
  private readonly drainSoon = () => {
    this.scheduled = false;
    const end = this.now() + SLICE_MS;
    while (this.size > 0) {
      this.convertOldest();
      if (this.size > 0 && this.now() >= end) return this.schedule();
    }
  };

  /** `now`: the clock slices are timed with (milliseconds), for tests. */
  constructor(
    private readonly pipeline: RowPipeline,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Takes an order for `RowPipeline.push`, for later. Never throws. */
  add(order: RowOrder): void {
    if (this.size >= MAX_PENDING) this.convertOldest();
    this.items.push(order);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.drainSoon);
  }

  /** Converts and queues every pending span, oldest first. */
  drain(): void {
    while (this.size > 0) this.convertOldest();
  }

  private convertOldest(): void {
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as RowOrder; // let the span go
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= MAX_PENDING) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.pipeline.push(item);
  }
}
