// Firebase Genkit: spans Genkit 1.42 emitted for a flow whose `generate` call uses a tool
// (captured by scripts/capture-genkit.ts with a mock model; no network). Genkit is not run here:
// even @genkit-ai/core + @genkit-ai/ai without the genkit wrapper install @genkit-ai/firebase
// (an optional dependency: firebase-admin, the Google Cloud clients), about 490 packages.
import { describe, expect, it } from "vitest";
import { fixtureEvent, fixtureEvents, loadFixture } from "../fixtures/span-json.js";
import { toBraintrustEvent } from "../../src/convert/index.js";

const GENKIT = "genkit-1.42";
const SCENARIO = "flow-with-tool";
const SYSTEM = { role: "system", content: "You are terse." };
const USER = { role: "user", content: "Weather in Paris?" };
const CALL = { id: "call-1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } };

describe("Genkit spans", () => {
  it("maps a model action to an llm row: messages in, the model's message out, model, provider, tokens", () => {
    const [first, second] = fixtureEvents(GENKIT, SCENARIO, "mock/echo-model");
    expect(first!.span_attributes.type).toBe("llm");
    expect(first!.input).toEqual([SYSTEM, USER]);
    expect(first!.output).toEqual([{ role: "assistant", content: null, tool_calls: [CALL], finish_reason: "stop" }]);
    expect(first!.metadata).toMatchObject({ model: "echo-model", provider: "mock", temperature: 0.2, finish_reasons: ["stop"] });
    expect(first!.metadata?.tools).toEqual([expect.objectContaining({ name: "weather", description: "Current weather" })]);
    expect(first!.metrics).toMatchObject({ prompt_tokens: 12, completion_tokens: 4, tokens: 16 });

    expect(second!.input).toEqual([
      SYSTEM,
      USER,
      { role: "assistant", content: null, tool_calls: [CALL] },
      { role: "tool", tool_call_id: "call-1", content: '{"temperatureC":21}' },
    ]);
    expect(second!.output).toEqual([{ role: "assistant", content: "It is 21°C in Paris.", finish_reason: "stop" }]);
    expect(second!.metrics).toMatchObject({ prompt_tokens: 20, completion_tokens: 7, tokens: 27, prompt_cached_tokens: 5, completion_reasoning_tokens: 2 });
  });

  it("maps a tool action to a tool row with its input and output", () => {
    const tool = fixtureEvent(GENKIT, SCENARIO, "weather");
    expect(tool).toMatchObject({ span_attributes: { type: "tool" }, input: { city: "Paris" }, output: { temperatureC: 21 }, metadata: { tool_name: "weather" } });
  });

  it("maps the flow to the root task with its input and output", () => {
    const flow = fixtureEvent(GENKIT, SCENARIO, "weatherFlow");
    expect(flow).toMatchObject({ span_attributes: { type: "task" }, input: "Paris", output: "It is 21°C in Paris." });
    expect(flow.span_parents).toBeUndefined();
    expect(flow.metadata).toMatchObject({ "genkit:path": "/{weatherFlow,t:flow}" });
  });

  it("maps generate helpers to tasks with the conversation, without counting the model's tokens again", () => {
    const generates = fixtureEvents(GENKIT, SCENARIO, "generate");
    for (const row of generates) {
      expect(row.span_attributes.type).toBe("task");
      expect(row.output).toEqual([{ role: "assistant", content: "It is 21°C in Paris.", finish_reason: "stop" }]);
      expect(row.metadata).toMatchObject({ model: "echo-model", provider: "mock" });
      expect(row.metrics).not.toHaveProperty("prompt_tokens");
    }
  });

  it("leaves none of the attributes it read in metadata", () => {
    for (const span of loadFixture(GENKIT, SCENARIO)) {
      const keys = Object.keys(toBraintrustEvent(span).metadata ?? {}).filter((k) => k.startsWith("genkit:"));
      expect(keys.filter((k) => k !== "genkit:path" && k !== "genkit:key" && k !== "genkit:name")).toEqual([]);
    }
  });
});
