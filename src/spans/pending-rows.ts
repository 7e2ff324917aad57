// Ended spans the processor has judged (kept, routed) but not yet turned into rows.
//
// `onEnd` runs inside the application's call to `span.end()`. Converting there put the
// whole row's cost (about 10 µs for an LLM span, three times that while a batch is on the
// wire) in the middle of a request handler. Instead the spans that end during one turn of
// the event loop are converted together right after it (setImmediate), on the same thread.
// Whatever reads the outcome (flush, stats, shutdown) converts what is pending first, so
// what changes is only when the work is done, not what is sent or counted.
import type { RowOrder, RowPipeline } from "../rows/pipeline.js";

/**
 * Spans waiting at most. At this bound (spans ending in a tight loop that never yields) each
 * new one converts the oldest first: memory stays bounded, no call pays for many, order holds.
 */
const MAX_PENDING = 1024;

export class PendingRows {
  private items: RowOrder[] = [];
  private head = 0;
  private scheduled = false;
  private readonly drainSoon = () => {
    this.scheduled = false;
    this.drain();
  };

  constructor(private readonly pipeline: RowPipeline) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Takes an order for `RowPipeline.push`, for later. Never throws. */
  add(order: RowOrder): void {
    if (this.size >= MAX_PENDING) this.convertOldest();
    this.items.push(order);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainSoon);
    }
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
