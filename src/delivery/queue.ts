// Serialized rows waiting to be sent, one FIFO lane per destination, bounded as a whole by
// row count and by the bytes it holds: the chunks it allocated, not only the rows in them,
// plus the request bodies in flight. `push` runs on the application's hot path: it is O(1)
// and encodes the row once, as UTF-8, into a chunk of its lane.
//
// Rows live outside the V8 heap, as the bytes that will be sent. Held as strings they cost
// more than their length (a serialized row is a rope of pieces until something flattens
// it), they survive young-generation collections only to be copied and promoted, and a
// batch had to join and encode them again. In chunks, the bytes held are the bytes counted,
// each row's string dies young, and a batch is a copy of a few byte ranges.
import { EncodedRows } from "./encoded-rows.js";
import { MAX_CHUNK, SpareChunks, chunkSizeFor } from "./spare-chunks.js";

/**
 * Rows are written one after another into chunks. A lane's first chunk is small and each
 * next one twice the size, up to CHUNK: a busy lane writes into 64 KiB chunks whose unused
 * tails are small, while a lane with a few rows holds a few KiB, so the memory a lane holds
 * follows its rows, however many lanes there are.
 */
const CHUNK = MAX_CHUNK;
const FIRST_CHUNK = 1024;
/** A row longer than this gets a buffer of its own, so that no chunk is left mostly empty. */
const BIG_ROW = CHUNK / 4;
const COMMA = 0x2c;

/** One destination's rows, oldest first. */
export class Lane {
  /** Rows ever removed from this lane (sent, or dropped); a flush waits for this to pass a mark. */
  taken = 0;
  /** UTF-8 bytes of the rows queued. */
  bytes = 0;
  /** Bytes of the buffers this lane holds (its chunks, whole, and rows with a buffer of their own). */
  held = 0;
  // Per row, from `head` on: its chunk and its byte range there. Rows follow each other in
  // a chunk with a comma after each, so consecutive rows are one range, ready for a body.
  private chunks: Buffer[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  private head = 0;
  /** The chunk new rows are written to, and how much of it is used. */
  private current: Buffer | undefined;
  private used = 0;
  private nextChunk = FIRST_CHUNK;
  /** Where `stage` wrote the row that `commit` may make a row. */
  private stagedIn: Buffer | undefined;
  private stagedAt = 0;

  constructor(readonly key: string) {}

  get length(): number {
    return this.starts.length - this.head;
  }

  /** UTF-8 bytes of the row `i` places from the front. */
  rowBytes(i: number): number {
    const at = this.head + i;
    return this.ends[at]! - this.starts[at]!;
  }

  /** The oldest row's text (decoded). */
  peek(): string | undefined {
    if (this.length === 0) return undefined;
    const at = this.head;
    return this.chunks[at]!.toString("utf8", this.starts[at], this.ends[at]);
  }

  /**
   * Internal to the queue: encodes `json` after the last row and returns its bytes; `commit`
   * makes it a row. Allocates at most `budget` bytes to do so; -1 (nothing written) when
   * the row needs more.
   */
  stage(json: string, spares: SpareChunks, budget: number): number {
    const room = this.current ? this.current.length - this.used : 0;
    // Room for the row and its comma, judged by the 3-bytes-per-unit bound, measured exactly only when that is short.
    if (json.length * 3 + 1 > room) {
      const needed = Buffer.byteLength(json) + 1;
      if (needed > BIG_ROW) {
        if (needed > budget) return -1;
        // Later rows go to a new chunk, not back into this one: `drop` knows a chunk is empty
        // when its last row leaves only if the chunk's rows are consecutive in the lane.
        this.retireChunk(spares);
        this.stagedIn = Buffer.allocUnsafeSlow(needed);
        this.stagedAt = 0;
        return this.stagedIn.write(json, 0, "utf8");
      }
      if (needed > room) {
        // A chunk the budget cannot hold whole is cut to what it can, if the row still fits.
        // Sizes are powers of two, so that chunks let go by one lane fit the next (spare-chunks.ts).
        const size = Math.min(Math.max(this.nextChunk, chunkSizeFor(needed)), budget);
        if (size < needed) return -1;
        this.startChunk(spares, size);
      }
    }
    this.stagedIn = this.current;
    this.stagedAt = this.used;
    return this.current!.write(json, this.used, "utf8");
  }

  /** Internal to the queue: the row `stage` just wrote. */
  commit(bytes: number): void {
    const chunk = this.stagedIn!;
    const at = this.stagedAt;
    this.chunks.push(chunk);
    this.starts.push(at);
    this.ends.push(at + bytes);
    chunk[at + bytes] = COMMA;
    if (chunk === this.current) this.used = at + bytes + 1;
    else this.held += chunk.length;
    this.bytes += bytes;
    this.stagedIn = undefined;
  }

  /**
   * Internal to the queue: copies the `count` oldest rows into a request body and removes
   * them. Rows that are neighbours in a chunk are copied as one range, commas included.
   */
  take(count: number, spares: SpareChunks): EncodedRows {
    let rowBytes = Math.max(0, count - 1);
    for (let i = 0; i < count; i++) rowBytes += this.rowBytes(i);
    const body = EncodedRows.allocate(rowBytes);
    const ends: number[] = new Array(count);
    let at = EncodedRows.FIRST_ROW;
    let i = 0;
    while (i < count) {
      if (i > 0) body[at++] = COMMA;
      const first = this.head + i;
      const chunk = this.chunks[first]!;
      const shift = at - this.starts[first]!; // chunk offset → body offset, for this run
      let last = first;
      ends[i] = shift + this.ends[last]!;
      while (i + 1 < count && this.chunks[last + 1] === chunk && this.starts[last + 1] === this.ends[last]! + 1) {
        last++;
        ends[++i] = shift + this.ends[last]!;
      }
      chunk.copy(body, at, this.starts[first], this.ends[last]);
      at = shift + this.ends[last]!;
      i++;
    }
    this.drop(count, spares);
    return new EncodedRows(body, ends);
  }

  /** Internal to the queue: removes the `count` oldest rows, returning emptied chunks to `spares`. */
  drop(count: number, spares: SpareChunks): void {
    for (let i = 0; i < count; i++) {
      const at = this.head + i;
      this.bytes -= this.ends[at]! - this.starts[at]!;
      const chunk = this.chunks[at]!;
      const next = this.chunks[at + 1];
      // A chunk is empty once its last row leaves, unless rows are still being written to it.
      if (next !== chunk && chunk !== this.current) this.free(chunk, spares);
    }
    this.head += count;
    this.taken += count;
    if (this.head === this.starts.length) {
      // Empty: an idle lane holds no memory.
      this.chunks = [];
      this.starts = [];
      this.ends = [];
      this.head = 0;
      if (this.current) this.free(this.current, spares);
      this.current = undefined;
      this.used = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.starts.length) {
      this.chunks = this.chunks.slice(this.head);
      this.starts = this.starts.slice(this.head);
      this.ends = this.ends.slice(this.head);
      this.head = 0;
    }
  }

  /** Moves on to a fresh chunk of `size` bytes; the one left keeps only its rows, and is a spare once they are taken. */
  private startChunk(spares: SpareChunks, size: number): void {
    this.retireChunk(spares);
    const chunk = spares.take(size);
    this.current = chunk;
    this.held += chunk.length;
    this.nextChunk = Math.min(CHUNK, Math.max(this.nextChunk, size) * 2);
  }

  /** Stops writing to the current chunk; it is freed at once if it holds no row. */
  private retireChunk(spares: SpareChunks): void {
    if (this.current && this.used === 0) this.free(this.current, spares);
    this.current = undefined;
    this.used = 0;
  }

  /** Lets go of a buffer: kept for reuse when there is room among the spares, else left to the GC. */
  private free(chunk: Buffer, spares: SpareChunks): void {
    this.held -= chunk.length;
    spares.give(chunk);
  }
}

export class ByteBoundedQueue {
  /** Rows queued across all lanes. */
  size = 0;
  /** UTF-8 bytes of the rows queued across all lanes. */
  bytes = 0;
  /** Bytes of the buffers the lanes hold: what the rows cost in memory, counted against `maxBytes`. */
  held = 0;
  /**
   * Bytes of request bodies taken from the queue and not yet done with: they are still in
   * memory, so they count against `maxBytes` too (not in `bytes`, which is what is queued).
   */
  private lent = 0;
  private readonly byKey = new Map<string, Lane>();
  /** Emptied chunks for reuse; not in `held` (no row is in them), 1.4 MiB at most. */
  readonly spares = new SpareChunks();

