// The clock of deferred work on the app's thread (the processor's pending rows, the exporter's
// batches): a slice of steps that ends before it takes more than about a millisecond. Checking
// the clock only after a step let every slice run past its budget by one step; a slice now ends
// early instead when a step as long as the last one would not fit.
import { performance } from "node:perf_hooks";

/** A slice of deferred work takes at most about this long; the rest goes on in a later turn. */
export const SLICE_MS = 1;

export class Slice {
  private end = 0;
  private last = 0;

  /** `now`: the clock (milliseconds), for tests. */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Starts a slice now. */
  start(): void {
    this.last = this.now();
    this.end = this.last + SLICE_MS;
  }

  /** After a step: whether one more as long as it would still end within the slice. */
  fits(): boolean {
    const now = this.now();
    const step = now - this.last;
    this.last = now;
    return now + step < this.end;
  }
}
