// Cuts one insert request out of a lane: at most `maxRows` rows and `maxBytes` UTF-8 bytes
// of body. Rows are already JSON, so the body is built by concatenation, never re-stringified.
import type { ByteBoundedQueue, Lane } from "./queue.js";
import { byteLength, truncateToFit } from "./truncate.js";

const OPEN = '{"events":[';
const CLOSE = "]}";
/** Envelope bytes around the rows (both parts are ASCII). */
export const ENVELOPE_BYTES = OPEN.length + CLOSE.length;

export function batchBody(rows: readonly string[]): string {
  return OPEN + rows.join(",") + CLOSE;
}

/** The body's exact UTF-8 size, without building it. */
export function batchBytes(rows: readonly string[]): number {
  let bytes = ENVELOPE_BYTES + Math.max(0, rows.length - 1);
  for (const row of rows) bytes += byteLength(row);
  return bytes;
}

export interface Batch {
  rows: string[];
  /** Rows in `rows` that were truncated to fit (the originals are gone). */
  truncated: string[];
  /** Rows taken from the lane that could not be made to fit, even truncated. */
  dropped: number;
}

/**
 * Takes the next batch from the front of `lane`. A row too big for any batch is taken alone
 * and truncated (see truncate.ts). Exact byte counts are computed only once the cheap upper
 * bound (3 UTF-8 bytes per UTF-16 unit) says the batch might not fit.
 */
export function takeBatch(queue: ByteBoundedQueue, lane: Lane, maxRows: number, maxBytes: number): Batch {
  const batch: Batch = { rows: [], truncated: [], dropped: 0 };
  let bytes = ENVELOPE_BYTES;
  let exact = false;
  while (batch.rows.length < maxRows) {
    const row = lane.peek();
    if (row === undefined) break;
    const separator = batch.rows.length > 0 ? 1 : 0;
    let size = row.length * 3;
    if (!exact && bytes + separator + size > maxBytes) {
      exact = true;
      bytes = batchBytes(batch.rows);
    }
    if (exact) size = byteLength(row);
    if (bytes + separator + size > maxBytes) {
      if (batch.rows.length > 0) break;
      queue.shift(lane);
      const fitted = truncateToFit(row, maxBytes - ENVELOPE_BYTES);
      if (fitted === undefined) {
        batch.dropped++;
        continue;
      }
      batch.rows.push(fitted);
      batch.truncated.push(fitted);
      break;
    }
    queue.shift(lane);
    batch.rows.push(row);
    bytes += separator + size;
  }
  return batch;
}

/** Halves for a 413 answer; each keeps its order. */
export function splitRows(rows: readonly string[]): [string[], string[]] {
  const middle = Math.ceil(rows.length / 2);
  return [rows.slice(0, middle), rows.slice(middle)];
}
