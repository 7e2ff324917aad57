// Traceloop's OpenAI instrumentation (0.27: GenAI semconv messages; 0.22: indexed forms)
// around the real openai client and the local fake OpenAI server, through
// BraintrustSpanProcessor, to the local Braintrust server.
import { describe, expect, it } from "vitest";
import { SYSTEM_MESSAGE, USER_MESSAGE, functionCall, toolLoopInput } from "../fixtures/expected.js";
import { traceloop, traceloop022 } from "./drivers/openai.js";
import { useHarness } from "./harness.js";

const REPLY = "Paris is the capital of France.";

describe.each([
  { library: traceloop, provider: "openai", toolFinish: "tool_call", callId: "call_fake_1" },
  { library: traceloop022, provider: "OpenAI", toolFinish: "tool_calls", callId: undefined },
])("Traceloop $library.name through the processor", ({ library, provider, toolFinish, callId }) => {
  const harness = useHarness(library);

  it("a chat completion becomes an llm row with messages, model, provider, parameters and tokens", async () => {
    const [row, ...rest] = (await harness().run("chat")).rows;
    expect(rest).toHaveLength(0);
    expect(row).toMatchObject({
      span_attributes: { type: "llm" },
      input: [SYSTEM_MESSAGE, USER_MESSAGE],
      output: [{ role: "assistant", content: REPLY, finish_reason: "stop" }],
      metadata: { model: "gpt-4o-mini-2025-01-01", provider, temperature: 0.2, max_tokens: 64 },
      metrics: { prompt_tokens: 19, completion_tokens: 7, tokens: 26 },
    });
  });

  it("a streamed completion becomes an llm row with the assembled reply", async () => {
    const [row] = (await harness().run("stream")).rows;
    expect(row).toMatchObject({ span_attributes: { type: "llm" }, input: [SYSTEM_MESSAGE, USER_MESSAGE], output: [{ role: "assistant", content: REPLY }] });
  });

  it("a tool round trip becomes two llm rows with the tool call", async () => {
    const [first, second] = (await harness().run("tool-call")).rows;
    expect(first!.output).toEqual([expect.objectContaining({ role: "assistant", tool_calls: [functionCall(callId, "get_weather")], finish_reason: toolFinish })]);
    expect(second!.output).toEqual([expect.objectContaining({ role: "assistant", content: REPLY })]);
    if (callId) expect(second!.input).toEqual(toolLoopInput(callId, "get_weather"));
    else expect((second!.input as unknown[])[2]).toEqual({ role: "tool", content: '{"city":"Paris","temperatureC":21}' });
  });
});
