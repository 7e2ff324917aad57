// GenAI content that arrives as OTel log records (the Logs API, or the Events API on top of
// it) instead of span events: OpenTelemetry's own OpenAI instrumentation in JS, and Python's
// openai-v2, google-genai and vertexai. A record's event name and content map onto the span
// event of the same name, so the row is built by the one span-event mapping
// (genai-events.ts): appending `genAiEvent(record)` for each record of a span to that span's
// events gives the input and output its span events would.
//
// Where a record keeps what a span event keeps in its attributes:
// - the event name in `eventName` (Logs API ≥ 0.200, OTLP `event_name`) or the `event.name`
//   attribute (the Events API and older instrumentations);
// - the message fields (`content`, `role`, `tool_calls`, `id`, `index`, `finish_reason`,
//   `message`) in `body`, an AnyValue map or its JSON text;
// - `gen_ai.input.messages` / `gen_ai.output.messages` / `gen_ai.system_instructions` of a
//   `gen_ai.client.inference.operation.details` record in its attributes (or its body).
import { isPlainObject, parseMaybeJson } from "./mapper.js";
import type { HrTime, SpanEventLike, SpanLike } from "./types.js";

/** The part of an OTel log record (SDK `SdkLogRecord`, or one decoded from OTLP) the mapping reads. */
export interface LogRecordLike {
  readonly eventName?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
  /** When the record was emitted; becomes the event's time. */
  readonly hrTime?: HrTime;
}

const EVENT_NAME_ATTRIBUTE = "event.name";

/**
 * The names the span-event mapping reads (genai-events.ts). Every GenAI event name starts
 * with `gen_ai.`, so an app's ordinary records are told apart by their first character or
 * two, before any lookup.
 */
const GENAI_EVENTS: ReadonlySet<string> = new Set([
  "gen_ai.client.inference.operation.details",
  "gen_ai.system.message",
  "gen_ai.user.message",
  "gen_ai.assistant.message",
  "gen_ai.tool.message",
  "gen_ai.choice",
  "gen_ai.content.prompt",
  "gen_ai.content.completion",
]);

/** The record's event name when it is a GenAI message event; undefined, cheaply, for any other record. */
export function genAiEventName(record: LogRecordLike): string | undefined {
  let name: unknown = record.eventName;
  if (typeof name !== "string" || name.length === 0) {
    const attrs = record.attributes;
    name = attrs === undefined || attrs === null ? undefined : attrs[EVENT_NAME_ATTRIBUTE];
  }
  if (typeof name !== "string" || name.charCodeAt(0) !== 103 /* g */ || name.charCodeAt(6) !== 46 /* . */) return undefined;
  return GENAI_EVENTS.has(name) ? name : undefined;
}

/**
 * The span event a GenAI log record stands for; undefined for any other record. The event's
 * attributes are the record's (without `event.name`) with the body's fields over them; a body
 * that is text and not a JSON object is the message's `content`. Never throws.
 */
export function genAiEvent(record: LogRecordLike): SpanEventLike | undefined {
  const name = genAiEventName(record);
  if (name === undefined) return undefined;
  const attributes: Record<string, unknown> = {};
  const own = record.attributes;
  if (isPlainObject(own)) {
    for (const key in own) if (key !== EVENT_NAME_ATTRIBUTE) attributes[key] = own[key];
  }
  const body = parseMaybeJson(record.body);
  if (isPlainObject(body)) {
    for (const key in body) attributes[key] = body[key];
  } else if (body !== undefined && body !== null) {
    attributes.content = body;
  }
  const time = record.hrTime;
  return time === undefined ? { name, attributes } : { name, time, attributes };
}

/**
 * The span as the mapping should see it with `events` appended to its own (a record's content
 * after the span's events, in emit order). Reads everything else through to the span itself.
 */
export function withEvents(span: SpanLike, events: readonly SpanEventLike[]): SpanLike {
  if (events.length === 0) return span;
  const own = span.events;
  const all = Array.isArray(own) && own.length > 0 ? [...own, ...events] : events;
  const view = Object.create(span) as { events: readonly SpanEventLike[] };
  Object.defineProperty(view, "events", { value: all, enumerable: true });
  return view as unknown as SpanLike;
}
