// LangChain's serialized messages in OpenInference's input.value / output.value, in the shape
// @langchain/core 1.4 serializes them (see test/integrations/langchain.test.ts for the real run).
import { describe, expect, it } from "vitest";
import { fromLangChain } from "../../src/convert/langchain-values.js";

const lc = (className: string, kwargs: Record<string, unknown>) => ({ lc: 1, type: "constructor", id: ["langchain_core", "messages", className], kwargs });

describe("LangChain serialized values", () => {
  it("a prompt value becomes its messages", () => {
    const prompt = { lc: 1, type: "constructor", id: ["langchain_core", "prompt_values", "ChatPromptValue"], kwargs: { messages: [lc("SystemMessage", { content: "Be terse." }), lc("HumanMessage", { content: "Hi" })] } };
    expect(fromLangChain(prompt, false)).toEqual([
      { role: "system", content: "Be terse." },
      { role: "user", content: "Hi" },
    ]);
  });

  it("an AI message keeps its tool calls, in OpenAI's form", () => {
    const message = lc("AIMessage", { content: "", tool_calls: [{ id: "c1", name: "get_weather", args: { city: "Paris" }, type: "tool_call" }] });
    expect(fromLangChain(message, false)).toEqual({
      role: "assistant",
      content: "",
      tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
    });
  });

  it("a tool span's {output: ToolMessage} is the tool's result; elsewhere a tool message", () => {
    const record = { output: lc("ToolMessage", { content: '{"temperatureC":21}', tool_call_id: "c1", name: "get_weather" }) };
    expect(fromLangChain(record, true)).toEqual({ temperatureC: 21 });
    expect(fromLangChain(record, false)).toEqual({ role: "tool", content: '{"temperatureC":21}', tool_call_id: "c1" });
    expect(fromLangChain({ output: lc("ToolMessage", { content: "sunny" }) }, true)).toBe("sunny");
  });

  it("leaves everything else as it is", () => {
    for (const value of ["text", 3, null, [1], { output: "x" }, { lc: 1, type: "constructor", id: ["x", "HumanMessage"] }, { lc: 2, type: "constructor", id: ["HumanMessage"], kwargs: {} }, lc("Document", { page_content: "p" })]) {
      expect(fromLangChain(value, true)).toBe(value);
    }
    const two = { input: lc("HumanMessage", { content: "Hi" }), other: 1 };
    expect(fromLangChain(two, false)).toBe(two);
  });
});
