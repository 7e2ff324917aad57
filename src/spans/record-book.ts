// GenAI log records (see convert/genai-records.ts) held for the span they belong to, so
// their content ends up in that span's row whichever comes first:
// - a record emitted before its span's row is built waits here, and is folded into the span
//   (appended to its events) when the row is built (`fold`);
// - a record emitted after the row left becomes a merge row for that span. Its `input` and
//   `output` are message lists built from several records, and a merge replaces a list
//   whole, so the merge row is the span's whole row again, rebuilt from the span and every
//   record it has had; the book keeps what that needs for `keepMs` after the row left.
//
// Memory is bounded whatever the logs do: everything held (records, and the spans kept for
// late records, by the size of their attributes) counts against `maxBytes`, the oldest entry is
// evicted first (counted, said once), and an entry older than its deadline (a span that
// never ends, a span already sent) is let go at the next record. Nothing here throws, and
// the merge rows of late records are built after the current event-loop turn, not in the
// app's call that emitted them.
import { withEvents } from "../convert/genai-records.js";
import type { SpanEventLike, SpanLike } from "../convert/types.js";
import { warnOnce } from "../log.js";
import type { RowOrder } from "../rows/pipeline.js";

export interface RecordBookOptions {
  /** Bytes held at most (records' estimated size, plus each span kept for late records: `spanBytes`). */
  readonly maxBytes?: number;
  /** How long records wait for a span that has not ended. */
  readonly waitMs?: number;
  /** How long a sent span is kept for records that come after its row. */
  readonly keepMs?: number;
  /** Queues a row (a merge row for late records), off the app's call. */
  readonly send: (order: RowOrder) => void;
  readonly now?: () => number;
}

export interface RecordStats {
  /** Records folded into their span's row. */
  joined: number;
  /** Records that came after their span's row and were sent as a merge row. */
  late: number;
  /** Records that are no row: no span, a span the filter left out, or a span that never ended in time. */
  unmatched: number;
  /** Records let go to stay within the byte budget. */
  evicted: number;
}

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
const DEFAULT_WAIT_MS = 10 * 60_000;
const DEFAULT_KEEP_MS = 60_000;
/** The fixed part of what a span kept for late records is charged (its object, events, links). */
const SPAN_CHARGE = 1024;

interface Entry {
  readonly traceId: string;
  events: SpanEventLike[];
  bytes: number;
  /** When it was last touched: its deadline counts from here. */
  at: number;
  /** Set once the span's row was built: what a merge row is rebuilt from. */
  order: RowOrder | undefined;
  /** A late record came and its merge row is not built yet. */
  dirty: boolean;
}

export class RecordBook {
  readonly stats: RecordStats = { joined: 0, late: 0, unmatched: 0, evicted: 0 };
  /** Set when a log face uses the book: until then `fold` costs one property read. */
  active = false;
  /** Records for spans whose row is not built yet, by span id, oldest touched first. */
  private readonly waiting = new Map<string, Entry>();
  /** Spans whose row left, kept for late records, by span id, oldest touched first. */
  private readonly sent = new Map<string, Entry>();
  private bytes = 0;
  private readonly dirty: Entry[] = [];
  private scheduled = false;
  private readonly maxBytes: number;
  private readonly waitMs: number;
  private readonly keepMs: number;
  private readonly now: () => number;
  private readonly sendDirty = () => {
    this.scheduled = false;
    this.flushLate();
  };

