// GenAI log records folded into their span's row on the OTLP intake. A record's event
// (convert/genai-records.ts) is appended to its span's events and the span is converted
// again, so the row reads as if the events had been span events all along: the one GenAI
// event mapping the exporter's log-record processor uses too.
// Records and spans come in separate exports, in either order:
// - a record whose span has not come yet waits here, and goes into the span's first row;
// - a span is remembered after its row is written, so a later record rewrites that row
//   (same id: the store replaces it).
// Both sides are bounded (FoldLimits), oldest first out, so a server that runs for hours
// holds a bounded number of spans and events whatever it is sent.
import { withEvents } from "../convert/genai-records.js";
import { toBraintrustEvent } from "../convert/index.js";
import type { SpanEventLike, SpanLike } from "../convert/types.js";
import type { ObjectKind } from "./journal.js";

export interface Destination {
  object: ObjectKind;
  id: string;
}

type Json = Record<string, unknown>;

export interface FoldLimits {
  /** Spans remembered for records that come after them, and their share of their requests' bytes. */
  spans: number;
  spanBytes: number;
  /** Record events waiting for their span. */
  waiting: number;
}

const LIMITS: FoldLimits = { spans: 10_000, spanBytes: 64 * 1024 * 1024, waiting: 10_000 };

interface Remembered {
  span: SpanLike;
  destination: Destination;
  folded: SpanEventLike[];
  bytes: number;
}

const key = (traceId: string, spanId: string) => `${traceId}-${spanId}`;

export class SpanFold {
  // Maps keep insertion order: the first entry is the oldest.
  private readonly spans = new Map<string, Remembered>();
  private spanBytes = 0;
  private readonly waiting = new Map<string, SpanEventLike[]>();
  private waitingCount = 0;
  /** Events dropped unfolded: the waiting room was full, or their span had `waiting` already. */
  dropped = 0;

  constructor(private readonly limits: FoldLimits = LIMITS) {}

  /**
   * The row for a span, with the events of records that came for it first; the span is
   * remembered for records that come later. `bytes` is its share of its request's size.
   */
  row(span: SpanLike, destination: Destination, bytes = 0): Json {
    const { traceId, spanId } = span.spanContext();
    const id = key(traceId, spanId);
    const folded = this.waiting.get(id) ?? this.spans.get(id)?.folded ?? [];
    if (this.waiting.delete(id)) this.waitingCount -= folded.length;
    this.forget(id);
    this.spans.set(id, { span, destination, folded, bytes });
    this.spanBytes += bytes;
    while (this.spans.size > this.limits.spans || (this.spanBytes > this.limits.spanBytes && this.spans.size > 1)) this.forget(this.spans.keys().next().value!);
    return convert(span, folded);
  }

  /**
   * Folds one record's event into span (traceId, spanId): the span's new row and where it
   * goes when the span has come already; undefined when the event waits for its span.
   */
  add(traceId: string, spanId: string, event: SpanEventLike): { destination: Destination; row: Json } | undefined {
    const id = key(traceId, spanId);
    const seen = this.spans.get(id);
    if (seen) {
      if (seen.folded.length >= this.limits.waiting) {
        this.dropped++;
        return undefined;
      }
      seen.folded.push(event);
      return { destination: seen.destination, row: convert(seen.span, seen.folded) };
    }
    const list = this.waiting.get(id) ?? [];
    list.push(event);
    this.waiting.set(id, list);
    this.waitingCount++;
    while (this.waitingCount > this.limits.waiting) {
      const [oldest, events] = this.waiting.entries().next().value!;
      const drop = oldest === id ? 1 : events.length; // never the event just added
      if (oldest === id) events.shift();
      else this.waiting.delete(oldest);
      this.waitingCount -= drop;
      this.dropped += drop;
    }
    return undefined;
  }

  private forget(id: string): void {
    const seen = this.spans.get(id);
    if (!seen) return;
    this.spans.delete(id);
    this.spanBytes -= seen.bytes;
  }
}

function convert(span: SpanLike, folded: readonly SpanEventLike[]): Json {
  return toBraintrustEvent(withEvents(span, folded)) as unknown as Json;
}
