// The parts of a row every span has: identity, tree links, times, name, error.
import { randomBytes } from "node:crypto";
import { log } from "../log.js";
import type { BraintrustEvent, HrTime, SpanEventLike, SpanLike } from "./types.js";

const SPAN_ID_LENGTH = 16;
const TRACE_ID_LENGTH = 32;
const STATUS_ERROR = 2;

// Every span of a trace carries its trace id, and siblings share their parent's id: the last
// id found valid of each kind is remembered, so most spans compare one string instead of
// checking it again. They start as a valid id, so that only a valid id can ever match.
let lastTraceId = "00000000000000000000000000000001";
let lastParentId = "0000000000000001";

/** The span's name as JSON text, for messages; never throws, whatever the span is. */
export function quotedName(span: unknown): string {
  try {
    return JSON.stringify(String((span as { name?: unknown } | null | undefined)?.name));
  } catch {
    return "(unnamed)";
  }
}

/** The parent span id, read from SDK 2+/3 (`parentSpanContext`) or SDK 1 (`parentSpanId`). */
export function parentSpanIdOf(span: SpanLike): string | undefined {
  const id = span.parentSpanContext?.spanId ?? span.parentSpanId;
  if (id === lastParentId) return id;
  if (typeof id !== "string" || !isValidId(id, SPAN_ID_LENGTH)) return undefined;
  lastParentId = id;
  return id;
}

/** Builds the identity, timing and error part of the row; mappers fill in the rest. */
export function baseEvent(span: SpanLike): BraintrustEvent & { metadata: Record<string, unknown> } {
  const context = span.spanContext();
  const spanId = checkedId(context.spanId, SPAN_ID_LENGTH, "span");
  const traceId = traceIdOf(context.traceId);
  const parentId = parentSpanIdOf(span);

  const start = hrToSeconds(span.startTime);
  let end = hrToSeconds(span.endTime);
  if (start !== undefined && end !== undefined && end < start) {
    log("warn", "end-before-start", `span "${span.name}" ends before it starts; its end time is set to its start`);
    end = start;
  }
  const metrics: Record<string, number> = {};
  if (start !== undefined) metrics.start = start;
  if (end !== undefined) metrics.end = end;

  const event: BraintrustEvent & { metadata: Record<string, unknown> } = {
    // The row id is the span id, so a retried insert replaces the row rather than adding one.
    id: spanId,
    span_id: spanId,
    root_span_id: traceId,
    created: isoTime(start !== undefined ? start * 1000 : Date.now()),
    metadata: {},
    metrics,
    span_attributes: { name: typeof span.name === "string" && span.name !== "" ? span.name : "span" },
  };
  if (parentId !== undefined) event.span_parents = [parentId];
  const error = errorOf(span);
  if (error !== undefined) event.error = error;
  return event;
}

// Spans of a trace start within the same second, mostly: the date and time up to the
// second are formatted once per second and reused, so a span formats only its milliseconds.
let cachedSecond = Number.NaN;
let cachedPrefix = "";

/** `new Date(ms).toISOString()`, for a time the Date can represent. */
function isoTime(ms: number): string {
  const whole = Math.floor(ms); // Date truncates; times here are never negative
  const second = Math.floor(whole / 1000);
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, -4); // "…T12:34:56."
    cachedSecond = second;
  }
  const millis = whole - second * 1000;
  return `${cachedPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}

function hrToSeconds(time: HrTime | undefined): number | undefined {
  if (!Array.isArray(time)) return undefined;
  const seconds = time[0] + time[1] / 1e9;
  // Beyond year 275760 Date cannot represent it; treat as absent rather than fail the row.
  return Number.isFinite(seconds) && seconds >= 0 && seconds < 8.64e12 ? seconds : undefined;
}

/** `length` lowercase hex digits, not all zeros: a valid OTel id. A loop, not a regex: it runs for ids no cache has seen. */
function isValidId(id: string, length: number): boolean {
  if (id.length !== length) return false;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const c = id.charCodeAt(i);
    if (c === 48 /* 0 */) continue;
    if ((c > 48 && c <= 57) /* 1-9 */ || (c >= 97 && c <= 102) /* a-f */) nonZero = true;
    else return false;
  }
  return nonZero;
}

function traceIdOf(id: unknown): string {
  if (id === lastTraceId) return lastTraceId;
  const checked = checkedId(id, TRACE_ID_LENGTH, "trace");
  if (checked === id) lastTraceId = checked;
  return checked;
}

function checkedId(id: unknown, length: number, what: string): string {
  if (typeof id === "string" && isValidId(id, length)) return id;
  log("warn", `invalid-${what}-id`, `span has an invalid ${what} id ${JSON.stringify(id)}; a random one is used`);
  return randomBytes(length / 2).toString("hex");
}

/** `exception` events become "Type: message\n\nstack"; a bare ERROR status gives its message. */
function errorOf(span: SpanLike): string | undefined {
  const parts: string[] = [];
  const events = span.events;
  if (Array.isArray(events)) {
    for (const event of events as SpanEventLike[]) {
      if (event?.name === "exception" && event.attributes) parts.push(formatException(event.attributes));
    }
  }
  if (parts.length > 0) return parts.join("\n\n");
  if (span.status?.code === STATUS_ERROR) return span.status.message || "error";
  return undefined;
}

function formatException(attrs: Readonly<Record<string, unknown>>): string {
  const type = stringOr(attrs["exception.type"]);
  const message = stringOr(attrs["exception.message"]);
  const stack = stringOr(attrs["exception.stacktrace"]);
  const head = type && message ? `${type}: ${message}` : type || message || "exception";
  return stack ? `${head}\n\n${stack}` : head;
}

function stringOr(value: unknown): string {
  return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
}