  constructor(private readonly options: RecordBookOptions) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    this.keepMs = options.keepMs ?? DEFAULT_KEEP_MS;
    this.now = options.now ?? Date.now;
  }

  /** Spans with records waiting, plus spans kept for late records. */
  get size(): number {
    return this.waiting.size + this.sent.size;
  }

  /** Bytes held now, as counted against the budget. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** A GenAI record for span `spanId` of trace `traceId` (undefined ids: no span). Never throws. */
  add(traceId: string | undefined, spanId: string | undefined, event: SpanEventLike): void {
    if (traceId === undefined || spanId === undefined) {
      this.stats.unmatched++;
      return;
    }
    const now = this.now();
    this.expire(now);
    const size = eventBytes(event);
    const kept = this.sent.get(spanId);
    if (kept !== undefined && kept.traceId === traceId) {
      this.touch(this.sent, spanId, kept, event, size, now);
      this.stats.late++;
      if (!kept.dirty) {
        kept.dirty = true;
        this.dirty.push(kept);
        if (!this.scheduled) {
          this.scheduled = true;
          setImmediate(this.sendDirty);
        }
      }
    } else {
      const entry = this.waiting.get(spanId) ?? { traceId, events: [], bytes: 0, at: now, order: undefined, dirty: false };
      this.touch(this.waiting, spanId, entry, event, size, now);
    }
    this.evict();
  }

  /** Appends the event and moves the entry to the newest end of its map. */
  private touch(map: Map<string, Entry>, spanId: string, entry: Entry, event: SpanEventLike, size: number, now: number): void {
    map.delete(spanId);
    entry.events.push(event);
    entry.bytes += size;
    entry.at = now;
    map.set(spanId, entry);
    this.bytes += size;
  }

  /**
   * The order to build a span's row from: with the span's waiting records folded in, and the
   * span kept for records that come later. Called where the row is built, off the app's call.
   */
  fold(order: RowOrder): RowOrder {
    if (!this.active) return order;
    const span = order.span;
    const { traceId, spanId } = span.spanContext();
    const entry = this.waiting.get(spanId);
    if (entry !== undefined) {
      this.waiting.delete(spanId);
      this.stats.joined += entry.events.length;
      entry.order = order;
      entry.at = this.now();
      this.keep(spanId, entry);
      return { ...order, span: withEvents(span, entry.events) };
    }
    // No record yet: a GenAI span is kept a while for records that come after its row.
    if (!this.sent.has(spanId) && isGenAiSpan(span)) {
      this.keep(spanId, { traceId, events: [], bytes: 0, at: this.now(), order, dirty: false });
    }
    return order;
  }

  private keep(spanId: string, entry: Entry): void {
    // The span is held by reference until it is let go: its attributes count against the budget.
    const charge = spanBytes(entry.order!.span);
    entry.bytes += charge;
    this.bytes += charge;
    this.sent.set(spanId, entry);
    this.evict();
  }

  /** The span ended without a row (the filter left it out): its records are no row. */
  dropped(span: SpanLike): void {
    if (this.waiting.size === 0) return;
    const spanId = span.spanContext().spanId;
    const entry = this.waiting.get(spanId);
    if (entry === undefined) return;
    this.stats.unmatched += entry.events.length;
    this.release(this.waiting, spanId, entry);
  }

  /** Builds the merge rows of late records now. */
  flushLate(): void {
    while (this.dirty.length > 0) {
      const entry = this.dirty.shift()!;
      if (!entry.dirty || entry.order === undefined) continue;
      entry.dirty = false;
      this.options.send({ ...entry.order, span: withEvents(entry.order.span, entry.events), merge: true });
    }
  }

  /** Lets everything go (shutdown): late records are sent first; waiting ones count as unmatched. */
  clear(): void {
    this.flushLate();
    for (const entry of this.waiting.values()) this.stats.unmatched += entry.events.length;
    this.waiting.clear();
    this.sent.clear();
    this.bytes = 0;
  }

  /** Entries past their deadline, oldest first: a span that never ends leaks nothing. */
  private expire(now: number): void {
    for (const [spanId, entry] of this.waiting) {
      if (now - entry.at < this.waitMs) break;
      this.stats.unmatched += entry.events.length;
      this.release(this.waiting, spanId, entry);
    }
    for (const [spanId, entry] of this.sent) {
      if (now - entry.at < this.keepMs) break;
      this.release(this.sent, spanId, entry);
    }
  }

  /** Over budget: spans kept for late records go first, then the oldest waiting records. */
  private evict(): void {
    if (this.bytes <= this.maxBytes) return;
    for (const [spanId, entry] of this.sent) {
      if (this.bytes <= this.maxBytes) return;
      this.release(this.sent, spanId, entry);
    }
    for (const [spanId, entry] of this.waiting) {
      if (this.bytes <= this.maxBytes) return;
      this.stats.evicted += entry.events.length;
      warnOnce(
        "log-records-evicted",
        `GenAI log records waiting for their span passed the ${this.maxBytes}-byte budget: the oldest are let go (counted in stats().logRecords.evicted). Spans that never end, or records whose spans another tracer provider records, cause this.`,
        "warn",
      );
      this.release(this.waiting, spanId, entry);
    }
  }

  private release(map: Map<string, Entry>, spanId: string, entry: Entry): void {
    map.delete(spanId);
    this.bytes -= entry.bytes;
    entry.dirty = false; // a merge row not built yet is no longer wanted
  }
}

/** A span a GenAI instrumentation made: the one kind a record may come for after its row. */
function isGenAiSpan(span: SpanLike): boolean {
  const attrs = span.attributes;
  return attrs !== undefined && (attrs["gen_ai.operation.name"] !== undefined || attrs["gen_ai.system"] !== undefined || attrs["gen_ai.provider.name"] !== undefined);
}

/** What keeping a span costs: a fixed part, plus about what its attributes hold. */
export function spanBytes(span: SpanLike): number {
  const budget = { nodes: MAX_NODES };
  const counted = SPAN_CHARGE + sizeOf(span.attributes, 0, budget);
  return budget.nodes < 0 ? Math.max(counted, 1024 * 1024) : counted;
}

/** About what an event holds, in bytes: strings by length, a few bytes per other value; walks at most `MAX_NODES`. */
export function eventBytes(event: SpanEventLike): number {
  const budget = { nodes: MAX_NODES };
  const counted = sizeOf(event.attributes, 0, budget) + 64;
  // Past the walk's reach the record is large: charge it as the largest, so a budget still bounds it.
  return budget.nodes < 0 ? Math.max(counted, 1024 * 1024) : counted;
}

const MAX_NODES = 10_000;

function sizeOf(value: unknown, depth: number, budget: { nodes: number }): number {
  if (--budget.nodes < 0 || depth > 32) return 0;
  if (typeof value === "string") return value.length * 2 + 16;
  if (typeof value !== "object" || value === null) return 16;
  let total = 32;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) total += sizeOf(value[i], depth + 1, budget);
  } else {
    for (const key in value) total += key.length * 2 + sizeOf((value as Record<string, unknown>)[key], depth + 1, budget);
  }
  return total;
}
