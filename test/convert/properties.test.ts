// Whatever arrives under any convention's keys (wrong types, invalid JSON, huge arrays,
// NaN/Infinity, deep nesting, __proto__), conversion never throws and the row still
// validates against the official InsertProjectLogsEvent schema.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { toBraintrustEvent } from "../../src/convert/index.js";
import type { SpanLike } from "../../src/convert/types.js";
import { jsonToSpan, type SpanJson } from "../fixtures/span-json.js";
import { loadSpecValidators, type SpecValidators, specMissingName } from "../helpers/spec.js";

const KEYS = [
  // GenAI semconv, current and deprecated
  "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.system", "gen_ai.request.model", "gen_ai.response.model",
  "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.prompt", "gen_ai.completion",
  "gen_ai.prompt.0.role", "gen_ai.prompt.0.content", "gen_ai.prompt.1.content", "gen_ai.prompt.0.tool_calls.0.name",
  "gen_ai.completion.0.content", "gen_ai.completion.0.tool_calls.0.arguments", "gen_ai.prompt.99999.role", "gen_ai.prompt.0.__proto__",
  "gen_ai.prompt.00.role", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "gen_ai.tool.definitions",
  "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.prompt_tokens", "gen_ai.usage.total_tokens",
  "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.reasoning.output_tokens", "gen_ai.client.operation.time_to_first_chunk",
  "gen_ai.request.temperature", "gen_ai.request.__proto__", "gen_ai.response.finish_reasons",
  "gen_ai.tool.name", "gen_ai.tool.call.id", "gen_ai.server.time_to_first_token", "gen_ai.usage.details.reasoning_tokens",
  "ai.response.providerMetadata",
  // Vercel AI SDK
  "ai.operationId", "ai.prompt", "ai.prompt.messages", "ai.prompt.tools", "ai.response.text", "ai.response.toolCalls",
  "ai.response.object", "ai.result.text", "ai.toolCall.args", "ai.toolCall.result", "ai.values", "ai.embeddings",
  "ai.usage.inputTokens", "ai.usage.promptTokens", "ai.usage.totalTokens", "ai.response.msToFirstChunk",
  "ai.settings.temperature", "ai.telemetry.metadata.__proto__", "ai.telemetry.metadata.user", "ai.model.id", "ai.model.provider",
  // OpenInference
  "openinference.span.kind", "input.value", "input.mime_type", "output.value", "output.mime_type", "llm.model_name",
  "llm.invocation_parameters", "metadata", "tag.tags", "session.id", "llm.input_messages.0.message.role",
  "llm.input_messages.0.message.content", "llm.input_messages.0.message.contents.0.message_content.type",
  "llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "llm.token_count.prompt", "llm.token_count.total",
  "llm.tools.0.tool.json_schema", "embedding.embeddings.0.embedding.text", "retrieval.documents.0.document.content",
  // Traceloop
  "traceloop.span.kind", "traceloop.entity.input", "traceloop.entity.output", "llm.request.type", "llm.usage.total_tokens",
  "llm.prompts.0.content", "llm.request.functions.0.arguments", "traceloop.association.properties.__proto__",
  // Braintrust and plain
  "braintrust.input_json", "braintrust.metrics", "braintrust.span_attributes", "input", "output", "model", "__proto__", "constructor",
];

const EVENT_NAMES = [
  "gen_ai.user.message", "gen_ai.system.message", "gen_ai.tool.message", "gen_ai.choice", "ai.stream.firstChunk", "exception",
  "gen_ai.client.inference.operation.details", "gen_ai.content.prompt", "gen_ai.content.completion",
];

const HUGE = Array.from({ length: 20_000 }, (_, i) => i);
const DEEP = "[".repeat(2000) + "]".repeat(2000);

const messageLike = fc.array(
  fc.record(
    {
      role: fc.oneof(fc.constantFrom("user", "assistant", "tool", "system"), fc.integer()),
      content: fc.oneof(
        fc.string(),
        fc.array(fc.record({ type: fc.constantFrom("text", "tool-call", "tool-result", "image_url", "x"), text: fc.anything() }, { requiredKeys: [] })),
        // Bedrock content blocks, which have no type
        fc.array(fc.record({ text: fc.anything(), toolUse: fc.anything(), toolResult: fc.anything() }, { requiredKeys: [] }), { maxLength: 3 }),
      ),
      parts: fc.array(
        fc.record({ type: fc.constantFrom("text", "tool_call", "tool_call_response", "blob"), content: fc.anything(), id: fc.anything(), result: fc.anything() }, { requiredKeys: [] }),
      ),
      tool_calls: fc.anything(),
    },
    { requiredKeys: [] },
  ),
  { maxLength: 4 },
);

