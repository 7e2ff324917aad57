import { describe, expect, it } from "vitest";
import { chatMessages } from "../../src/view/messages.js";
import { buildTraces } from "../../src/view/trace-model.js";

const row = (id: string, fields: Record<string, unknown>) => ({ id, span_id: id, root_span_id: "t1", span_attributes: { name: id }, ...fields });

describe("buildTraces", () => {
  it("places each span on the trace's timeline, in tree order with its depth, and sums the LLM calls' tokens", () => {
    const [trace] = buildTraces([
      row("llm", { span_parents: ["agent"], span_attributes: { name: "llm", type: "llm" }, metrics: { start: 100.5, end: 101, tokens: 30 }, _xact_id: "12" }),
      row("agent", { span_attributes: { name: "agent", type: "task" }, metrics: { start: 100, end: 102, tokens: 45 }, _xact_id: "13" }),
      row("tool", { span_parents: ["llm"], metrics: { start: 100.75, end: 100.8 }, error: { name: "TypeError", message: "boom" }, _xact_id: "11" }),
      row("llm2", { span_parents: ["agent"], span_attributes: { name: "llm2", type: "llm" }, metrics: { start: 101.5, end: 101.9, prompt_tokens: 10, completion_tokens: 5 }, _xact_id: "9" }),
    ]);
    expect(trace!.name).toBe("agent");
    expect(trace!.start).toBe(100);
    expect(trace!.duration).toBe(2);
    expect(trace!.tokens).toBe(45);
    expect(trace!.errors).toBe(1);
    expect(trace!.newestXact).toBe("13");
    expect(trace!.bars.map((b) => [b.node.spanId, b.depth, b.offset, b.duration])).toEqual([
      ["agent", 0, 0, 2],
      ["llm", 1, 0.5, 0.5],
      ["tool", 2, 0.75, expect.closeTo(0.05, 9)],
      ["llm2", 1, 1.5, expect.closeTo(0.4, 9)],
    ]);
  });

  it("keeps a running span (no end) on the timeline without a duration", () => {
    const [trace] = buildTraces([row("a", { metrics: { start: 5 } })]);
    expect(trace!.bars[0]).toMatchObject({ offset: 0, duration: undefined });
    expect(trace!.duration).toBeUndefined();
  });
});

describe("chatMessages", () => {
  it("reads OpenAI-style messages, choices and tool results; anything else is not chat", () => {
    expect(chatMessages([{ role: "tool", tool_call_id: "c1", content: '{"t":21}' }])).toEqual([{ role: "tool", text: '{"t":21}', toolCalls: [], toolCallId: "c1" }]);
    expect(chatMessages({ role: "assistant", content: "hi" })).toEqual([{ role: "assistant", text: "hi", toolCalls: [] }]);
    expect(chatMessages([{ role: "user", content: "x" }, { city: "Paris" }])).toBeUndefined();
    expect(chatMessages({ role: "admin", content: "x" })).toBeUndefined();
    expect(chatMessages("hello")).toBeUndefined();
    expect(chatMessages([])).toBeUndefined();
  });
});
