// LangChain.js (@langchain/core 1.4) traced by @arizeai/openinference-instrumentation-langchain
// 4.1, with a scripted chat model (no network), through BraintrustSpanProcessor, to the local
// Braintrust server.
import { describe, expect, it } from "vitest";
import { LANGCHAIN_QUESTION, LANGCHAIN_SYSTEM, LANGCHAIN_WEATHER_QUESTION, langchain } from "./drivers/langchain.js";
import { rowNamed, rowsNamed, useHarness } from "./harness.js";

const SYSTEM = { role: "system", content: LANGCHAIN_SYSTEM };
const USER = { role: "user", content: LANGCHAIN_QUESTION };
const ASK = { role: "user", content: LANGCHAIN_WEATHER_QUESTION };
// OpenInference records a tool call's name and arguments, not its id.
const CALL = { type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };
const MODEL = "ScriptedChatModel";

const harness = useHarness(langchain);

describe("LangChain.js through OpenInference's instrumentation and the processor", () => {
  it("prompt | model | parser: a task root over the prompt, the llm call and the parser", async () => {
    const delivered = await harness().run("chain");
    const root = rowNamed(delivered, "RunnableSequence");
    expect(root).toMatchObject({ span_attributes: { type: "task" }, input: LANGCHAIN_QUESTION, output: "Paris." });
    expect(root.span_parents).toBeUndefined();
    expect(rowNamed(delivered, "ChatPromptTemplate")).toMatchObject({
      span_parents: [root.span_id],
      span_attributes: { type: "task" },
      input: LANGCHAIN_QUESTION,
      output: [SYSTEM, USER],
    });
    expect(rowNamed(delivered, MODEL)).toMatchObject({
      span_parents: [root.span_id],
      span_attributes: { type: "llm" },
      input: [SYSTEM, USER],
      output: [{ role: "assistant", content: "Paris." }],
      metadata: { model: "mock-chat-1", provider: "mock", temperature: 0.2, finish_reasons: ["stop"] },
      metrics: { prompt_tokens: 25, completion_tokens: 8, tokens: 33, prompt_cached_tokens: 4, completion_reasoning_tokens: 2 },
    });
    expect(rowNamed(delivered, "StrOutputParser")).toMatchObject({
      span_parents: [root.span_id],
      span_attributes: { type: "task" },
      input: { role: "assistant", content: "Paris." },
      output: "Paris.",
    });
  });

  it("an agent loop: llm asks for the tool, the tool row holds its result, the second llm sees both", async () => {
    const delivered = await harness().run("tool-call");
    const agent = rowNamed(delivered, "weather-agent");
    expect(agent).toMatchObject({ span_attributes: { type: "task" }, input: LANGCHAIN_WEATHER_QUESTION, output: "It is 21°C in Paris." });
    const [first, second] = rowsNamed(delivered, MODEL);
    const tool = rowNamed(delivered, "get_weather");
    for (const row of [first, tool, second]) expect(row!.span_parents).toEqual([agent.span_id]);

    expect(first).toMatchObject({
      span_attributes: { type: "llm" },
      input: [ASK],
      output: [{ role: "assistant", content: "", tool_calls: [CALL] }],
      metadata: { model: "mock-chat-1", provider: "mock", finish_reasons: ["tool_calls"] },
      metrics: { prompt_tokens: 14, completion_tokens: 6, tokens: 20 },
    });
    expect(first!.metadata?.tools).toEqual([expect.objectContaining({ type: "function", function: expect.objectContaining({ name: "get_weather" }) })]);
    expect(tool).toMatchObject({
      span_attributes: { type: "tool" },
      input: "Paris",
      output: { city: "Paris", temperatureC: 21 },
      metadata: { tool_name: "get_weather" },
    });
    expect(second!.input).toEqual([ASK, { role: "assistant", content: "", tool_calls: [CALL] }, { role: "tool", content: '{"city":"Paris","temperatureC":21}' }]);
    expect(second!.output).toEqual([{ role: "assistant", content: "It is 21°C in Paris." }]);
  });

  it("a failing tool: the error on the tool row and on the agent row above it", async () => {
    const delivered = await harness().run("tool-error");
    const agent = rowNamed(delivered, "weather-agent");
    const tool = rowNamed(delivered, "get_weather");
    expect(tool).toMatchObject({ span_attributes: { type: "tool" }, span_parents: [agent.span_id] });
    for (const row of [tool, agent]) expect(row.error).toMatch(/^weather service unavailable/);
    expect(tool.output).toBeUndefined();
  });

  it("leaves no OpenInference key it read in metadata", async () => {
    for (const row of (await harness().run("tool-call")).rows) {
      const keys = Object.keys(row.metadata ?? {});
      expect(keys.filter((k) => /^(input|output)\.|^llm\.|^openinference\./.test(k))).toEqual([]);
    }
  });
});
