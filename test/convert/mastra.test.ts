// Mastra's spans, current and older exporter forms (built from its source; see the fixture).
import { describe, expect, it } from "vitest";
import * as mastra from "../fixtures/frameworks/mastra.js";
import { rowOf } from "../fixtures/frameworks/span.js";

describe("Mastra, current exporter", () => {
  it("maps an agent run to a task with the messages in and the result out", () => {
    const row = rowOf(mastra.currentAgent);
    expect(row.span_attributes.type).toBe("task");
    expect(row.input).toEqual([{ role: "user", content: "Weather in Paris?" }]);
    expect(row.output).toEqual({ text: "It is 21°C.", files: [] });
    expect(row.metadata).toMatchObject({
      "gen_ai.agent.name": "Weather Agent",
      "gen_ai.system_instructions": "You are terse.",
      tools: { weather: { description: "Current weather" } },
    });
    expect(row.metadata).not.toHaveProperty("mastra.span.type");
  });

  it("maps a model generation to an llm row with model, provider, every token count and the finish reasons as a list", () => {
    const row = rowOf(mastra.currentModel);
    expect(row.span_attributes.type).toBe("llm");
    expect(row.input).toEqual([
      { role: "system", content: "You are terse." },
      { role: "user", content: "Weather in Paris?" },
    ]);
    expect(row.output).toEqual([{ role: "assistant", content: "It is 21°C.", finish_reason: "stop" }]);
    expect(row.metadata).toMatchObject({ model: "gpt-4o-mini-2024-07-18", provider: "openai", temperature: 0.2, finish_reasons: ["stop"] });
    expect(row.metrics).toMatchObject({
      prompt_tokens: 25,
      completion_tokens: 7,
      tokens: 32,
      completion_reasoning_tokens: 2,
      prompt_cached_tokens: 10,
      prompt_cache_creation_tokens: 4,
    });
  });

  it("maps a tool call to a tool row", () => {
    const row = rowOf(mastra.currentTool);
    expect(row).toMatchObject({ span_attributes: { type: "tool" }, input: { city: "Paris" }, output: { temperatureC: 21 }, metadata: { tool_name: "weather" } });
  });

  it("maps workflow runs and steps to tasks with their data", () => {
    expect(rowOf(mastra.currentWorkflow)).toMatchObject({ span_attributes: { type: "task" }, input: { city: "Paris" }, output: { plan: "Visit the Louvre" } });
    expect(rowOf(mastra.currentStep)).toMatchObject({ span_attributes: { type: "task" }, input: { city: "Paris" }, output: { temperatureC: 21 } });
  });
});

describe("Mastra, older exporter", () => {
  it("maps the model call: AI SDK prompt parts, the result object as a message, a plain finish reason as a list", () => {
    const row = rowOf(mastra.olderModel);
    expect(row.span_attributes.type).toBe("llm");
    expect(row.input).toEqual([{ role: "user", content: "Weather in Paris?" }]);
    expect(row.output).toEqual([{ role: "assistant", content: "It is 21°C." }]);
    expect(row.metadata).toMatchObject({ model: "gpt-4o-mini", provider: "openai.chat", max_tokens: 256, finish_reasons: ["stop"] });
    expect(row.metrics).toMatchObject({ prompt_tokens: 25, completion_tokens: 7, tokens: 32 });
    // Mastra's copies of the ids say nothing new.
    expect(row.metadata).not.toHaveProperty("mastra.span_id");
  });

  it("maps tool.execute with gen_ai.tool.input / gen_ai.tool.output to a tool row", () => {
    const row = rowOf(mastra.olderTool);
    expect(row).toMatchObject({ span_attributes: { type: "tool" }, input: { city: "Paris" }, output: { temperatureC: 21 }, metadata: { tool_name: "weather" } });
    expect(row.metadata).not.toHaveProperty("gen_ai.tool.input");
  });

  it("types the oldest tool.execute spans, which carry no mastra.* key, as tools", () => {
    const { "mastra.span.type": _, ...withoutType } = mastra.olderTool.attributes;
    const row = rowOf({ ...mastra.olderTool, attributes: withoutType });
    expect(row).toMatchObject({ span_attributes: { type: "tool" }, input: { city: "Paris" }, output: { temperatureC: 21 }, metadata: { tool_name: "weather" } });
  });

  it("maps agent.run to a task with the plain input and output", () => {
    const row = rowOf(mastra.olderAgent);
    expect(row).toMatchObject({ span_attributes: { type: "task" }, input: [{ role: "user", content: "Weather in Paris?" }], output: { text: "It is 21°C." } });
  });

  it("types older spans by their operation name when the span type is one it does not know", () => {
    const row = rowOf({ ...mastra.olderTool, attributes: { ...mastra.olderTool.attributes, "mastra.span.type": "something_new" } });
    expect(row.span_attributes.type).toBe("tool");
  });
});
