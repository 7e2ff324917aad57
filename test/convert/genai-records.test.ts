// GenAI log records map through the span-event mapping: the records below are shaped as
// @opentelemetry/instrumentation-openai emits them (event name in the `event.name` attribute
// for chat, in `eventName` for the Responses API; content in `body`), and each test checks
// that folding them into the span gives the same row as the equivalent span events.
import { describe, expect, it } from "vitest";
import { toBraintrustEvent } from "../../src/convert/index.js";
import { type LogRecordLike, genAiEvent, genAiEventName, withEvents } from "../../src/convert/genai-records.js";
import type { SpanEventLike } from "../../src/convert/types.js";
import { toSpan } from "../fixtures/frameworks/span.js";

const CHAT_SPAN = toSpan({
  name: "chat gpt-4o-mini",
  attributes: {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.system": "openai",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ["tool_calls"],
    "gen_ai.usage.input_tokens": 12,
    "gen_ai.usage.output_tokens": 7,
  },
});

const record = (event: string, body: unknown): LogRecordLike => ({
  attributes: { "event.name": event, "gen_ai.system": "openai" },
  body,
});

const CALL = { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } };

const CHAT_RECORDS: LogRecordLike[] = [
  record("gen_ai.system.message", { content: "You are terse." }),
  record("gen_ai.user.message", { content: "Weather in Paris?" }),
  record("gen_ai.assistant.message", { tool_calls: [CALL] }),
  record("gen_ai.tool.message", { id: "call_1", content: "21°C" }),
  record("gen_ai.choice", { finish_reason: "stop", index: 0, message: { content: "It is 21°C." } }),
];

function rowWith(records: LogRecordLike[], span = CHAT_SPAN) {
  const events = records.map(genAiEvent).filter((e): e is SpanEventLike => e !== undefined);
  return toBraintrustEvent(withEvents(span, events));
}

describe("genAiEvent", () => {
  it("is undefined for an app's ordinary records, whatever their body", () => {
    expect(genAiEvent({ body: "GET /health 200" })).toBeUndefined();
    expect(genAiEvent({ eventName: "app.checkout", body: { content: "x" } })).toBeUndefined();
    expect(genAiEvent({ attributes: { "event.name": "gen_ai.client.operation.duration" } })).toBeUndefined();
    expect(genAiEvent({ attributes: { "event.name": 42 } as Record<string, unknown> })).toBeUndefined();
    expect(genAiEvent({})).toBeUndefined();
  });

  it("takes the event name from eventName first, then from the event.name attribute", () => {
    expect(genAiEventName({ eventName: "gen_ai.choice", attributes: { "event.name": "other" } })).toBe("gen_ai.choice");
    expect(genAiEventName({ attributes: { "event.name": "gen_ai.user.message" } })).toBe("gen_ai.user.message");
  });

  it("puts the body's fields over the record's attributes, and leaves event.name out", () => {
    const event = genAiEvent({ attributes: { "event.name": "gen_ai.tool.message", "gen_ai.system": "openai" }, body: { id: "c1", content: "ok" }, hrTime: [5, 0] });
    expect(event).toEqual({ name: "gen_ai.tool.message", time: [5, 0], attributes: { "gen_ai.system": "openai", id: "c1", content: "ok" } });
  });
});

