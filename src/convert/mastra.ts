// Mastra (`@mastra/otel-exporter`, `@mastra/core` AI tracing). Its model and tool spans speak
// GenAI semconv (genai.ts), and older releases added the bare `input` / `output` (plain.ts);
// this adds what only Mastra says: the span type, agent and workflow input and output, and
// the older operation names (`tool.execute`, `agent.run`, …).
import { type Draft, type Mapper, claim, parseMaybeJson, setField, setType } from "./mapper.js";
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
  model_generation: "llm",
  llm_generation: "llm",
  // A step inside a generation: the generation is the llm call, so its tokens count once.
  model_step: "task",
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

/** Mastra's own copies of the span's ids: the row has them already. */
const ID_KEYS = ["mastra.trace_id", "mastra.span_id", "mastra.parent_span_id"] as const;

export const mastraMapper: Mapper = {
  name: "mastra",
  prefixes: ["mastra."],
  applies: (_span, attrs, keyed) => keyed && typeof attrs["mastra.span.type"] === "string",
  map(_span, attrs, draft) {
    const spanType = String(attrs["mastra.span.type"]).toLowerCase();
    setType(draft, SPAN_TYPES[spanType] ?? OPERATION_TYPES[String(attrs["gen_ai.operation.name"])]);
    claim(draft, "mastra.span.type", ...ID_KEYS);
    // `mastra.agent_run.input`, `mastra.workflow_run.output`, `mastra.workflow_step.input`, …
    mapContent(attrs, draft, `mastra.${spanType}.input`, "input");
    mapContent(attrs, draft, `mastra.${spanType}.output`, "output");
  },
};

function mapContent(attrs: Attributes, draft: Draft, key: string, field: "input" | "output"): void {
  if (attrs[key] === undefined) return;
  setField(draft, field, parseMaybeJson(attrs[key]));
  claim(draft, key);
}
