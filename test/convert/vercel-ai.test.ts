// Vercel AI SDK `ai.*` telemetry: golden spans from ai v6 and from v7's legacy integration,
// plus hand-made spans for the older attribute names (v3/v4).
import { describe, expect, it } from "vitest";
import { AI_SDK_TOKENS, convert, expectSeconds, functionCall, SYSTEM_MESSAGE as SYSTEM, toolLoopInput, USER_MESSAGE as USER, WEATHER_TOOL_ROW } from "../fixtures/expected.js";
import { fixtureAttributes, fixtureEvent, fixtureEvents } from "../fixtures/span-json.js";
import { rowOf } from "../fixtures/frameworks/span.js";


describe.each(["ai-v6", "ai-v7-legacy"])("AI SDK spans from %s", (library) => {
  it("maps doGenerate to an llm row: messages in, assistant message out, model, provider, settings, tokens", () => {
    const llm = fixtureEvent(library, "generate-text", "ai.generateText.doGenerate");
    expect(llm.span_attributes.type).toBe("llm");
    expect(llm.input).toEqual([SYSTEM, USER]);
    expect(llm.output).toEqual([{ role: "assistant", content: "Paris." }]);
    expect(llm.metadata).toMatchObject({
      model: "mock-gpt-2025-01-01",
      provider: "mock-provider.chat",
      max_tokens: 64,
      temperature: 0.2,
      max_retries: 0,
      finish_reasons: ["stop"],
      function_id: "capital-question",
    });
    expect(llm.metrics).toMatchObject(AI_SDK_TOKENS);
  });

  it("maps the outer generateText span to a task with the prompt as messages and the text as output", () => {
    const task = fixtureEvent(library, "generate-text", "ai.generateText");
    expect(task.span_attributes.type).toBe("task");
    expect(task.input).toEqual([SYSTEM, USER]);
    expect(task.output).toBe("Paris.");
    expect(task.metadata).toMatchObject({ model: "mock-gpt", provider: "mock-provider.chat" });
    expect(task.metrics).toMatchObject(AI_SDK_TOKENS);
  });

  it("converts msToFirstChunk to time_to_first_token in seconds on doStream", () => {
    const llm = fixtureEvent(library, "stream-text", "ai.streamText.doStream");
    const ms = fixtureAttributes(library, "stream-text", "ai.streamText.doStream")["ai.response.msToFirstChunk"] as number;
    expect(llm.span_attributes.type).toBe("llm");
    expect(llm.metrics.time_to_first_token).toBeCloseTo(ms / 1000, 12);
    expectSeconds(llm.metrics.time_to_first_token);
    expect(llm.output).toEqual([{ role: "assistant", content: "Paris." }]);
    expect(fixtureEvent(library, "stream-text", "ai.streamText").span_attributes.type).toBe("task");
  });

  it("maps ai.toolCall to a tool row with parsed args and result, and the tool loop's messages", () => {
    expect(fixtureEvent(library, "tool-call", "ai.toolCall")).toMatchObject(WEATHER_TOOL_ROW);
    // A tool that returns a string: the SDK records it JSON-encoded.
    expect(convert({ "ai.operationId": "ai.toolCall", "ai.toolCall.result": '"sunny"' }).output).toBe("sunny");

    const [first, second] = fixtureEvents(library, "tool-call", "ai.generateText.doGenerate");
    expect(first!.output).toEqual([expect.objectContaining({ role: "assistant", tool_calls: [functionCall("call-1", "weather")] })]);
    expect(first!.metadata).toMatchObject({ tool_choice: { type: "auto" }, tools: [expect.objectContaining({ name: "weather" })] });
    expect(second!.input).toEqual(toolLoopInput("call-1", "weather"));
  });

  it("does not copy consumed attributes into metadata, but keeps what nothing maps", () => {
    const llm = fixtureEvent(library, "generate-text", "ai.generateText.doGenerate");
    const keys = Object.keys(llm.metadata ?? {});
    for (const consumed of ["ai.prompt.messages", "ai.response.text", "ai.usage.inputTokens", "ai.model.id", "ai.settings.temperature", "operation.name", "gen_ai.usage.input_tokens"]) {
      expect(keys).not.toContain(consumed);
    }
    expect(keys).toContain("ai.response.timestamp");
  });

  it("carries the error on both the llm and the task row", () => {
    for (const name of ["ai.generateText.doGenerate", "ai.generateText"]) {
      const row = fixtureEvent(library, "error", name);
      expect(row.error).toMatch(/^Error: upstream model overloaded/);
      expect(row.output).toBeUndefined();
      expect(row.metrics).not.toHaveProperty("prompt_tokens");
    }
  });
});

