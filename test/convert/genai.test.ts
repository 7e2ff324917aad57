// GenAI semconv: golden spans from AI SDK v7's default integration (invoke_agent / chat /
// execute_tool), plus hand-made spans for the deprecated forms no current library emits.
import { describe, expect, it } from "vitest";
import { AI_SDK_TOKENS, convert, expectSeconds, functionCall, SYSTEM_MESSAGE as SYSTEM, toolLoopInput, USER_MESSAGE as USER, WEATHER_TOOL_ROW } from "../fixtures/expected.js";
import { fixtureAttributes, fixtureEvent, fixtureEvents } from "../fixtures/span-json.js";

const V7 = "ai-v7";

describe("GenAI semconv from AI SDK v7 spans", () => {
  it("maps a chat span to an llm row with messages, model, provider, parameters and every token metric", () => {
    const chat = fixtureEvent(V7, "generate-text", "chat mock-gpt");
    expect(chat.span_attributes.type).toBe("llm");
    expect(chat.input).toEqual([SYSTEM, USER]);
    expect(chat.output).toEqual([{ role: "assistant", content: "Paris.", finish_reason: "stop" }]);
    expect(chat.metadata).toMatchObject({
      model: "mock-gpt-2025-01-01",
      provider: "mock-provider.chat",
      operation: "chat",
      max_tokens: 64,
      temperature: 0.2,
      response_id: "resp-1",
      finish_reasons: ["stop"],
    });
    expect(chat.metrics).toMatchObject(AI_SDK_TOKENS);
    expect(chat.metrics).not.toHaveProperty("time_to_first_token");
  });

  it("does not copy consumed gen_ai attributes into metadata a second time", () => {
    const chat = fixtureEvent(V7, "generate-text", "chat mock-gpt");
    const leftovers = Object.keys(chat.metadata ?? {}).filter((k) => k.startsWith("gen_ai."));
    // Only what no mapping claims stays, under its own key.
    expect(leftovers).toEqual(["gen_ai.client.operation.duration"]);
  });

  it("takes time to first token from the streaming chat span, in seconds", () => {
    const chat = fixtureEvent(V7, "stream-text", "chat mock-gpt");
    const recorded = fixtureAttributes(V7, "stream-text", "chat mock-gpt")["gen_ai.client.operation.time_to_first_chunk"];
    expect(chat.metrics.time_to_first_token).toBe(recorded);
    expectSeconds(chat.metrics.time_to_first_token);
  });

  it("types the agent as task with the conversation, and its steps as tasks", () => {
    const agent = fixtureEvent(V7, "generate-text", "invoke_agent mock-gpt");
    expect(agent.span_attributes.type).toBe("task");
    expect(agent.input).toEqual([SYSTEM, USER]);
    expect(agent.output).toEqual([{ role: "assistant", content: "Paris.", finish_reason: "stop" }]);
    expect(agent.metadata).toMatchObject({ model: "mock-gpt", provider: "mock-provider.chat", "gen_ai.agent.name": "capital-question" });
    expect(fixtureEvent(V7, "generate-text", "step 1").span_attributes.type).toBe("task");
  });

  it("maps execute_tool to a tool row with the arguments as input and the result as output", () => {
    expect(fixtureEvent(V7, "tool-call", "execute_tool weather")).toMatchObject(WEATHER_TOOL_ROW);
  });

  it("turns tool-call parts into OpenAI tool_calls and tool responses into tool messages", () => {
    const [first, second] = fixtureEvents(V7, "tool-call", "chat mock-gpt");
    expect(first!.output).toEqual([{ role: "assistant", content: null, tool_calls: [functionCall("call-1", "weather")], finish_reason: "tool_call" }]);
    expect(first!.metadata?.tools).toEqual([expect.objectContaining({ name: "weather", description: "Current weather for a city" })]);
    expect(second!.input).toEqual(toolLoopInput("call-1", "weather"));
    expect(second!.output).toEqual([{ role: "assistant", content: "It is 21°C in Paris.", finish_reason: "stop" }]);
  });

  it("carries the error of a failed call on the llm row and makes up no token counts", () => {
    const chat = fixtureEvent(V7, "error", "chat mock-gpt");
    expect(chat.span_attributes.type).toBe("llm");
    expect(chat.error).toMatch(/^Error: upstream model overloaded/);
    expect(chat.input).toEqual([SYSTEM, USER]);
    expect(chat.output).toBeUndefined();
    expect(Object.keys(chat.metrics).sort()).toEqual(["end", "start"]);
  });
});

