// LiveKit Agents' voice-pipeline spans (built from its source; see the fixture).
import { describe, expect, it } from "vitest";
import * as livekit from "../fixtures/frameworks/livekit.js";
import { rowOf } from "../fixtures/frameworks/span.js";

const CONVERSATION = [
  { role: "system", content: "You are a voice assistant." },
  { role: "user", content: "What's the weather in Paris?" },
  { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
  { role: "tool", tool_call_id: "call_1", content: "21 degrees" },
];

describe("LiveKit Agents", () => {
  it("maps llm_node to an llm row: the chat context in, the answer out, model, provider, first token", () => {
    const row = rowOf(livekit.llmNode);
    expect(row.span_attributes.type).toBe("llm");
    expect(row.input).toEqual(CONVERSATION);
    expect(row.output).toEqual([{ role: "assistant", content: "It's 21 degrees in Paris." }]);
    expect(row.metadata).toMatchObject({ model: "gpt-4.1-mini", provider: "openai", tools: ["get_weather"] });
    expect(row.metrics.time_to_first_token).toBe(0.42);
    expect(Object.keys(row.metadata ?? {}).filter((k) => k.startsWith("lk.pii."))).toEqual([]);
  });

  it("reads the names from before the pii segment, and function calls as tool_calls", () => {
    const row = rowOf(livekit.olderLlmNode);
    expect(row.input).toEqual(CONVERSATION);
    expect(row.output).toEqual([
      { role: "assistant", content: "", tool_calls: [{ id: "call_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Lyon"}' } }] },
    ]);
  });

  it("maps llm_request's metrics, cache and first token (milliseconds in the JS SDK) included", () => {
    const row = rowOf(livekit.llmRequest);
    expect(row.span_attributes.type).toBe("llm");
    expect(row.metrics).toMatchObject({ prompt_tokens: 120, completion_tokens: 9, tokens: 129, prompt_cached_tokens: 64, time_to_first_token: 0.42 });
    expect(row.metadata).toMatchObject({ model: "gpt-4.1-mini" });
  });

  it("takes the Python SDK's snake_case metrics, with ttft in seconds", () => {
    const python = JSON.stringify({ type: "llm_metrics", ttft: 0.3, prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, prompt_cached_tokens: 4 });
    const row = rowOf({ name: "llm_request", attributes: { "gen_ai.request.model": "gpt-4o", "lk.llm_metrics": python } });
    expect(row.metrics).toMatchObject({ prompt_tokens: 10, completion_tokens: 2, tokens: 12, prompt_cached_tokens: 4, time_to_first_token: 0.3 });
  });

  it("maps the older Python function_tool (no call id, no pii segment, an error result) to a tool row with its output", () => {
    const row = rowOf({
      name: "function_tool",
      attributes: { "lk.function_tool.name": "get_weather", "lk.function_tool.arguments": '{"city":"Paris"}', "lk.function_tool.output": '{"temperature":21}', "lk.function_tool.is_error": false },
    });
    expect(row).toMatchObject({ span_attributes: { type: "tool" }, input: { city: "Paris" }, output: { temperature: 21 }, metadata: { tool_name: "get_weather" } });
  });

  it("maps function_tool to a tool row", () => {
    expect(rowOf(livekit.functionTool)).toMatchObject({
      span_attributes: { type: "tool" },
      input: { city: "Paris" },
      output: "21 degrees",
      metadata: { tool_name: "get_weather", tool_call_id: "item_3" },
    });
  });

  it("maps speech to text and text to speech as tasks, not LLM calls, with the text", () => {
    const userTurn = rowOf(livekit.userTurn);
    // What the user said is the turn's input, as on the agent turn (`lk.user_input`).
    expect(userTurn).toMatchObject({ span_attributes: { type: "task" }, input: "What's the weather in Paris?", metadata: { model: "nova-3", provider: "deepgram" } });
    expect(userTurn.output).toBeUndefined();
    expect(rowOf(livekit.ttsNode)).toMatchObject({ span_attributes: { type: "task" }, input: "It's 21 degrees in Paris." });
  });
});
