// Ended spans the processor has kept but not yet turned into rows.
//
// `onEnd` runs inside the application's call to `span.end()`. Converting there would put the
// whole row's cost in the middle of a request handler. Instead the spans that end during one
// turn of the event loop are converted together right after it (setImmediate), on the same
// thread: `onEnd` only stores the span.
// Whatever reads the outcome (flush, stats, shutdown) converts what is pending first, so
// what changes is only when the work is done, not what is sent or counted.
//
// A turn may end thousands of spans (a batch job, a fan-out): converting them all at once
// would hold the event loop for many milliseconds. The conversion runs in slices of about a
// millisecond instead, each in a turn of its own, oldest first, so the order holds.
//
// Scheduling is itself a cost inside onEnd (an Immediate is an async resource). So the drain
// schedules its own next turn for as long as spans keep ending, and stops at the first turn
// that finds none: in a steady stream onEnd creates no async resource, and only the first span
// after a quiet turn schedules.
import type { SpanLike } from "../convert/types.js";
import type { RowOrder, RowPipeline } from "../rows/pipeline.js";
import { Slice } from "./slice.js";

/**
 * Spans waiting at most. At this bound (spans ending in a tight loop that never yields) each
 * new one converts the oldest first: memory stays bounded, no call pays for many, order holds.
 */
export const MAX_PENDING = 1024;

/** Decides, when it is converted, the row of a span stored bare (`addEnded`); undefined to drop it. */
export type LateJudge = (span: SpanLike) => RowOrder | undefined;

export class PendingRows {
  // MAX_PENDING slots each, allocated once and used as a ring: adding is a store and an
  // increment. A slot holds an order, or (`addEnded`) a span whose order is made when it is converted.
  private readonly orders: (RowOrder | undefined)[] = new Array<RowOrder | undefined>(MAX_PENDING).fill(undefined);
  private readonly spans: (SpanLike | undefined)[] = new Array<SpanLike | undefined>(MAX_PENDING).fill(undefined);
  private head = 0;
  private count = 0;
  private scheduled = false;
  private readonly slice: Slice;
  /** Set once GenAI log records may come: folds a span's waiting records into its order (spans/record-book.ts). */
  fold: ((order: RowOrder) => RowOrder) | undefined;
  private readonly drainSoon = () => {
    this.scheduled = false;
    if (this.count === 0) return; // a quiet turn: the next span schedules again
    this.slice.start();
    while (this.count > 0) {
      this.convertOldest();
      if (this.count > 0 && !this.slice.fits()) break;
    }
    this.schedule();
  };

  /** `judge`: makes the orders of spans added bare. `now`: the clock slices are timed with (milliseconds), for tests. */
  constructor(
    private readonly pipeline: Pick<RowPipeline, "push">,
    private readonly judge?: LateJudge,
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
    this.orders[(this.head + this.count) % MAX_PENDING] = order;
    this.count++;
    if (!this.scheduled) this.schedule();
  }

  /** Takes a span whose order nothing at its end depends on: the judge makes it when it is converted. Never throws. */
  addEnded(span: SpanLike): void {
    if (this.count === MAX_PENDING) this.convertOldest();
    this.spans[(this.head + this.count) % MAX_PENDING] = span;
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
    const at = this.head;
    const order = this.orders[at] ?? this.judge?.(this.spans[at]!);
    this.orders[at] = undefined; // let the span go
    this.spans[at] = undefined;
    this.head = (at + 1) % MAX_PENDING;
    this.count--;
    if (order) this.pipeline.push(this.fold === undefined ? order : this.fold(order));
  }
}