const attributeValue = fc.oneof(
  fc.string(),
  fc.json(),
  fc.constantFrom("{", "[1,", '{"a":', "null", "[]", "{}", "NaN", DEEP, '{"__proto__":{"polluted":1}}'),
  messageLike.map((m) => JSON.stringify(m)),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e300, Number.MAX_SAFE_INTEGER + 2),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(null, undefined, HUGE),
  fc.array(fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null)), { maxLength: 6 }),
  // Not valid OTel attribute values, but a SpanLike may carry anything.
  fc.jsonValue(),
  messageLike,
);

const attributes = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string()), attributeValue), { maxLength: 16 })
  .map((entries) => {
    const attrs: Record<string, unknown> = {};
    for (const [key, value] of entries) Object.defineProperty(attrs, key, { value, enumerable: true, configurable: true, writable: true });
    return attrs;
  });

const events = fc.array(
  fc.record({ name: fc.constantFrom(...EVENT_NAMES), attributes: fc.dictionary(fc.constantFrom(
        "content", "role", "message", "index", "tool_calls", "id", "finish_reason", "ai.response.msToFirstChunk",
        "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.prompt", "gen_ai.completion",
      ), attributeValue) }),
  { maxLength: 4 },
);

function spanOf(attrs: Record<string, unknown>, evts: SpanJson["events"], root: boolean, scope: string): SpanLike {
  return jsonToSpan({
    name: "span",
    kind: 0,
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    ...(root ? {} : { parentSpanId: "00f067aa0ba902b7" }),
    startTime: [1_750_000_000, 0],
    endTime: [1_750_000_001, 500],
    status: { code: 0 },
    attributes: attrs,
    events: evts,
    resource: { "service.name": "props" },
    scope: { name: scope },
  });
}

let validators: SpecValidators | undefined;
beforeAll(async () => {
  validators = await loadSpecValidators();
});

describe("conversion under arbitrary convention attributes", () => {
  it("never throws, and keeps metrics finite and token counts whole", () => {
    fc.assert(
      fc.property(attributes, events, fc.boolean(), fc.constantFrom("ai", "other"), (attrs, evts, root, scope) => {
        const event = toBraintrustEvent(spanOf(attrs, evts.map((e) => ({ ...e, time: [1_750_000_000, 1] })), root, scope));
        for (const [key, value] of Object.entries(event.metrics)) {
          expect(Number.isFinite(value), `metric ${key}=${value}`).toBe(true);
          if (key.endsWith("tokens")) expect(Number.isInteger(value), `metric ${key}=${value}`).toBe(true);
        }
        expect(() => JSON.stringify(event)).not.toThrow();
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it("survives hostile indexed keys: thousands of dots, huge indexes, tens of thousands of entries", () => {
    const attrs: Record<string, unknown> = {
      "gen_ai.system": "openai",
      [`gen_ai.prompt.0.${"a.".repeat(20_000)}role`]: "user",
      "gen_ai.prompt.99999999999.role": "user",
      "llm.input_messages.1e3.message.role": "user",
    };
    for (let i = 0; i < 50_000; i++) attrs[`gen_ai.completion.${i % 9_000}.tool_calls.${i}.name`] = "t";
    const event = toBraintrustEvent(spanOf(attrs, [], false, "other"));
    expect(Array.isArray(event.input)).toBe(true);
    expect((event.output as unknown[]).length).toBe(9_000);
    // Indexes out of range are not rebuilt; they stay in metadata under their own keys.
    expect(event.metadata).toHaveProperty(["gen_ai.prompt.99999999999.role"]);
  });

  it("always produces a row the official InsertProjectLogsEvent schema accepts", (ctx) => {
    if (!validators) return ctx.skip(specMissingName());
    const validate = validators.insertProjectLogsEvent;
    fc.assert(
      fc.property(attributes, events, fc.boolean(), (attrs, evts, root) => {
        const event = toBraintrustEvent(spanOf(attrs, evts.map((e) => ({ ...e, time: [1_750_000_000, 1] })), root, "ai"));
        // What goes on the wire is the JSON text, so validate what the server would parse.
        const wire = JSON.parse(JSON.stringify(event));
        expect(validate(wire)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