describe("chat records folded into their span", () => {
  it("give the messages with roles in emit order, tool calls and tool_call_id kept, and the choice as output", () => {
    const row = rowWith(CHAT_RECORDS);
    expect(row.span_attributes.type).toBe("llm");
    expect(row.input).toEqual([
      { role: "system", content: "You are terse." },
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [CALL] },
      { role: "tool", content: "21°C", tool_call_id: "call_1" },
    ]);
    expect(row.output).toEqual([{ role: "assistant", content: "It is 21°C.", finish_reason: "stop" }]);
    expect(row.metadata).toMatchObject({ model: "gpt-4o-mini-2024-07-18", provider: "openai" });
    expect(row.metrics).toMatchObject({ prompt_tokens: 12, completion_tokens: 7, tokens: 19 });
  });

  it("give the same row as the same content written as span events", () => {
    const asSpanEvents = toSpan({
      name: "chat gpt-4o-mini",
      attributes: (CHAT_SPAN.attributes as Record<string, unknown>),
      events: CHAT_RECORDS.map((r) => [r.attributes!["event.name"] as string, { "gen_ai.system": "openai", ...(r.body as object) }]),
    });
    const fromEvents = toBraintrustEvent(asSpanEvents);
    const fromRecords = rowWith(CHAT_RECORDS);
    expect(fromRecords.input).toEqual(fromEvents.input);
    expect(fromRecords.output).toEqual(fromEvents.output);
  });

  it("order choices by index, whatever order they came in", () => {
    const row = rowWith([
      record("gen_ai.choice", { finish_reason: "stop", index: 1, message: { content: "B" } }),
      record("gen_ai.choice", { finish_reason: "stop", index: 0, message: { content: "A" } }),
    ]);
    expect((row.output as Array<{ content: string }>).map((m) => m.content)).toEqual(["A", "B"]);
  });

  it("read bodies given as JSON text, and a body of plain text as the content", () => {
    const row = rowWith([
      record("gen_ai.user.message", JSON.stringify({ content: "Hi" })),
      record("gen_ai.user.message", "Again"),
      record("gen_ai.choice", JSON.stringify({ index: 0, finish_reason: "stop", message: { role: "assistant", content: "Hello" } })),
    ]);
    expect(row.input).toEqual([{ role: "user", content: "Hi" }, { role: "user", content: "Again" }]);
    expect(row.output).toEqual([{ role: "assistant", content: "Hello", finish_reason: "stop" }]);
  });

  it("with content capture off still give the roles, tool call ids and names, and a whole row", () => {
    const row = rowWith([
      record("gen_ai.system.message", {}),
      record("gen_ai.user.message", {}),
      record("gen_ai.assistant.message", { tool_calls: [{ id: "call_1", type: "function", function: { name: "weather" } }] }),
      record("gen_ai.tool.message", { id: "call_1" }),
      record("gen_ai.choice", { finish_reason: "stop", index: 0, message: {} }),
    ]);
    expect(row.input).toEqual([
      { role: "system", content: null },
      { role: "user", content: null },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: "" } }] },
      { role: "tool", content: null, tool_call_id: "call_1" },
    ]);
    expect(row.output).toEqual([{ role: "assistant", content: null, finish_reason: "stop" }]);
    expect(row.metrics).toMatchObject({ prompt_tokens: 12, completion_tokens: 7 });
  });
});

describe("Responses API records (gen_ai.client.inference.operation.details)", () => {
  const span = toSpan({
    name: "chat gpt-4o-mini",
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.provider.name": "openai",
      "gen_ai.system_instructions": "Be brief.",
      "gen_ai.usage.input_tokens": 9,
      "gen_ai.usage.output_tokens": 3,
    },
  });
  const details = (attributes: Record<string, unknown>): LogRecordLike => ({ eventName: "gen_ai.client.inference.operation.details", attributes: { "gen_ai.provider.name": "openai", ...attributes } });

  it("give the input messages (instructions first) and the output messages", () => {
    const row = rowWith(
      [
        details({ "gen_ai.input.messages": [{ role: "system", parts: [{ type: "text", content: "Be brief." }] }, { role: "user", parts: [{ type: "text", content: "Hi" }] }] }),
        details({ "gen_ai.output.messages": [{ role: "assistant", parts: [{ type: "text", content: "Hello" }], finish_reason: "stop" }] }),
      ],
      span,
    );
    expect(row.input).toEqual([{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }]);
    expect(row.output).toEqual([{ role: "assistant", content: "Hello", finish_reason: "stop" }]);
    expect(row.metrics).toMatchObject({ prompt_tokens: 9, completion_tokens: 3 });
  });

  it("keep the span's system instructions first when the records' input has none", () => {
    const row = rowWith([details({ "gen_ai.input.messages": [{ role: "user", parts: [{ type: "text", content: "Hi" }] }] })], span);
    expect(row.input).toEqual([{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }]);
  });

  it("with content capture off give the roles and a whole row", () => {
    const row = rowWith(
      [
        details({ "gen_ai.input.messages": [{ role: "user", parts: [{ type: "text" }] }] }),
        details({ "gen_ai.output.messages": [{ role: "assistant", parts: [{ type: "text" }], finish_reason: "stop" }] }),
      ],
      span,
    );
    expect((row.input as Array<{ role: string }>).map((m) => m.role)).toEqual(["system", "user"]);
    expect((row.output as Array<{ role: string }>).map((m) => m.role)).toEqual(["assistant"]);
  });
});

describe("withEvents", () => {
  it("appends after the span's own events and reads the rest through to the span", () => {
    const span = toSpan({ name: "s", attributes: { a: 1 }, events: [["first", {}]] });
    const view = withEvents(span, [{ name: "second" }]);
    expect(view.events!.map((e) => e.name)).toEqual(["first", "second"]);
    expect(view.spanContext()).toEqual(span.spanContext());
    expect(view.attributes).toBe(span.attributes);
    expect(span.events!.map((e) => e.name)).toEqual(["first"]);
  });
});
