// The rows of one insert request as the exact bytes that are sent, `{"events":[row,row,…]}`,
// with each row's place in them: a 413 splits the request, and a lone row is read back for
// truncation, without encoding anything twice.

import { byteLength } from "./truncate.js";

const OPEN = Buffer.from('{"events":[');
const CLOSE = Buffer.from("]}");
const COMMA = 0x2c;
/** Envelope bytes around the rows (both parts are ASCII). */
export const ENVELOPE_BYTES = OPEN.length + CLOSE.length;

/** The exact UTF-8 size of the body for `rows`, without building it. */
function batchBytes(rows: readonly string[]): number {
  let bytes = ENVELOPE_BYTES + Math.max(0, rows.length - 1);
  for (const row of rows) bytes += byteLength(row);
  return bytes;
}

export class EncodedRows {
  /**
   * `body` is the whole request body; row i ends at `ends[i]` and starts right after the
   * opening (i = 0) or after the comma that follows row i-1. `truncated`: the rows (a lone
   * one) had content cut to fit; they count as `truncated` once sent.
   */
  constructor(
    readonly body: Buffer,
    private readonly ends: readonly number[],
    readonly truncated = false,
  ) {}

  /** A body of `rowBytes` bytes of rows (and the commas between them), envelope written, rows to be copied in by the caller. */
  static allocate(rowBytes: number): Buffer {
    const body = Buffer.allocUnsafe(ENVELOPE_BYTES + rowBytes);
    OPEN.copy(body, 0);
    CLOSE.copy(body, OPEN.length + rowBytes);
    return body;
  }

  /** Where the caller copies the first row into a body from `allocate`. */
  static readonly FIRST_ROW = OPEN.length;

  /** Rows given as JSON text: a truncated row, or rows from a caller that serialized them itself. */
  static fromText(rows: readonly string[], truncated = false): EncodedRows {
    const body = EncodedRows.allocate(batchBytes(rows) - ENVELOPE_BYTES);
    const ends: number[] = [];
    let at = OPEN.length;
    for (const row of rows) {
      if (ends.length > 0) body[at++] = COMMA;
      at += body.write(row, at, "utf8");
      ends.push(at);
    }
    return new EncodedRows(body, ends, truncated);
  }

  get length(): number {
    return this.ends.length;
  }

  /** Row i as text (decoded: for the rare paths that must read a row). */
  text(i: number): string {
    return this.body.toString("utf8", this.start(i), this.ends[i]);
  }

  texts(): string[] {
    return this.ends.map((_, i) => this.text(i));
  }

  /** Halves for a 413 answer; each keeps its order. */
  split(): [EncodedRows, EncodedRows] {
    const middle = Math.ceil(this.length / 2);
    return [this.slice(0, middle), this.slice(middle, this.length)];
  }

  private start(i: number): number {
    return i === 0 ? OPEN.length : this.ends[i - 1]! + 1;
  }

  private slice(from: number, to: number): EncodedRows {
    if (from >= to) return new EncodedRows(EncodedRows.allocate(0), []);
    const first = this.start(from);
    const last = this.ends[to - 1]!;
    const body = EncodedRows.allocate(last - first);
    this.body.copy(body, OPEN.length, first, last);
    const shift = OPEN.length - first;
    return new EncodedRows(body, this.ends.slice(from, to).map((end) => end + shift), this.truncated);
  }
}
