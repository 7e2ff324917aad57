// OpenInference's OpenAI instrumentation around the real openai client, pointed at the local
// fake OpenAI server, through BraintrustSpanProcessor, to the local Braintrust server.
import { describe, expect, it } from "vitest";
import { SYSTEM_MESSAGE, USER_MESSAGE, WEATHER_QUESTION, WEATHER_RESULT, functionCall } from "../fixtures/expected.js";
import { openinference } from "./drivers/openai.js";
import { rowsNamed, useHarness } from "./harness.js";

const NAME = "OpenAI Chat Completions";
const REPLY = { role: "assistant", content: "Paris is the capital of France." };

const harness = useHarness(openinference);

describe("OpenInference OpenAI instrumentation through the processor", () => {
  it("a chat completion becomes an llm row with messages, model, provider, parameters and tokens", async () => {
    const [row, ...rest] = (await harness().run("chat")).rows;
    expect(rest).toHaveLength(0);
    expect(row).toMatchObject({
      span_attributes: { name: NAME, type: "llm" },
      input: [SYSTEM_MESSAGE, USER_MESSAGE],
      output: [REPLY],
      metadata: { model: "gpt-4o-mini-2025-01-01", provider: "openai", temperature: 0.2, max_tokens: 64 },
      metrics: { prompt_tokens: 19, completion_tokens: 7, tokens: 26, prompt_cached_tokens: 4, completion_reasoning_tokens: 2 },
    });
    expect(row!.metadata).not.toHaveProperty("input.value");
  });

  it("a streamed completion becomes an llm row with the assembled reply", async () => {
    const [row] = rowsNamed(await harness().run("stream"), NAME);
    expect(row).toMatchObject({ span_attributes: { type: "llm" }, input: [SYSTEM_MESSAGE, USER_MESSAGE], output: [REPLY], metadata: { model: "gpt-4o-mini" } });
  });

  it("a tool round trip becomes two llm rows with tool calls and the tool message", async () => {
    const [first, second] = rowsNamed(await harness().run("tool-call"), NAME);
    const call = functionCall("call_fake_1", "get_weather");
    expect(first!.output).toEqual([{ role: "assistant", tool_calls: [call], content: null }]);
    expect(second!.input).toEqual([
      WEATHER_QUESTION,
      { role: "assistant", tool_calls: [call], content: null },
      { role: "tool", content: WEATHER_RESULT, tool_call_id: "call_fake_1" },
    ]);
    expect(second!.output).toEqual([REPLY]);
  });
});