  constructor(
    readonly maxRows: number,
    readonly maxBytes: number,
  ) {}

  /**
   * Adds a row at the back of its lane; false (and nothing is queued) when either bound
   * would be passed. A row that fits the room left in its lane's chunk costs no new memory.
   */
  push(lane: Lane, json: string): boolean {
    if (this.size >= this.maxRows) return false;
    const before = lane.held;
    const bytes = lane.stage(json, this.spares, this.maxBytes - this.held - this.lent);
    if (bytes < 0) return false;
    lane.commit(bytes);
    this.held += lane.held - before;
    this.size++;
    this.bytes += bytes;
    return true;
  }

  /** Bytes of request bodies still in memory (`lend`, not yet `returned`). */
  get inFlightBytes(): number {
    return this.lent;
  }

  /** A request body of `bytes`, cut from the queue's rows, is in memory until `returned`. */
  lend(bytes: number): void {
    this.lent += bytes;
  }

  /** The request body `lend` counted is done with. */
  returned(bytes: number): void {
    this.lent -= bytes;
  }

  /** The lane for a destination, created empty on first use. */
  lane(key: string): Lane {
    let lane = this.byKey.get(key);
    if (!lane) {
      lane = new Lane(key);
      this.byKey.set(key, lane);
    }
    return lane;
  }

  /** The `count` oldest rows of `lane`, removed, as a request body. */
  take(lane: Lane, count: number): EncodedRows {
    const before = lane.bytes;
    const held = lane.held;
    const rows = lane.take(Math.min(count, lane.length), this.spares);
    this.size -= rows.length;
    this.bytes -= before - lane.bytes;
    this.held -= held - lane.held;
    return rows;
  }

  /** The oldest row of `lane`, removed, as text. */
  shift(lane: Lane): string | undefined {
    const row = lane.peek();
    if (row !== undefined) this.remove(lane, 1);
    return row;
  }

  /** Empties a lane; returns how many rows it held. */
  clear(lane: Lane): number {
    const count = lane.length;
    this.remove(lane, count);
    return count;
  }

  /** Empties a lane and forgets it (a later `lane(key)` makes a new one); returns how many rows it held. */
  forget(lane: Lane): number {
    const count = this.clear(lane);
    if (this.byKey.get(lane.key) === lane) this.byKey.delete(lane.key);
    return count;
  }

  private remove(lane: Lane, count: number): void {
    const before = lane.bytes;
    const held = lane.held;
    lane.drop(count, this.spares);
    this.size -= count;
    this.bytes -= before - lane.bytes;
    this.held -= held - lane.held;
  }
}
