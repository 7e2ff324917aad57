// What one insert request may hold, and how rows are made to fit it: at most `maxRows` rows
// and `maxBytes` UTF-8 bytes of body. Rows are already JSON, and already UTF-8 in the queue,
// so a body is a copy of their bytes, never re-stringified; the queue knows each row's exact
// size. A row too big for any request is truncated (truncate.ts), and one that is not JSON
// because of text written into it verbatim is repaired first: the row layer's repair reaches
// delivery only here, given once, for the batches cut and for the sender's 413 splits and
// 400 isolation alike.
import type { ByteBoundedQueue, Lane } from "./queue.js";
import { ENVELOPE_BYTES, EncodedRows } from "./encoded-rows.js";
import type { RowRepair } from "./row-repair.js";
import { truncateToFit } from "./truncate.js";

/** A 413 never shrinks requests below this (the smallest maxBatchBytes the config allows). */
const MIN_BATCH_BYTES = 1024;

export interface Batch {
  readonly encoded: EncodedRows;
  /** Rows truncated to fit (then the batch is that one row). */
  readonly truncated: number;
  /** Rows taken from the lane that could not be made to fit, even truncated. */
  readonly dropped: number;
}

export class Batcher {
  /** The byte cap in force: maxBatchBytes, lowered after a 413 to what the server takes. */
  maxBytes: number;

  constructor(
    readonly maxRows: number,
    maxBytes: number,
    /** Rewrites a row that is not JSON into one that is (rows/repair.ts); without it such rows are refused. */
    readonly repairRow?: RowRepair,
  ) {
    this.maxBytes = maxBytes;
  }

  /** Whether `lane` holds a full request. */
  isFull(lane: Lane): boolean {
    return lane.length >= this.maxRows || lane.bytes >= this.maxBytes;
  }

  /**
   * Takes the next request from the front of `lane`. A row too big for any request is taken
   * alone and truncated; one that cannot fit even then is dropped and counted.
   */
  take(queue: ByteBoundedQueue, lane: Lane): Batch {
    let dropped = 0;
    for (;;) {
      const count = this.rowsThatFit(lane);
      if (count > 0 || lane.length === 0) return { encoded: queue.take(lane, count), truncated: 0, dropped };
      // The front row is too big for a request of its own.
      const fitted = this.fit(queue.shift(lane)!, this.maxBytes);
      if (fitted !== undefined) return { encoded: EncodedRows.fromText([fitted], true), truncated: 1, dropped };
      dropped++;
    }
  }

  /** `row` cut to a body of at most `bodyBytes`, largest content first; undefined when it cannot fit. */
  fit(row: string, bodyBytes: number): string | undefined {
    return truncateToFit(row, bodyBytes - ENVELOPE_BYTES, this.repairRow);
  }

  /** A body of `bodyBytes` was refused as too large (413): later requests are cut to half of it. */
  refused(bodyBytes: number): void {
    this.maxBytes = Math.max(MIN_BATCH_BYTES, Math.min(this.maxBytes, Math.floor(bodyBytes / 2)));
  }

  /** How many rows from the front of `lane` fit in one body. */
  private rowsThatFit(lane: Lane): number {
    const limit = Math.min(this.maxRows, lane.length);
    let bytes = ENVELOPE_BYTES;
    let count = 0;
    while (count < limit) {
      bytes += lane.rowBytes(count) + (count > 0 ? 1 : 0);
      if (bytes > this.maxBytes) break;
      count++;
    }
    return count;
  }
}
