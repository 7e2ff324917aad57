// Serialized rows waiting to be sent, one FIFO lane per destination, bounded as a
// whole by row count and bytes. Every operation is O(1) (amortized for `shift`),
// because `push` runs on the application's hot path.

/**
 * What a row costs against `maxQueueBytes`: its UTF-16 length. V8 keeps ASCII/Latin-1
 * strings at one byte per character, so for typical JSON this is both the memory held
 * and the UTF-8 size on the wire. It is a lower bound on UTF-8 bytes (a non-ASCII
 * character takes 2-4 bytes), so the batcher measures exact bytes where a cap is at stake.
 */
export function rowCost(json: string): number {
  return json.length;
}

/** One destination's rows, oldest first. */
export class Lane {
  /** Rows ever removed from this lane (sent, or dropped); a flush waits for this to pass a mark. */
  taken = 0;
  bytes = 0;
  private items: string[] = [];
  private head = 0;

  constructor(readonly key: string) {}

  get length(): number {
    return this.items.length - this.head;
  }

  peek(): string | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Internal to the queue, which keeps the totals. */
  add(json: string): void {
    this.items.push(json);
  }

  /** Internal to the queue, which keeps the totals. */
  remove(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const row = this.items[this.head]!;
    this.items[this.head++] = ""; // let the string be collected before compaction
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return row;
  }

  /** Internal to the queue, which keeps the totals. */
  removeAll(): string[] {
    const rows = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rows;
  }
}

export class ByteBoundedQueue {
  /** Rows queued across all lanes. */
  size = 0;
  /** Sum of `rowCost` over queued rows. */
  bytes = 0;
  private readonly byKey = new Map<string, Lane>();
  private readonly order: Lane[] = [];

  constructor(
    readonly maxRows: number,
    readonly maxBytes: number,
  ) {}

  /** Adds a row at the back of its lane; false (and nothing changes) when either bound would be passed. */
  push(lane: Lane, json: string): boolean {
    const cost = rowCost(json);
    if (this.size >= this.maxRows || this.bytes + cost > this.maxBytes) return false;
    lane.add(json);
    lane.bytes += cost;
    this.size++;
    this.bytes += cost;
    return true;
  }

  /** The lane for a destination, created empty on first use. */
  lane(key: string): Lane {
    let lane = this.byKey.get(key);
    if (!lane) {
      lane = new Lane(key);
      this.byKey.set(key, lane);
      this.order.push(lane);
    }
    return lane;
  }

  /** Every lane ever used, in creation order (stable, for round-robin scheduling). */
  lanes(): readonly Lane[] {
    return this.order;
  }

  shift(lane: Lane): string | undefined {
    const row = lane.remove();
    if (row === undefined) return undefined;
    const cost = rowCost(row);
    lane.bytes -= cost;
    lane.taken++;
    this.size--;
    this.bytes -= cost;
    return row;
  }

  /** Empties a lane; returns how many rows it held. */
  clear(lane: Lane): number {
    const rows = lane.removeAll();
    lane.taken += rows.length;
    this.size -= rows.length;
    this.bytes -= lane.bytes;
    lane.bytes = 0;
    return rows.length;
  }
}
