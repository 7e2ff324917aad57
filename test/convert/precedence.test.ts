// Precedence between conventions on one span, pinned pair by pair: every convention's input
// below is put on a span together with every other's, and the one earlier in MAPPERS must
// win. Swapping any two mappers in src/convert/index.ts makes some pair here fail.
import { describe, expect, it } from "vitest";
import { MAPPERS } from "../../src/convert/index.js";
import { convert } from "../fixtures/expected.js";

const json = JSON.stringify;

/** Per mapper: attributes that give the span an input in that convention, and the input they give. */
const INPUTS: Record<string, { attrs: Record<string, string>; input: unknown }> = {
  braintrust: { attrs: { "braintrust.input_json": json("braintrust") }, input: "braintrust" },
  genai: {
    attrs: { "gen_ai.operation.name": "chat", "gen_ai.input.messages": json([{ role: "user", parts: [{ type: "text", content: "genai" }] }]) },
    input: [{ role: "user", content: "genai" }],
  },
  "vercel-ai": {
    attrs: { "ai.operationId": "ai.generateText.doGenerate", "ai.prompt.messages": json([{ role: "user", content: "vercel-ai" }]) },
    input: [{ role: "user", content: "vercel-ai" }],
  },
  openinference: { attrs: { "openinference.span.kind": "LLM", "input.value": "openinference", "input.mime_type": "text/plain" }, input: "openinference" },
  traceloop: { attrs: { "traceloop.span.kind": "task", "traceloop.entity.input": json("traceloop") }, input: "traceloop" },
  // Mastra writes a string input as it is, anything else as JSON.
  mastra: { attrs: { "mastra.span.type": "agent_run", "mastra.agent_run.input": "mastra" }, input: "mastra" },
  genkit: { attrs: { "genkit:type": "action", "genkit:input": json("genkit") }, input: "genkit" },
  livekit: { attrs: { "lk.pii.user_input": "livekit" }, input: "livekit" },
  mlflow: { attrs: { "mlflow.spanType": json("CHAIN"), "mlflow.spanInputs": json("mlflow") }, input: "mlflow" },
  "pydantic-ai": { attrs: { tool_arguments: json({ from: "pydantic-ai" }) }, input: { from: "pydantic-ai" } },
  "google-adk": { attrs: { "gcp.vertex.agent.tool_call_args": json("google-adk") }, input: "google-adk" },
  plain: { attrs: { input: "plain" }, input: "plain" },
};

/** The documented order (docs/mapping.md, "Precedence"), written out so that the code is checked against it. */
const ORDER = [
  "braintrust", "genai", "vercel-ai", "openinference", "traceloop", "mastra", "genkit", "livekit", "mlflow", "pydantic-ai", "google-adk", "plain",
];

describe("precedence of conventions on one span", () => {
  it("has an input case for every mapper that sets input", () => {
    // genai-fallback only sets a type and a provider, after all others; it is pinned below.
    expect(MAPPERS.map((m) => m.name).filter((name) => INPUTS[name] === undefined)).toEqual(["genai-fallback"]);
    expect(Object.keys(INPUTS).sort()).toEqual([...ORDER].sort());
  });

  for (const name of ORDER) {
    it(`${name} gives its input when alone`, () => {
      expect(convert(INPUTS[name]!.attrs).input).toEqual(INPUTS[name]!.input);
    });
  }

  const pairs = ORDER.flatMap((first, i) => ORDER.slice(i + 1).map((second) => [first, second] as const));
  it.each(pairs)("%s wins over %s", (first, second) => {
    const row = convert({ ...INPUTS[second]!.attrs, ...INPUTS[first]!.attrs });
    expect(row.input).toEqual(INPUTS[first]!.input);
  });
});

describe("precedence of types and models", () => {
  it("GenAI's operation beats OpenInference's span kind; OpenInference's kind beats the GenAI guess", () => {
    expect(convert({ "gen_ai.operation.name": "execute_tool", "openinference.span.kind": "LLM" }).span_attributes.type).toBe("tool");
    expect(convert({ "gen_ai.system": "openai", "openinference.span.kind": "CHAIN" }).span_attributes.type).toBe("task");
  });

  it("GenAI's model beats the AI SDK's, OpenInference's, Traceloop's, ADK's and MLflow's", () => {
    const genai = { "gen_ai.request.model": "semconv-model" };
    const others = [
      { "ai.operationId": "ai.generateText.doGenerate", "ai.model.id": "other" },
      { "openinference.span.kind": "LLM", "llm.model_name": "other" },
      { "llm.request.type": "chat", "llm.request.model": "other" },
      { "gcp.vertex.agent.llm_request": json({ model: "other", contents: [] }) },
      { "mlflow.spanType": json("LLM"), "mlflow.spanInputs": "{}", "mlflow.llm.model": json("other") },
    ];
    for (const other of others) expect(convert({ ...other, ...genai }).metadata?.model).toBe("semconv-model");
  });

  it("the GenAI guesses come after every other mapper", () => {
    expect(MAPPERS.at(-1)?.name).toBe("genai-fallback");
  });

  it("a framework's type beats the GenAI guess from a model name (LiveKit's speech-to-text, Mastra's step)", () => {
    expect(convert({ "gen_ai.request.model": "nova-3", "lk.pii.user_transcript": "hi" }).span_attributes.type).toBe("task");
    expect(convert({ "gen_ai.request.model": "gpt-4o", "mastra.span.type": "model_step" }).span_attributes.type).toBe("task");
    // Alone, the guess stands.
    expect(convert({ "gen_ai.request.model": "gpt-4o" }).span_attributes.type).toBe("llm");
  });

  it("a vendor named by any convention beats the framework in gen_ai.system", () => {
    expect(convert({ "gen_ai.system": "strands-agents", "ai.operationId": "ai.generateText", "ai.model.provider": "bedrock" }).metadata?.provider).toBe("bedrock");
    expect(convert({ "gen_ai.system": "gcp.vertex.agent", "gen_ai.provider.name": "gcp.gemini" }).metadata?.provider).toBe("gcp.gemini");
  });

  it("the AI SDK's usage beats OpenInference's when GenAI has none", () => {
    const row = convert({ "ai.operationId": "ai.generateText.doGenerate", "ai.usage.inputTokens": 3, "openinference.span.kind": "LLM", "llm.token_count.prompt": 9 });
    expect(row.metrics.prompt_tokens).toBe(3);
  });

  it("OpenInference's token counts beat Traceloop's older llm.usage.*", () => {
    const row = convert({ "openinference.span.kind": "LLM", "llm.token_count.prompt": 9, "llm.request.type": "chat", "llm.usage.prompt_tokens": 4 });
    expect(row.metrics.prompt_tokens).toBe(9);
  });
});
