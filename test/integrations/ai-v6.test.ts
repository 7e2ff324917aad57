// AI SDK v6 end to end: generateText, streamText and a tool loop with the SDK's mock model and
// `experimental_telemetry`, through BraintrustSpanProcessor, to the local Braintrust server.
import { describe, expect, it } from "vitest";
import { AI_SDK_TOKENS, expectSeconds, functionCall, SYSTEM_MESSAGE, USER_MESSAGE, WEATHER_TOOL_ROW } from "../fixtures/expected.js";
import { aiV6 } from "./drivers/ai-v6.js";
import { rowNamed, rowsNamed, useHarness } from "./harness.js";

const harness = useHarness(aiV6);

describe("AI SDK v6 through the processor", () => {
  it("generateText: a task row with an llm child carrying messages, model, provider and tokens", async () => {
    const delivered = await harness().run("generate-text");
    expect(delivered.rows).toHaveLength(2);
    const task = rowNamed(delivered, "ai.generateText");
    const llm = rowNamed(delivered, "ai.generateText.doGenerate");
    expect(task).toMatchObject({ span_attributes: { type: "task" }, input: [SYSTEM_MESSAGE, USER_MESSAGE], output: "Paris." });
    expect(task.span_parents).toBeUndefined();
    expect(llm).toMatchObject({
      span_parents: [task.span_id],
      root_span_id: task.root_span_id,
      span_attributes: { type: "llm" },
      input: [SYSTEM_MESSAGE, USER_MESSAGE],
      output: [{ role: "assistant", content: "Paris." }],
      metadata: { model: "mock-gpt-2025-01-01", provider: "mock-provider.chat", temperature: 0.2, max_tokens: 64, userId: "user-42" },
      metrics: AI_SDK_TOKENS,
    });
  });

  it("streamText: time to first token arrives in seconds", async () => {
    const delivered = await harness().run("stream-text");
    const llm = rowNamed(delivered, "ai.streamText.doStream");
    expect(llm).toMatchObject({ span_attributes: { type: "llm" }, output: [{ role: "assistant", content: "Paris." }], metrics: AI_SDK_TOKENS });
    expectSeconds(llm.metrics?.time_to_first_token);
    expect(rowNamed(delivered, "ai.streamText").span_attributes?.type).toBe("task");
  });

  it("tool call: a tool row between two llm rows, all under the task", async () => {
    const delivered = await harness().run("tool-call");
    const task = rowNamed(delivered, "ai.generateText");
    const tool = rowNamed(delivered, "ai.toolCall");
    const [first, second] = rowsNamed(delivered, "ai.generateText.doGenerate");
    expect(tool).toMatchObject(WEATHER_TOOL_ROW);
    expect(first!.output).toEqual([{ role: "assistant", content: null, tool_calls: [functionCall("call-1", "weather")] }]);
    expect(second!.output).toEqual([{ role: "assistant", content: "It is 21°C in Paris." }]);
    for (const row of [tool, first!, second!]) expect(row.span_parents).toEqual([task.span_id]);
  });

  it("a failed call: error on the llm and the task row", async () => {
    const delivered = await harness().run("error");
    for (const name of ["ai.generateText", "ai.generateText.doGenerate"]) {
      expect(rowNamed(delivered, name).error).toMatch(/^Error: upstream model overloaded/);
    }
  });
});
