// MLflow, Pydantic AI / Logfire and Google ADK spans (built from their source; see the fixture).
import { describe, expect, it } from "vitest";
import * as py from "../fixtures/frameworks/python-frameworks.js";
import { rowOf } from "../fixtures/frameworks/span.js";

describe("MLflow Tracing", () => {
  it("maps a CHAT_MODEL span to an llm row: messages in, the completion's message out, model, provider, tokens", () => {
    const row = rowOf(py.mlflowChat);
    expect(row.span_attributes.type).toBe("llm");
    expect(row.input).toEqual([{ role: "user", content: "Hi" }]);
    expect(row.output).toEqual([{ role: "assistant", content: "Hello!", finish_reason: "stop" }]);
    expect(row.metadata).toMatchObject({ model: "gpt-4o-mini-2024-07-18", provider: "openai" });
    expect(row.metrics).toMatchObject({ prompt_tokens: 8, completion_tokens: 2, tokens: 10, prompt_cached_tokens: 4 });
    expect(row.metadata).not.toHaveProperty("mlflow.spanInputs");
    expect(row.metadata).not.toHaveProperty("mlflow.spanStartTimeNs");
  });

  it("maps TOOL and AGENT spans with their inputs and outputs decoded", () => {
    expect(rowOf(py.mlflowTool)).toMatchObject({ span_attributes: { type: "tool" }, input: { city: "Paris" }, output: "21°C" });
    expect(rowOf(py.mlflowAgent)).toMatchObject({ span_attributes: { type: "task" }, input: { question: "Weather?" }, output: { answer: "21°C" } });
  });
});

describe("Pydantic AI", () => {
  it("maps the agent run: the system instructions, then the conversation in (tool results given as `result` kept), the final result out", () => {
    const row = rowOf(py.pydanticAgent);
    expect(row.span_attributes.type).toBe("task");
    expect(row.input).toEqual([
      { role: "system", content: "Be terse." },
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: "21°C" },
      { role: "assistant", content: "It is 21°C.", finish_reason: "stop" },
    ]);
    expect(row.output).toBe("It is 21°C.");
    expect(row.metrics).toMatchObject({ prompt_tokens: 40, completion_tokens: 12 });
    expect(row.metadata).not.toHaveProperty("gen_ai.system_instructions");
  });

  it("maps version 2's tool spans (tool_arguments / tool_response)", () => {
    expect(rowOf(py.pydanticToolV2)).toMatchObject({
      span_attributes: { type: "tool" },
      input: { city: "Paris" },
      output: "21°C",
      metadata: { tool_name: "weather", tool_call_id: "call_1" },
    });
  });

  it("maps Logfire's OpenAI spans: request messages in, the response message out", () => {
    const row = rowOf(py.logfireOpenAi);
    expect(row.span_attributes.type).toBe("llm");
    expect(row.input).toEqual([{ role: "user", content: "Hi" }]);
    expect(row.output).toEqual([{ role: "assistant", content: "Hello!" }]);
    expect(row.metadata).toMatchObject({ model: "gpt-4o-2024-08-06", provider: "openai", temperature: 0.5 });
    expect(row.metrics).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, tokens: 7 });
    expect(row.metadata).not.toHaveProperty("request_data");
  });
});

describe("Google ADK", () => {
  it("maps call_llm: the Gemini request as messages, the response, tokens, and the framework as the provider of last resort", () => {
    const row = rowOf(py.adkCallLlm);
    expect(row.span_attributes.type).toBe("llm");
    expect(row.input).toEqual([
      { role: "system", content: "You are terse." },
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [{ id: "fc-1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "fc-1", content: '{"result":"21°C"}' },
    ]);
    expect(row.output).toEqual([{ role: "assistant", content: "It is 21°C." }]);
    expect(row.metadata).toMatchObject({ model: "gemini-2.0-flash", provider: "gcp.vertex.agent", temperature: 0.1, max_tokens: 128 });
    expect(row.metrics).toMatchObject({ prompt_tokens: 30, completion_tokens: 6, tokens: 36, prompt_cached_tokens: 10 });
  });

  it("maps execute_tool: arguments in, the response out, and ignores the empty request and response", () => {
    const row = rowOf(py.adkTool);
    expect(row).toMatchObject({ span_attributes: { type: "tool" }, input: { city: "Paris" }, output: { result: "21°C" }, metadata: { tool_name: "weather" } });
    expect(row.metadata).not.toHaveProperty("gcp.vertex.agent.llm_request");
  });
});
