// GenAI semconv message events in their three generations, and the message shapes they carry:
// Strands' spans (built from its tracer, see test/fixtures/frameworks/strands.ts) and
// hand-made ones for OpenLIT's / Spring AI's 2024 events.
import { describe, expect, it } from "vitest";
import { convert } from "../fixtures/expected.js";
import { rowOf } from "../fixtures/frameworks/span.js";
import * as strands from "../fixtures/frameworks/strands.js";

const MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0";
const CALL = { id: "tooluse_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } };
const CHAT_INPUT = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Weather in Paris?" },
  { role: "assistant", content: "Checking.", tool_calls: [CALL] },
  { role: "tool", tool_call_id: "tooluse_1", content: "21°C" },
];

describe("Strands model calls", () => {
  for (const [form, span] of [["legacy events", strands.legacyChat], ["operation.details events", strands.latestChat]] as const) {
    it(`maps the ${form} to an llm row with the conversation, model, tokens and first token in seconds`, () => {
      const row = rowOf(span);
      expect(row.span_attributes.type).toBe("llm");
      expect(row.input).toEqual(CHAT_INPUT);
      expect(row.output).toEqual([{ role: "assistant", content: "It is 21°C.", finish_reason: "end_turn" }]);
      expect(row.metadata).toMatchObject({ model: MODEL, provider: "strands-agents", operation: "chat" });
      expect(row.metrics).toMatchObject({
        prompt_tokens: 42,
        completion_tokens: 9,
        tokens: 51,
        prompt_cached_tokens: 30,
        prompt_cache_creation_tokens: 12,
        // 350 ms, which cannot be seconds on a 1.5 s span
        time_to_first_token: 0.35,
      });
    });
  }

  it("reads Strands' integer time to first token as milliseconds, even on a span long enough for seconds", () => {
    const long = rowOf({ ...strands.legacyChat, durationMs: 600_000 });
    expect(long.metrics.time_to_first_token).toBe(0.35);
    const latest = rowOf({ ...strands.latestChat, durationMs: 600_000 });
    expect(latest.metrics.time_to_first_token).toBe(0.35);
  });

  it("reads time to first token as seconds when it can be, whatever the emitter", () => {
    const seconds = rowOf({ ...strands.legacyChat, attributes: { ...strands.legacyChat.attributes, "gen_ai.server.time_to_first_token": 0.35 } });
    expect(seconds.metrics.time_to_first_token).toBe(0.35);
    // Longer than the span in either unit, from an emitter whose unit is not known: the spec's unit stands.
    const other = { ...strands.legacyChat.attributes, "gen_ai.system": "openai", "gen_ai.server.time_to_first_token": 350 };
    const neither = rowOf({ ...strands.legacyChat, durationMs: 100, attributes: other });
    expect(neither.metrics.time_to_first_token).toBe(350);
  });
});

describe("Strands tool calls", () => {
  for (const [form, span] of [["legacy events", strands.legacyTool], ["operation.details events", strands.latestTool]] as const) {
    it(`maps the ${form} to a tool row with the arguments in and the result out`, () => {
      const row = rowOf(span);
      expect(row.span_attributes.type).toBe("tool");
      expect(row.input).toEqual({ city: "Paris" });
      expect(row.output).toBe("21°C");
      expect(row.metadata).toMatchObject({ tool_name: "weather", tool_call_id: "tooluse_1", provider: "strands-agents" });
    });
  }
});

describe("Strands agents", () => {
  it("takes a gen_ai.choice whose message is plain text as the answer", () => {
    const row = rowOf(strands.legacyAgent);
    expect(row.span_attributes.type).toBe("task");
    expect(row.input).toEqual([{ role: "user", content: "Weather in Paris?" }]);
    expect(row.output).toEqual([{ role: "assistant", content: "It is 21°C.\n", finish_reason: "end_turn" }]);
    expect(row.metrics).toMatchObject({ prompt_tokens: 84, completion_tokens: 18, tokens: 102, prompt_cached_tokens: 0 });
  });
});

describe("framework names in gen_ai.system", () => {
  it("prefers a vendor any convention names, and falls back to the framework", () => {
    expect(convert({ "gen_ai.system": "strands-agents", "gen_ai.provider.name": "aws.bedrock", "gen_ai.operation.name": "chat" }).metadata?.provider).toBe(
      "aws.bedrock",
    );
    const mixed = convert({ "gen_ai.system": "gcp.vertex.agent", "gen_ai.request.model": "gemini-2.0-flash", "llm.provider": "google", "llm.model_name": "gemini-2.0-flash" });
    expect(mixed.metadata?.provider).toBe("google");
    expect(convert({ "gen_ai.system": "gcp.vertex.agent", "gen_ai.request.model": "gemini-2.0-flash" }).metadata?.provider).toBe("gcp.vertex.agent");
    expect(convert({ "gen_ai.system": "gcp.vertex.agent", "gen_ai.request.model": "m" }).metadata).not.toHaveProperty("gen_ai.system");
  });

  it("does not make an agent framework's span an llm call by its system name alone", () => {
    expect(convert({ "gen_ai.system": "gcp.vertex.agent", "gen_ai.agent.name": "a" }).span_attributes.type).toBeUndefined();
    expect(convert({ "gen_ai.system": "openai" }).span_attributes.type).toBe("llm");
  });
});

