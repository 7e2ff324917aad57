// Cuts one insert request out of a lane: at most `maxRows` rows and `maxBytes` UTF-8 bytes
// of body. Rows are already JSON, and already UTF-8 in the queue, so the body is a copy of
// their bytes, never re-stringified; the queue knows each row's exact size.
import type { ByteBoundedQueue, Lane } from "./queue.js";
import { ENVELOPE_BYTES, EncodedRows } from "./encoded-rows.js";
import type { RowRepair } from "./row-repair.js";
import { truncateToFit } from "./truncate.js";

export { ENVELOPE_BYTES, batchBody, batchBytes } from "./encoded-rows.js";

export class Batch {
  /** Rows truncated to fit (then the batch is that one row), as sent. */
  truncated: string[] = [];
  /** Rows taken from the lane that could not be made to fit, even truncated. */
  dropped = 0;

  constructor(public encoded: EncodedRows) {}

  /** The rows as text, decoded (the send path uses `encoded`). */
  get rows(): string[] {
    return this.encoded.texts();
  }
}

/**
 * Takes the next batch from the front of `lane`. A row too big for any batch is taken alone
 * and truncated (see truncate.ts); one that cannot fit even then is dropped and counted.
 */
export function takeBatch(queue: ByteBoundedQueue, lane: Lane, maxRows: number, maxBytes: number, repair?: RowRepair): Batch {
  let dropped = 0;
  let batch: Batch | undefined;
  while (!batch) {
    const count = rowsThatFit(lane, maxRows, maxBytes);
    if (count > 0 || lane.length === 0) {
      batch = new Batch(queue.take(lane, count));
      continue;
    }
    // The front row is too big for a batch of its own.
    const fitted = truncateToFit(queue.shift(lane)!, maxBytes - ENVELOPE_BYTES, repair);
    if (fitted === undefined) {
      dropped++;
    } else {
      batch = new Batch(EncodedRows.fromText([fitted], true));
      batch.truncated.push(fitted);
    }
  }
  batch.dropped = dropped;
  return batch;
}

/** How many rows from the front of `lane` fit in one body. */
function rowsThatFit(lane: Lane, maxRows: number, maxBytes: number): number {
  const limit = Math.min(maxRows, lane.length);
  let bytes = ENVELOPE_BYTES;
  let count = 0;
  while (count < limit) {
    bytes += lane.rowBytes(count) + (count > 0 ? 1 : 0);
    if (bytes > maxBytes) break;
    count++;
  }
  return count;
}
