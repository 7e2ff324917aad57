// AI SDK v7 (Node >= 22) end to end, run by `npm run test:node24` under Node 24: the default
// @ai-sdk/otel integration's GenAI semconv spans and the legacy integration's `ai.*` spans,
// through BraintrustSpanProcessor, to the local Braintrust server.
import { describe, expect, it } from "vitest";
import { AI_SDK_TOKENS, expectSeconds, functionCall, SYSTEM_MESSAGE, toolLoopInput, USER_MESSAGE, WEATHER_TOOL_ROW } from "../fixtures/expected.js";
import { aiV7, aiV7Legacy } from "./drivers/ai-v7.js";
import { rowNamed, rowsNamed, useHarness } from "./harness.js";

describe("AI SDK v7 default integration (GenAI semconv) through the processor", () => {
  const harness = useHarness(aiV7);

  it("generateText: invoke_agent task > step task > chat llm, with messages, model, provider and tokens", async () => {
    const delivered = await harness().run("generate-text");
    const agent = rowNamed(delivered, "invoke_agent mock-gpt");
    const step = rowNamed(delivered, "step 1");
    const chat = rowNamed(delivered, "chat mock-gpt");
    expect(agent).toMatchObject({ span_attributes: { type: "task" }, input: [SYSTEM_MESSAGE, USER_MESSAGE] });
    expect(step).toMatchObject({ span_attributes: { type: "task" }, span_parents: [agent.span_id] });
    expect(chat).toMatchObject({
      span_parents: [step.span_id],
      span_attributes: { type: "llm" },
      input: [SYSTEM_MESSAGE, USER_MESSAGE],
      output: [{ role: "assistant", content: "Paris.", finish_reason: "stop" }],
      metadata: { model: "mock-gpt-2025-01-01", provider: "mock-provider.chat", temperature: 0.2, max_tokens: 64 },
      metrics: AI_SDK_TOKENS,
    });
  });

  it("streamText: time to first token in seconds on the chat row", async () => {
    const chat = rowNamed(await harness().run("stream-text"), "chat mock-gpt");
    expect(chat.span_attributes?.type).toBe("llm");
    expectSeconds(chat.metrics?.time_to_first_token);
  });

  it("tool call: execute_tool is a tool row; the second chat sees the call and its result", async () => {
    const delivered = await harness().run("tool-call");
    expect(rowNamed(delivered, "execute_tool weather")).toMatchObject(WEATHER_TOOL_ROW);
    const [first, second] = rowsNamed(delivered, "chat mock-gpt");
    expect(first!.output).toEqual([{ role: "assistant", content: null, tool_calls: [functionCall("call-1", "weather")], finish_reason: "tool_call" }]);
    expect(second!.input).toEqual(toolLoopInput("call-1", "weather"));
  });

  it("a failed call: error on the chat row and the agent row", async () => {
    const delivered = await harness().run("error");
    for (const name of ["chat mock-gpt", "invoke_agent mock-gpt"]) {
      expect(rowNamed(delivered, name).error).toMatch(/^Error: upstream model overloaded/);
    }
  });
});

describe("AI SDK v7 legacy integration (ai.* spans) through the processor", () => {
  const harness = useHarness(aiV7Legacy);

  it("generateText: a task row with an llm child", async () => {
    const delivered = await harness().run("generate-text");
    const task = rowNamed(delivered, "ai.generateText");
    expect(task).toMatchObject({ span_attributes: { type: "task" }, output: "Paris." });
    expect(rowNamed(delivered, "ai.generateText.doGenerate")).toMatchObject({
      span_parents: [task.span_id],
      span_attributes: { type: "llm" },
      input: [SYSTEM_MESSAGE, USER_MESSAGE],
      metadata: { model: "mock-gpt-2025-01-01", provider: "mock-provider.chat" },
      metrics: AI_SDK_TOKENS,
    });
  });

  it("streamText and the tool loop", async () => {
    const stream = rowNamed(await harness().run("stream-text"), "ai.streamText.doStream");
    expectSeconds(stream.metrics?.time_to_first_token);
    expect(rowNamed(await harness().run("tool-call"), "ai.toolCall")).toMatchObject(WEATHER_TOOL_ROW);
  });
});
