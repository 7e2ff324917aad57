// Mastra (`@mastra/otel-exporter`, `@mastra/core` AI tracing). Its model and tool spans speak
// GenAI semconv (genai.ts), and older releases added the bare `input` / `output` (plain.ts);
// this adds what only Mastra says: the span type, agent and workflow input and output, and
// the older operation names (`tool.execute`, `agent.run`, …).
import { type Draft, type Mapper, claim, parseMaybeJson, setField, setMetadata, setType } from "./mapper.js";
import type { Attributes, SpanType } from "./types.js";

/** `mastra.span.type`, current (`model_generation`, …) and older (`llm_generation`, …) names. */
const SPAN_TYPES: Readonly<Record<string, SpanType>> = {
  agent_run: "task",
  workflow_run: "task",
  workflow_step: "task",
  workflow_conditional: "task",
  workflow_conditional_eval: "task",
  workflow_parallel: "task",
  workflow_loop: "task",
  workflow_sleep: "task",
  workflow_wait_event: "task",
  processor_run: "task",
  // Releases before model_inference: the generation is the llm call and carries its tokens.
  model_generation: "llm",
  llm_generation: "llm",
  // A step inside a generation, and (1.x) the one model call inside a step, which carries the tokens.
  model_step: "task",
  model_inference: "llm",
  tool_call: "tool",
  mcp_tool_call: "tool",
};

/** `gen_ai.operation.name` values of releases before the exporter adopted semconv's names. */
const OPERATION_TYPES: Readonly<Record<string, SpanType>> = {
  "tool.execute": "tool",
  "agent.run": "task",
  "workflow.run": "task",
  tool_selection: "llm",
};

function isOlderOperation(name: unknown): boolean {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(OPERATION_TYPES, name);
}

const RUN_METADATA = "mastra.metadata.";

/** Mastra's own copies of the span's ids: the row has them already. */
const ID_KEYS = ["mastra.trace_id", "mastra.span_id", "mastra.parent_span_id"] as const;

export const mastraMapper: Mapper = {
  name: "mastra",
  prefixes: ["mastra."],
  // Releases before the OTel exporter wrote no `mastra.*` key: their operation name alone says what a span is.
  applies: (_span, attrs, keyed) => (keyed && typeof attrs["mastra.span.type"] === "string") || isOlderOperation(attrs["gen_ai.operation.name"]),
  map(_span, attrs, draft) {
    if (typeof attrs["mastra.span.type"] !== "string") {
      setType(draft, OPERATION_TYPES[attrs["gen_ai.operation.name"] as string]);
      return;
    }
    const spanType = String(attrs["mastra.span.type"]).toLowerCase();
    setType(draft, wrapsInference(spanType, attrs) ? "task" : (SPAN_TYPES[spanType] ?? OPERATION_TYPES[String(attrs["gen_ai.operation.name"])]));
    claim(draft, "mastra.span.type", ...ID_KEYS);
    mapRunMetadata(attrs, draft);
    // `mastra.agent_run.input`, `mastra.workflow_run.output`, `mastra.workflow_step.input`, …
    mapContent(attrs, draft, `mastra.${spanType}.input`, "input");
    mapContent(attrs, draft, `mastra.${spanType}.output`, "output");
  },
};

/**
 * Since 1.x a model_generation wraps steps whose model_inference children are the llm calls;
 * it then carries no model or usage of its own, and typing it llm too would count each call twice.
 */
function wrapsInference(spanType: string, attrs: Attributes): boolean {
  return spanType === "model_generation" && attrs["gen_ai.request.model"] === undefined && attrs["gen_ai.usage.input_tokens"] === undefined;
}

/** `mastra.metadata.<key>`: the run's metadata (runId, environment, the caller's own keys) under its own keys. */
function mapRunMetadata(attrs: Attributes, draft: Draft): void {
  for (const key of Object.keys(attrs)) {
    if (!key.startsWith(RUN_METADATA)) continue;
    setMetadata(draft, key.slice(RUN_METADATA.length), parseMaybeJson(attrs[key]));
    claim(draft, key);
  }
}

function mapContent(attrs: Attributes, draft: Draft, key: string, field: "input" | "output"): void {
  if (attrs[key] === undefined) return;
  setField(draft, field, parseMaybeJson(attrs[key]));
  claim(draft, key);
}