describe("2024 content events (OpenLIT, Spring AI 1.0)", () => {
  it("takes gen_ai.prompt and gen_ai.completion strings from gen_ai.content.* events", () => {
    const row = convert(
      { "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o" },
      { events: [["gen_ai.content.prompt", { "gen_ai.prompt": "user: Hi" }], ["gen_ai.content.completion", { "gen_ai.completion": "Hello!" }]] },
    );
    expect(row.span_attributes.type).toBe("llm");
    expect(row.input).toEqual([{ role: "user", content: "user: Hi" }]);
    expect(row.output).toEqual([{ role: "assistant", content: "Hello!" }]);
  });

  it("takes string arrays as one message each, and JSON message lists as messages", () => {
    const row = convert(
      { "gen_ai.operation.name": "chat", "gen_ai.system": "spring_ai" },
      {
        events: [
          ["gen_ai.content.prompt", { "gen_ai.prompt": ["You are terse.", "Hi"] }],
          ["gen_ai.content.completion", { "gen_ai.completion": JSON.stringify([{ role: "assistant", content: "Hello!" }]) }],
        ],
      },
    );
    expect(row.input).toEqual([
      { role: "user", content: "You are terse." },
      { role: "user", content: "Hi" },
    ]);
    expect(row.output).toEqual([{ role: "assistant", content: "Hello!" }]);
  });
});

describe("message events against attributes", () => {
  it("lets a nonempty list from events beat the message attributes, as Braintrust's server does", () => {
    const row = convert(
      {
        "gen_ai.operation.name": "chat",
        "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "from attribute" }] }]),
        "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "attr answer" }] }]),
      },
      { events: [["gen_ai.user.message", { content: "from event" }]] },
    );
    expect(row.input).toEqual([{ role: "user", content: "from event" }]);
    // No output event: the attribute stays.
    expect(row.output).toEqual([{ role: "assistant", content: "attr answer" }]);
  });

  it("types a span with only a response model and message events as llm (Semantic Kernel)", () => {
    const row = convert({ "gen_ai.response.model": "gpt-4o-mini" }, { events: [["gen_ai.choice", { message: "Hi" }]] });
    expect(row.span_attributes.type).toBe("llm");
    expect(row.output).toEqual([{ role: "assistant", content: "Hi" }]);
  });
});

describe("GenAI semconv gaps", () => {
  it("types a span with a tool name or call id and no operation as a tool", () => {
    for (const attrs of [{ "gen_ai.tool.name": "weather" }, { "gen_ai.tool.call.id": "c1" }]) {
      expect(convert(attrs).span_attributes.type).toBe("tool");
    }
    const row = convert({ "gen_ai.tool.name": "weather" });
    expect(row.metadata).toMatchObject({ tool_name: "weather" });
    expect(row.metadata).not.toHaveProperty("gen_ai.tool.name");
  });

  it("reads the older gen_ai.tool.input / gen_ai.tool.output names of a tool's arguments and result", () => {
    const row = convert({ "gen_ai.tool.name": "weather", "gen_ai.tool.input": '{"city":"Paris"}', "gen_ai.tool.output": "21°C" });
    expect(row).toMatchObject({ span_attributes: { type: "tool" }, input: { city: "Paris" }, output: "21°C" });
    expect(row.metadata).not.toHaveProperty("gen_ai.tool.output");
  });

    it("always makes finish_reasons a list: from a list, JSON text or one plain reason", () => {
    for (const value of [["stop"], '["stop"]', "stop"]) {
      expect(convert({ "gen_ai.operation.name": "chat", "gen_ai.response.finish_reasons": value as string }).metadata?.finish_reasons).toEqual(["stop"]);
    }
  });

  it("maps the reasoning and cached-input detail counts", () => {
    const row = convert({ "gen_ai.operation.name": "chat", "gen_ai.usage.details.reasoning_tokens": 7, "gen_ai.usage.cached_input_tokens": 5 });
    expect(row.metrics).toMatchObject({ completion_reasoning_tokens: 7, prompt_cached_tokens: 5 });
  });

  it("turns untyped {text} blocks into text and keeps a tool result given as `result`", () => {
    const row = convert({
      "gen_ai.operation.name": "chat",
      "gen_ai.input.messages": JSON.stringify([
        { role: "user", content: [{ text: "Hi " }, { text: "there" }] },
        { role: "user", parts: [{ type: "tool_call_response", id: "c1", result: { temp: 21 } }] },
      ]),
    });
    expect(row.input).toEqual([
      { role: "user", content: "Hi there" },
      { role: "tool", tool_call_id: "c1", content: '{"temp":21}' },
    ]);
  });

  it("keeps a gen_ai.choice made of {text} blocks as text, not null", () => {
    const row = convert({ "gen_ai.operation.name": "chat" }, { events: [["gen_ai.choice", { message: JSON.stringify([{ text: "a" }, { text: "b" }]) }]] });
    expect(row.output).toEqual([{ role: "assistant", content: "ab" }]);
  });
});
