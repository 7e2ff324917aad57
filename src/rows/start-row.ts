// `logSpanStart`: the partial row written when a span starts, so a long agent run shows up
// while it is still running. It holds what is known at that moment and never changes
// later (identity, links, start time, name, type, and the input when it is already set);
// the end row is merged into it.
//
// It is sent with `_is_merge` too: if a retry delivered it after the end row, merging the
// same values back changes nothing, where a plain insert would replace the finished row.
import { toBraintrustEvent } from "../convert/index.js";
import type { Attributes, BraintrustEvent, HrTime, SpanLike } from "../convert/types.js";

/** A started span seen as if nothing but its start had happened yet. */
class StartedSpan implements SpanLike {
  readonly name: string;
  readonly kind?: number;
  readonly parentSpanId?: string;
  readonly parentSpanContext?: { spanId: string };
  readonly startTime: HrTime;
  readonly endTime: HrTime = undefined as unknown as HrTime;
  readonly attributes: Attributes;
  readonly resource?: { attributes: Attributes };
  readonly instrumentationScope?: { name: string; version?: string };
  readonly instrumentationLibrary?: { name: string; version?: string };
  private readonly context: { traceId: string; spanId: string };

  constructor(span: SpanLike) {
    this.name = span.name;
    this.kind = span.kind;
    this.parentSpanId = span.parentSpanId;
    this.parentSpanContext = span.parentSpanContext;
    this.startTime = span.startTime;
    this.attributes = span.attributes;
    this.resource = span.resource;
    this.instrumentationScope = span.instrumentationScope;
    this.instrumentationLibrary = span.instrumentationLibrary;
    this.context = span.spanContext();
  }

  spanContext() {
    return this.context;
  }
}

export function toStartRow(span: SpanLike): BraintrustEvent {
  const full = toBraintrustEvent(new StartedSpan(span));
  const row: BraintrustEvent = {
    id: full.id,
    span_id: full.span_id,
    root_span_id: full.root_span_id,
    created: full.created,
    metrics: full.metrics.start === undefined ? {} : { start: full.metrics.start },
    span_attributes: full.span_attributes.type === undefined
      ? { name: full.span_attributes.name }
      : { name: full.span_attributes.name, type: full.span_attributes.type },
    _is_merge: true,
  };
  if (full.span_parents !== undefined) row.span_parents = full.span_parents;
  if (full.input !== undefined) row.input = full.input;
  return row;
}