describe("GenAI semconv, hand-made spans", () => {
  it("prefers the response model and reads the provider from gen_ai.system when that is all there is", () => {
    const event = convert({ "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.system": "openai" });
    expect(event.metadata).toMatchObject({ model: "gpt-4o-2024-08-06", provider: "openai" });
    expect(event.metadata).not.toHaveProperty("gen_ai.request.model");
    expect(event.metadata).not.toHaveProperty("gen_ai.system");
    expect(event.span_attributes.type).toBe("llm");
  });

  it("maps an LLM span traced on its own (a root span) to llm, not the root default", () => {
    expect(convert({ "gen_ai.operation.name": "chat", "gen_ai.request.model": "m" }, { root: true }).span_attributes.type).toBe("llm");
    expect(convert({ "gen_ai.operation.name": "invoke_workflow" }, { root: true }).span_attributes.type).toBe("task");
  });

  it("puts system instructions in front of the input messages", () => {
    const event = convert({
      "gen_ai.operation.name": "chat",
      "gen_ai.system_instructions": "Be brief.",
      "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Hi" }] }]),
    });
    expect(event.input).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ]);
  });

  it("keeps non-text parts whole, in order", () => {
    const image = { type: "uri", modality: "image", uri: "https://example.com/cat.png" };
    const event = convert({
      "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "What is this?" }, image] }]),
    });
    expect(event.input).toEqual([{ role: "user", content: [{ type: "text", text: "What is this?" }, image] }]);
  });

  it("reads the deprecated JSON gen_ai.prompt and gen_ai.completion", () => {
    const event = convert({
      "gen_ai.prompt": JSON.stringify([{ role: "user", content: "Hi" }]),
      "gen_ai.completion": JSON.stringify([{ role: "assistant", content: "Hello" }]),
      "gen_ai.usage.prompt_tokens": 4,
      "gen_ai.usage.completion_tokens": 2,
    });
    expect(event.input).toEqual([{ role: "user", content: "Hi" }]);
    expect(event.output).toEqual([{ role: "assistant", content: "Hello" }]);
    expect(event.metrics).toMatchObject({ prompt_tokens: 4, completion_tokens: 2, tokens: 6 });
  });

  it("rebuilds indexed gen_ai.prompt.{i}.* and gen_ai.completion.{i}.* into message arrays, in index order", () => {
    const event = convert({
      "gen_ai.system": "openai",
      "gen_ai.prompt.10.role": "user",
      "gen_ai.prompt.10.content": "eleventh",
      "gen_ai.prompt.2.role": "user",
      "gen_ai.prompt.2.content": "third",
      "gen_ai.prompt.0.role": "system",
      "gen_ai.prompt.0.content": "first",
      "gen_ai.prompt.1.role": "assistant",
      "gen_ai.prompt.1.tool_calls.0.id": "c1",
      "gen_ai.prompt.1.tool_calls.0.name": "lookup",
      "gen_ai.prompt.1.tool_calls.0.arguments": '{"q":1}',
      "gen_ai.completion.0.role": "assistant",
      "gen_ai.completion.0.content": "done",
      "gen_ai.completion.0.finish_reason": "stop",
    });
    expect(event.input).toEqual([
      { role: "system", content: "first" },
      { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":1}' } }] },
      { role: "user", content: "third" },
      { role: "user", content: "eleventh" },
    ]);
    expect(event.output).toEqual([{ role: "assistant", content: "done", finish_reason: "stop" }]);
    expect(Object.keys(event.metadata ?? {}).filter((k) => k.startsWith("gen_ai.prompt") || k.startsWith("gen_ai.completion"))).toEqual([]);
  });

  it("parses multimodal content that an indexed form carries as a JSON string of parts", () => {
    const parts = [{ type: "text", text: "Describe" }, { type: "image_url", image_url: { url: "https://example.com/a.png" } }];
    const event = convert({ "gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": JSON.stringify(parts) });
    expect(event.input).toEqual([{ role: "user", content: parts }]);
    // Text that merely looks like JSON stays text.
    expect(convert({ "gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "[1, 2]" }).input).toEqual([{ role: "user", content: "[1, 2]" }]);
  });

  it("rebuilds the prompt and completion from message events", () => {
    const event = convert({ "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o" }, {
      events: [
        ["gen_ai.system.message", { content: "Be brief." }],
        ["gen_ai.user.message", { content: "Weather?" }],
        ["gen_ai.assistant.message", { tool_calls: JSON.stringify([{ id: "c1", type: "function", function: { name: "w", arguments: "{}" } }]) }],
        ["gen_ai.tool.message", { content: "sunny", id: "c1" }],
        ["gen_ai.choice", { index: 1, finish_reason: "stop", message: JSON.stringify({ role: "assistant", content: "second" }) }],
        ["gen_ai.choice", { index: 0, finish_reason: "stop", message: JSON.stringify({ content: "first" }) }],
      ],
    });
    expect(event.input).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Weather?" },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "w", arguments: "{}" } }] },
      { role: "tool", content: "sunny", tool_call_id: "c1" },
    ]);
    expect(event.output).toEqual([
      { role: "assistant", content: "first", finish_reason: "stop" },
      { role: "assistant", content: "second", finish_reason: "stop" },
    ]);
  });

  it("keeps invalid JSON messages as the string rather than dropping them", () => {
    const event = convert({ "gen_ai.operation.name": "chat", "gen_ai.input.messages": "[{not json" });
    expect(event.input).toBe("[{not json");
  });

  it("maps cache, reasoning, total and first-chunk metrics, and makes up none that are absent", () => {
    const event = convert({
      "gen_ai.operation.name": "chat",
      "gen_ai.usage.input_tokens": 100,
      "gen_ai.usage.output_tokens": 20,
      "gen_ai.usage.total_tokens": 125,
      "gen_ai.usage.cache_read.input_tokens": 40,
      "gen_ai.usage.cache_creation.input_tokens": 10,
      "gen_ai.usage.reasoning.output_tokens": 8,
      "gen_ai.response.time_to_first_chunk": 0.25,
    });
    expect(event.metrics).toMatchObject({
      prompt_tokens: 100,
      completion_tokens: 20,
      tokens: 125,
      prompt_cached_tokens: 40,
      prompt_cache_creation_tokens: 10,
      completion_reasoning_tokens: 8,
      time_to_first_token: 0.25,
    });
    const bare = convert({ "gen_ai.operation.name": "chat", "gen_ai.usage.output_tokens": 3 });
    expect(bare.metrics).toMatchObject({ completion_tokens: 3, tokens: 3 });
    expect(bare.metrics).not.toHaveProperty("prompt_tokens");
    expect(bare.metrics).not.toHaveProperty("prompt_cached_tokens");
  });

  it("maps every request parameter under its plain name", () => {
    const event = convert({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.temperature": 0.7,
      "gen_ai.request.top_p": 0.9,
      "gen_ai.request.max_tokens": 256,
      "gen_ai.request.stop_sequences": ["END"],
      "gen_ai.request.seed": 7,
    });
    expect(event.metadata).toMatchObject({ temperature: 0.7, top_p: 0.9, max_tokens: 256, stop_sequences: ["END"], seed: 7 });
    expect(Object.keys(event.metadata ?? {}).filter((k) => k.startsWith("gen_ai.request."))).toEqual([]);
  });

  it("loses to explicit braintrust.* attributes and wins over vendor conventions", () => {
    const event = convert({
      "braintrust.input_json": JSON.stringify("explicit"),
      "gen_ai.operation.name": "chat",
      "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "semconv" }] }]),
      "gen_ai.usage.input_tokens": 10,
      "ai.operationId": "ai.generateText.doGenerate",
      "ai.usage.inputTokens": 99,
      "ai.prompt.messages": JSON.stringify([{ role: "user", content: "vendor" }]),
    });
    expect(event.input).toBe("explicit");
    expect(event.metrics.prompt_tokens).toBe(10);
    expect(event.metadata).not.toHaveProperty("ai.usage.inputTokens");
  });
});