describe("AI SDK, hand-made spans", () => {
  it("flattens ai.telemetry.metadata.* into metadata", () => {
    const event = fixtureEvent("ai-v6", "generate-text", "ai.generateText");
    expect(event.metadata).toMatchObject({ userId: "user-42", tier: "pro" });
  });

  it("reads the v3/v4 token names and ai.result.*", () => {
    const event = convert({
      "ai.operationId": "ai.generateText.doGenerate",
      "ai.model.id": "gpt-4o",
      "ai.model.provider": "openai.chat",
      "ai.usage.promptTokens": 11,
      "ai.usage.completionTokens": 4,
      "ai.result.text": "Hi there",
      "ai.result.toolCalls": JSON.stringify([{ toolCallId: "t1", toolName: "search", args: { q: "x" } }]),
      "ai.finishReason": "tool-calls",
    });
    expect(event.span_attributes.type).toBe("llm");
    expect(event.metrics).toMatchObject({ prompt_tokens: 11, completion_tokens: 4, tokens: 15 });
    expect(event.output).toEqual([
      { role: "assistant", content: "Hi there", tool_calls: [{ id: "t1", type: "function", function: { name: "search", arguments: '{"q":"x"}' } }] },
    ]);
    expect(event.metadata).toMatchObject({ model: "gpt-4o", provider: "openai.chat", finish_reasons: ["tool-calls"] });
  });

  it("names settings as the other conventions do, and keeps unknown ones under their own name", () => {
    const event = convert({
      "ai.operationId": "ai.generateText.doGenerate",
      "ai.settings.topP": 0.9,
      "ai.settings.stopSequences": ["END"],
      "ai.settings.maxTokens": 100,
      "ai.settings.mode": "json",
    });
    expect(event.metadata).toMatchObject({ top_p: 0.9, stop_sequences: ["END"], max_tokens: 100, mode: "json" });
    expect(Object.keys(event.metadata ?? {}).filter((k) => k.startsWith("ai.settings."))).toEqual([]);
  });

  it("takes time to first token from the ai.stream.firstChunk event when the attribute is missing", () => {
    const event = convert({ "ai.operationId": "ai.streamText.doStream" }, { events: [["ai.stream.firstChunk", { "ai.stream.msToFirstChunk": 250 }]] });
    expect(event.metrics.time_to_first_token).toBe(0.25);
  });

  it("maps generateObject output and embeddings", () => {
    const object = convert({ "ai.operationId": "ai.generateObject", "ai.response.object": '{"city":"Paris"}', "ai.prompt": '{"prompt":"Where?"}' });
    expect(object.span_attributes.type).toBe("task");
    expect(object.output).toEqual({ city: "Paris" });
    expect(object.input).toEqual([{ role: "user", content: "Where?" }]);

    const embed = convert({ "ai.operationId": "ai.embedMany.doEmbed", "ai.values": ['"a"', '"b"'], "ai.embeddings": ["[0.1,0.2]", "[0.3,0.4]"], "ai.usage.tokens": 2 });
    expect(embed.span_attributes.type).toBe("llm");
    expect(embed.input).toEqual(["a", "b"]);
    expect(embed.output).toEqual([[0.1, 0.2], [0.3, 0.4]]);
    expect(embed.metrics.tokens).toBe(2);
  });

  it("types an embedding span that carries no ai.operationId by its name", () => {
    const row = rowOf({ name: "ai.embed.doEmbed", scope: "ai", attributes: { "ai.model.id": "text-embedding-3-small", "ai.values": ['"hi"'], "ai.embeddings": ["[0.1,0.2]"], "ai.usage.tokens": 3 } });
    expect(row).toMatchObject({ span_attributes: { type: "llm" }, input: ["hi"], output: [[0.1, 0.2]], metadata: { model: "text-embedding-3-small" }, metrics: { tokens: 3 } });
    // An outer span named like an operation is not a model call.
    expect(rowOf({ name: "ai.embed", scope: "ai", attributes: { "ai.value": '"hi"' } }).span_attributes.type).not.toBe("llm");
  });

  it("keeps image and file parts of a prompt message", () => {
    const image = { type: "image", image: "https://example.com/cat.png", mediaType: "image/png" };
    const event = convert({
      "ai.operationId": "ai.generateText.doGenerate",
      "ai.prompt.messages": JSON.stringify([{ role: "user", content: [{ type: "text", text: "What is this?" }, image] }]),
    });
    expect(event.input).toEqual([{ role: "user", content: [{ type: "text", text: "What is this?" }, image] }]);
  });

  it("maps v7 default spans' extra usage details (reasoning tokens) next to the semconv ones", () => {
    const step = fixtureEvent("ai-v7", "generate-text", "step 1");
    expect(step.metrics.completion_reasoning_tokens).toBe(2);
  });
});

describe("AI SDK provider metadata", () => {
  it("takes cache and reasoning counts from ai.response.providerMetadata when ai.usage.* lacks them", () => {
    const anthropic = convert({
      "ai.operationId": "ai.generateText.doGenerate",
      "ai.usage.promptTokens": 100,
      "ai.response.providerMetadata": JSON.stringify({ anthropic: { cacheCreationInputTokens: 2118, cacheReadInputTokens: 40 } }),
    });
    expect(anthropic.metrics).toMatchObject({ prompt_tokens: 100, prompt_cache_creation_tokens: 2118, prompt_cached_tokens: 40 });
    const others = [
      [{ openai: { cachedPromptTokens: 8, reasoningTokens: 3 } }, { prompt_cached_tokens: 8, completion_reasoning_tokens: 3 }],
      [{ bedrock: { usage: { cacheWriteInputTokens: 5, cacheReadInputTokens: 6 } } }, { prompt_cache_creation_tokens: 5, prompt_cached_tokens: 6 }],
      [{ google: { usageMetadata: { cachedContentTokenCount: 7, thoughtsTokenCount: 9 } } }, { prompt_cached_tokens: 7, completion_reasoning_tokens: 9 }],
      [{ deepseek: { promptCacheHitTokens: 4 } }, { prompt_cached_tokens: 4 }],
    ] as const;
    for (const [metadata, metrics] of others) {
      expect(convert({ "ai.operationId": "ai.generateText.doGenerate", "ai.response.providerMetadata": JSON.stringify(metadata) }).metrics).toMatchObject(metrics);
    }
  });

  it("lets the SDK's own usage details win over provider metadata", () => {
    const event = convert({
      "ai.operationId": "ai.generateText.doGenerate",
      "ai.usage.inputTokenDetails.cacheWriteTokens": 1,
      "ai.response.providerMetadata": JSON.stringify({ anthropic: { cacheCreationInputTokens: 2118 } }),
    });
    expect(event.metrics.prompt_cache_creation_tokens).toBe(1);
  });
});
