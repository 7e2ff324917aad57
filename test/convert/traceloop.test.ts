// Traceloop / OpenLLMetry: golden spans from @traceloop/instrumentation-openai 0.27 (GenAI
// semconv messages) and 0.22 (indexed gen_ai.prompt.{i}.* forms, llm.usage.total_tokens),
// plus hand-made workflow spans from the Traceloop SDK's decorators.
import { describe, expect, it } from "vitest";
import { convert, functionCall, SYSTEM_MESSAGE as SYSTEM, toolLoopInput, USER_MESSAGE as USER } from "../fixtures/expected.js";
import { fixtureEvent, fixtureEvents } from "../fixtures/span-json.js";

const REPLY = "Paris is the capital of France.";

describe("Traceloop OpenAI instrumentation 0.27", () => {
  const lib = "traceloop-openai";

  it("maps a chat completion to an llm row with messages, model, provider, parameters and tokens", () => {
    const llm = fixtureEvent(lib, "chat", "chat gpt-4o-mini");
    expect(llm.span_attributes.type).toBe("llm");
    expect(llm.input).toEqual([SYSTEM, USER]);
    expect(llm.output).toEqual([{ role: "assistant", content: REPLY, finish_reason: "stop" }]);
    expect(llm.metadata).toMatchObject({ model: "gpt-4o-mini-2025-01-01", provider: "openai", max_tokens: 64, temperature: 0.2 });
    expect(llm.metrics).toMatchObject({ prompt_tokens: 19, completion_tokens: 7, tokens: 26 });
    expect(Object.keys(llm.metadata ?? {}).filter((k) => k.startsWith("gen_ai."))).toEqual([]);
  });

  it("maps a streamed completion without inventing the tokens the stream did not report", () => {
    const llm = fixtureEvent(lib, "stream", "chat gpt-4o-mini");
    expect(llm.span_attributes.type).toBe("llm");
    expect(llm.output).toEqual([{ role: "assistant", content: REPLY, finish_reason: "stop" }]);
    expect(llm.metrics).not.toHaveProperty("tokens");
  });

  it("maps tool calls and tool responses", () => {
    const [first, second] = fixtureEvents(lib, "tool-call", "chat gpt-4o-mini");
    expect(first!.output).toEqual([{ role: "assistant", content: null, tool_calls: [functionCall("call_fake_1", "get_weather")], finish_reason: "tool_call" }]);
    expect(second!.input).toEqual(toolLoopInput("call_fake_1", "get_weather"));
  });
});

describe("Traceloop OpenAI instrumentation 0.22 (indexed forms)", () => {
  const lib = "traceloop-openai-0.22";

  it("rebuilds the indexed prompt and completion and reads llm.usage.total_tokens", () => {
    const llm = fixtureEvent(lib, "chat", "openai.chat");
    expect(llm.span_attributes.type).toBe("llm");
    expect(llm.input).toEqual([SYSTEM, USER]);
    expect(llm.output).toEqual([{ finish_reason: "stop", role: "assistant", content: REPLY }]);
    expect(llm.metadata).toMatchObject({ model: "gpt-4o-mini-2025-01-01", provider: "OpenAI", operation: "chat", max_tokens: 64, temperature: 0.2 });
    expect(llm.metrics).toMatchObject({ prompt_tokens: 19, completion_tokens: 7, tokens: 26 });
    const leftovers = Object.keys(llm.metadata ?? {}).filter((k) => k.startsWith("gen_ai.") || k.startsWith("llm."));
    expect(leftovers).toEqual([]);
  });

  it("rebuilds indexed tool calls and function definitions", () => {
    const [first] = fixtureEvents(lib, "tool-call", "openai.chat");
    expect(first!.output).toEqual([
      { finish_reason: "tool_calls", role: "assistant", content: "", tool_calls: [functionCall(undefined, "get_weather")] },
    ]);
    expect(first!.metadata?.tools).toEqual([
      { name: "get_weather", description: "Current weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
    ]);
  });
});

describe("Traceloop, hand-made spans", () => {
  it("maps workflow, task, agent and tool spans with their entity input and output", () => {
    const workflow = convert(
      {
        "traceloop.span.kind": "workflow",
        "traceloop.workflow.name": "plan_trip",
        "traceloop.entity.name": "plan_trip",
        "traceloop.entity.input": '{"args":["Paris"],"kwargs":{}}',
        "traceloop.entity.output": '"A three-day plan"',
        "traceloop.association.properties.user_id": "u-7",
      },
      { root: true },
    );
    expect(workflow.span_attributes.type).toBe("task");
    expect(workflow.input).toEqual({ args: ["Paris"], kwargs: {} });
    expect(workflow.output).toBe("A three-day plan");
    expect(workflow.metadata).toMatchObject({ user_id: "u-7", "traceloop.workflow.name": "plan_trip" });
    expect(workflow.metadata).not.toHaveProperty("traceloop.entity.input");

    expect(convert({ "traceloop.span.kind": "task" }).span_attributes.type).toBe("task");
    expect(convert({ "traceloop.span.kind": "agent" }).span_attributes.type).toBe("task");
    const tool = convert({ "traceloop.span.kind": "tool", "traceloop.entity.input": '{"city":"Paris"}', "traceloop.entity.output": '{"temp":21}' });
    expect(tool.span_attributes.type).toBe("tool");
    expect(tool.input).toEqual({ city: "Paris" });
    expect(tool.output).toEqual({ temp: 21 });
  });

  it("reads the llm.* names of releases before the gen_ai rename", () => {
    const event = convert({
      "llm.request.type": "chat",
      "llm.vendor": "OpenAI",
      "llm.request.model": "gpt-3.5-turbo",
      "llm.response.model": "gpt-3.5-turbo-0125",
      "llm.prompts.0.role": "user",
      "llm.prompts.0.content": "Hi",
      "llm.completions.0.role": "assistant",
      "llm.completions.0.content": "Hello",
      "llm.usage.prompt_tokens": 3,
      "llm.usage.completion_tokens": 1,
      "llm.usage.total_tokens": 4,
    });
    expect(event.span_attributes.type).toBe("llm");
    expect(event.input).toEqual([{ role: "user", content: "Hi" }]);
    expect(event.output).toEqual([{ role: "assistant", content: "Hello" }]);
    expect(event.metadata).toMatchObject({ model: "gpt-3.5-turbo-0125", provider: "OpenAI" });
    expect(event.metrics).toMatchObject({ prompt_tokens: 3, completion_tokens: 1, tokens: 4 });
  });

  it("keeps invalid entity JSON as the string", () => {
    expect(convert({ "traceloop.span.kind": "task", "traceloop.entity.input": "{oops" }).input).toBe("{oops");
  });
});
