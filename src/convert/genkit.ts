// Firebase Genkit (`genkit`, tracer `genkit-tracer`): every action is a span whose `genkit:*`
// attributes hold its kind, name, and JSON input and output. Model actions get the request's
// messages in and the response's message out, with usage from the response.
import { type Draft, type Mapper, claim, fromJsonText, isPlainObject, setField, setMetadata, setMetric, setOwn, setType } from "./mapper.js";
import { toChatMessages } from "./messages.js";
import { finishReasons } from "./genai.js";
import type { SpanType } from "./types.js";

/** `genkit:metadata:subtype` of an action. */
const SUBTYPES: Readonly<Record<string, SpanType>> = {
  model: "llm",
  "background-model": "llm",
  embedder: "llm",
  tool: "tool",
  flow: "task",
  retriever: "task",
  indexer: "task",
  reranker: "task",
  evaluator: "score",
  prompt: "function",
  "executable-prompt": "function",
};

/** `config` of a model request under the names Braintrust's wrappers use. */
const CONFIG: Readonly<Record<string, string>> = {
  temperature: "temperature",
  maxOutputTokens: "max_tokens",
  topK: "top_k",
  topP: "top_p",
  stopSequences: "stop_sequences",
};

/** [metric, key of the response's `usage`]. */
const USAGE: ReadonlyArray<readonly [string, string]> = [
  ["prompt_tokens", "inputTokens"],
  ["completion_tokens", "outputTokens"],
  ["tokens", "totalTokens"],
  ["prompt_cached_tokens", "cachedContentTokens"],
  ["completion_reasoning_tokens", "thoughtsTokens"],
];

const METADATA_PREFIX = "genkit:metadata:";

export const genkitMapper: Mapper = {
  name: "genkit",
  prefixes: ["genkit:"],
  applies: (_span, attrs, keyed) => keyed && typeof attrs["genkit:type"] === "string",
  map(_span, attrs, draft) {
    const subtype = attrs["genkit:metadata:subtype"];
    const kind = typeof subtype === "string" ? SUBTYPES[subtype] : undefined;
    // `generate` and other helpers are `util` spans around the model calls.
    setType(draft, kind ?? (attrs["genkit:type"] === "util" ? "task" : "function"));
    // Bookkeeping the row already has (the tree, the status) or that tells a reader nothing.
    claim(draft, "genkit:type", "genkit:isRoot", "genkit:state", "genkit:lastKnownParentSpanId");
    claim(draft, "genkit:isFailureSource");

    const input = fromJsonText(attrs["genkit:input"]);
    const output = fromJsonText(attrs["genkit:output"]);
    claim(draft, "genkit:input", "genkit:output");
    const name = attrs["genkit:name"];
    if (isPlainObject(input) && Array.isArray(input.messages)) mapRequest(input, draft);
    else setField(draft, "input", input);
    if (isPlainObject(output) && isPlainObject(output.message)) mapResponse(output, draft, kind === "llm");
    else setField(draft, "output", output);

    if (kind === "llm" && typeof name === "string") mapModelName(name, draft);
    if (kind === "tool" && name !== undefined) setMetadata(draft, "tool_name", name);
    if (kind === "llm" || kind === "tool") claim(draft, "genkit:name");
    for (const key of Object.keys(attrs)) {
      if (!key.startsWith(METADATA_PREFIX) || key === "genkit:metadata:subtype") continue;
      setMetadata(draft, key.slice(METADATA_PREFIX.length), attrs[key]);
      claim(draft, key);
    }
    claim(draft, "genkit:metadata:subtype");
  },
};

/** A model request (`{messages, config, tools}`), on model and `generate` spans. */
function mapRequest(request: Record<string, unknown>, draft: Draft): void {
  setField(draft, "input", toChatMessages((request.messages as unknown[]).map(genkitMessage)));
  if (isPlainObject(request.config)) {
    for (const key of Object.keys(request.config)) setMetadata(draft, CONFIG[key] ?? key, request.config[key]);
  }
  if (Array.isArray(request.tools) && request.tools.length > 0) setMetadata(draft, "tools", request.tools);
  if (typeof request.model === "string") mapModelName(request.model, draft);
}

/** A model response (`{message, finishReason, usage}`); its usage counts on the model span only. */
function mapResponse(response: Record<string, unknown>, draft: Draft, modelCall: boolean): void {
  const messages = toChatMessages([genkitMessage(response.message)]) as unknown[];
  const [first] = messages;
  if (response.finishReason !== undefined && isPlainObject(first)) first.finish_reason = response.finishReason;
  setField(draft, "output", messages);
  if (response.finishReason !== undefined) setMetadata(draft, "finish_reasons", finishReasons(response.finishReason));
  if (!modelCall || !isPlainObject(response.usage)) return;
  for (const [metric, key] of USAGE) setMetric(draft, metric, response.usage[key]);
}

/** Genkit's roles: `model` is the assistant. Its untyped content blocks are read by messages.ts. */
function genkitMessage(message: unknown): unknown {
  if (!isPlainObject(message) || message.role !== "model") return message;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(message)) setOwn(copy, key, message[key]);
  copy.role = "assistant";
  return copy;
}

/** A model action is named `<plugin>/<model>` (`googleai/gemini-2.5-flash`): the plugin is the provider. */
function mapModelName(name: string, draft: Draft): void {
  const slash = name.indexOf("/");
  setMetadata(draft, "model", slash > 0 ? name.slice(slash + 1) : name);
  if (slash > 0) setMetadata(draft, "provider", name.slice(0, slash));
}
