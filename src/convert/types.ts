// The shapes on both sides of the conversion. Spans are read structurally so that
// OTel SDK 1.x, 2.x and 3.x `ReadableSpan`s all fit without importing any of them.

export type AttributeValue = string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean | null | undefined>;
export type Attributes = Readonly<Record<string, AttributeValue | unknown>>;
export type HrTime = readonly [number, number];

export interface SpanEventLike {
  readonly name: string;
  readonly time?: HrTime;
  readonly attributes?: Attributes;
}

export interface SpanLike {
  readonly name: string;
  readonly kind?: number;
  spanContext(): { traceId: string; spanId: string; traceFlags?: number };
  /** SDK 1.x */
  readonly parentSpanId?: string;
  /** SDK 2.x and later */
  readonly parentSpanContext?: { spanId: string } | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status?: { code: number; message?: string };
  readonly attributes: Attributes;
  readonly events?: ReadonlyArray<SpanEventLike>;
  readonly resource?: { attributes: Attributes };
  /** SDK 2.x and later */
  readonly instrumentationScope?: { name: string; version?: string };
  /** SDK 1.x */
  readonly instrumentationLibrary?: { name: string; version?: string };
}

export type SpanType =
  | "llm"
  | "score"
  | "function"
  | "eval"
  | "task"
  | "tool"
  | "automation"
  | "facet"
  | "preprocessor"
  | "classifier"
  | "review";

/** One row for `POST /v1/project_logs/{id}/insert` (`InsertProjectLogsEvent`). */
export interface BraintrustEvent {
  id: string;
  span_id: string;
  root_span_id: string;
  span_parents?: string[];
  created: string;
  input?: unknown;
  output?: unknown;
  expected?: unknown;
  error?: unknown;
  scores?: Record<string, number | null>;
  metadata?: Record<string, unknown>;
  metrics: Record<string, number>;
  tags?: string[];
  span_attributes: { name: string; type?: SpanType; [key: string]: unknown };
  context?: Record<string, unknown>;
  origin?: unknown;
  _is_merge?: boolean;
}
