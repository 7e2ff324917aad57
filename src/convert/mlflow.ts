// MLflow Tracing (`mlflow.*`, Python and TypeScript SDKs). MLflow writes every attribute with
// json.dumps, so even a span type arrives as `"LLM"` in quotes.
import { type Draft, type Mapper, claim, fromJsonText, isPlainObject, setField, setMetadata, setMetric, setType } from "./mapper.js";
import { toChatMessages } from "./messages.js";
import type { Attributes, SpanType } from "./types.js";

const SPAN_TYPES: Readonly<Record<string, SpanType>> = {
  LLM: "llm",
  CHAT_MODEL: "llm",
  EMBEDDING: "llm",
  TOOL: "tool",
  AGENT: "task",
  CHAIN: "task",
  RETRIEVER: "task",
  RERANKER: "task",
  PARSER: "task",
  MEMORY: "task",
  WORKFLOW: "task",
  TASK: "task",
  GUARDRAIL: "task",
  EVALUATOR: "score",
};

/** [metric, key of `mlflow.chat.tokenUsage`]. */
const USAGE: ReadonlyArray<readonly [string, string]> = [
  ["prompt_tokens", "input_tokens"],
  ["completion_tokens", "output_tokens"],
  ["tokens", "total_tokens"],
  ["prompt_cached_tokens", "cache_read_input_tokens"],
  ["prompt_cache_creation_tokens", "cache_creation_input_tokens"],
];

/** Bookkeeping the row has already: the span's start, MLflow's id for the trace. */
const DROPPED = ["mlflow.spanStartTimeNs", "mlflow.traceRequestId"] as const;

export const mlflowMapper: Mapper = {
  name: "mlflow",
  prefixes: ["mlflow."],
  applies: (_span, attrs, keyed) =>
    keyed && (attrs["mlflow.spanType"] !== undefined || attrs["mlflow.spanInputs"] !== undefined || attrs["mlflow.spanOutputs"] !== undefined),
  map(_span, attrs, draft) {
    const spanType = fromJsonText(attrs["mlflow.spanType"]);
    if (typeof spanType === "string") setType(draft, SPAN_TYPES[spanType.toUpperCase()]);
    claim(draft, "mlflow.spanType", ...DROPPED);
    const chat = typeof spanType === "string" && SPAN_TYPES[spanType.toUpperCase()] === "llm";
    // The model MLflow names, else the one that answered, else the one asked for.
    mapModel(attrs, draft);
    mapContent(attrs, draft, "output", chat);
    mapContent(attrs, draft, "input", chat);
    const usage = fromJsonText(attrs["mlflow.chat.tokenUsage"]);
    if (isPlainObject(usage)) {
      for (const [metric, key] of USAGE) setMetric(draft, metric, usage[key]);
      claim(draft, "mlflow.chat.tokenUsage");
    }
    const tools = attrs["mlflow.chat.tools"];
    if (tools !== undefined) {
      setMetadata(draft, "tools", fromJsonText(tools));
      claim(draft, "mlflow.chat.tools");
    }
  },
};

/**
 * `mlflow.spanInputs` / `mlflow.spanOutputs`: the function's arguments and return value. On
 * LLM spans an OpenAI-style request's `messages` are the input and a chat completion's
 * `choices[].message` the output; anything else is kept whole.
 */
function mapContent(attrs: Attributes, draft: Draft, side: "input" | "output", chat: boolean): void {
  const key = side === "input" ? "mlflow.spanInputs" : "mlflow.spanOutputs";
  if (attrs[key] === undefined) return;
  claim(draft, key);
  const value = fromJsonText(attrs[key]);
  if (chat && side === "input" && isPlainObject(value) && Array.isArray(value.messages)) {
    setField(draft, side, toChatMessages(value.messages));
    if (typeof value.model === "string") setMetadata(draft, "model", value.model);
  } else if (chat && side === "output" && isPlainObject(value) && Array.isArray(value.choices)) {
    const messages = value.choices.map((c) => (isPlainObject(c) && isPlainObject(c.message) ? withFinish(c.message, c.finish_reason) : c));
    setField(draft, side, toChatMessages(messages));
    if (typeof value.model === "string") setMetadata(draft, "model", value.model);
  } else {
    setField(draft, side, value);
  }
}

function withFinish(message: Record<string, unknown>, reason: unknown): Record<string, unknown> {
  return reason === undefined || reason === null ? message : { ...message, finish_reason: reason };
}

function mapModel(attrs: Attributes, draft: Draft): void {
  const model = fromJsonText(attrs["mlflow.llm.model"]);
  if (typeof model === "string" && model !== "") setMetadata(draft, "model", model);
  const provider = fromJsonText(attrs["mlflow.llm.provider"]);
  if (typeof provider === "string" && provider !== "") setMetadata(draft, "provider", provider);
  claim(draft, "mlflow.llm.model", "mlflow.llm.provider");
}
