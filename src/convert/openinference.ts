// OpenInference (Arize Phoenix) semantic conventions.
import { keysByPrefix, rebuildIndexed } from "./indexed.js";
import {
  type Draft,
  type Mapper,
  claim,
  claimAll,
  hasAny,
  isPlainObject,
  isSet,
  parseJsonAttr,
  parseMaybeJson,
  setField,
  setMetadata,
  setMetric,
  setOwn,
  setType,
} from "./mapper.js";
import { fromLangChain } from "./langchain-values.js";
import { toToolCall } from "./messages.js";
import type { Attributes, SpanType } from "./types.js";

const KIND_TYPES: Readonly<Record<string, SpanType>> = {
  LLM: "llm",
  EMBEDDING: "llm",
  TOOL: "tool",
  CHAIN: "task",
  AGENT: "task",
  RETRIEVER: "task",
  RERANKER: "task",
  GUARDRAIL: "task",
  PROMPT: "task",
  EVALUATOR: "score",
};

const METRICS: ReadonlyArray<readonly [string, string]> = [
  ["prompt_tokens", "llm.token_count.prompt"],
  ["completion_tokens", "llm.token_count.completion"],
  ["tokens", "llm.token_count.total"],
  ["prompt_cached_tokens", "llm.token_count.prompt_details.cache_read"],
  ["prompt_cache_creation_tokens", "llm.token_count.prompt_details.cache_write"],
  ["completion_reasoning_tokens", "llm.token_count.completion_details.reasoning"],
];

const RENAMED: ReadonlyArray<readonly [string, string]> = [
  ["session_id", "session.id"],
  ["user_id", "user.id"],
  ["tool_name", "tool.name"],
];

const PREFIXES = ["llm.input_messages.", "llm.output_messages.", "embedding.embeddings.", "retrieval.documents.", "llm.tools."];

const MARKERS = [
  "openinference.span.kind",
  "llm.model_name",
  "llm.input_messages.0.message.role",
  "llm.token_count.prompt",
  "embedding.model_name",
  // Instrumentations that only record the values (no span kind) still speak OpenInference.
  "input.value",
  "output.value",
];

export const openInferenceMapper: Mapper = {
  name: "openinference",
  prefixes: ["openinference.", "llm.", "embedding.", "input.value", "output.value"],
  applies: (_span, attrs, keyed) => keyed && hasAny(attrs, MARKERS),
  map(_span, attrs, draft) {
    // One scan of the keys for every indexed family.
    const groups = keysByPrefix(draft, PREFIXES);
    const indexed = (i: number) => rebuildIndexed(attrs, groups[i], PREFIXES[i]!);
    const kind = attrs["openinference.span.kind"];
    if (typeof kind === "string" && KIND_TYPES[kind.toUpperCase()]) setType(draft, KIND_TYPES[kind.toUpperCase()]);
    claim(draft, "openinference.span.kind");

    mapContent(attrs, indexed(0), indexed(1), indexed(2), indexed(3), draft, typeof kind === "string" && kind.toUpperCase() === "TOOL");
    const model = attrs["llm.model_name"] ?? attrs["embedding.model_name"];
    if (typeof model === "string" && model !== "") setMetadata(draft, "model", model);
    const provider = attrs["llm.provider"] ?? attrs["llm.system"];
    if (typeof provider === "string" && provider !== "") setMetadata(draft, "provider", provider);
    claim(draft, "llm.model_name", "embedding.model_name", "llm.provider", "llm.system");

    for (const [metric, key] of METRICS) {
      if (attrs[key] === undefined) continue;
      setMetric(draft, metric, attrs[key]);
      claim(draft, key);
    }
    for (const [target, key] of RENAMED) {
      if (attrs[key] === undefined) continue;
      setMetadata(draft, target, attrs[key]);
      claim(draft, key);
    }
    if (attrs["llm.finish_reason"] !== undefined) {
      setMetadata(draft, "finish_reasons", [attrs["llm.finish_reason"]]);
      claim(draft, "llm.finish_reason");
    }
    spreadObject(attrs, "llm.invocation_parameters", draft);
    spreadObject(attrs, "metadata", draft);
    // LangChain's run metadata names the provider (`ls_provider`) where OpenInference has no key for it.
    if (draft.event.metadata.provider === undefined && typeof draft.event.metadata.ls_provider === "string") setMetadata(draft, "provider", draft.event.metadata.ls_provider);
    mapTags(attrs, draft);
    const tools = indexed(4);
    if (tools) {
      setMetadata(draft, "tools", tools.value.map((t) => parseMaybeJson(isPlainObject(t) && isPlainObject(t.tool) ? t.tool.json_schema : t)));
      claimAll(draft, tools.keys);
    }
  },
};

type Indexed = ReturnType<typeof rebuildIndexed>;

/** Rebuilt message lists win over the raw `input.value` / `output.value`, which then say the same thing. */
function mapContent(attrs: Attributes, inputs: Indexed, outputs: Indexed, embeddings: Indexed, documents: Indexed, draft: Draft, tool: boolean): void {
  for (const group of [inputs, outputs, embeddings, documents]) if (group) claimAll(draft, group.keys);
  if (inputs) setField(draft, "input", inputs.value.map(oiMessage));
  if (outputs) setField(draft, "output", outputs.value.map(oiMessage));
  mapValue(attrs, draft, "input", false);
  mapValue(attrs, draft, "output", tool);
  if (embeddings) {
    const texts = embeddings.value.map((e) => (isPlainObject(e) && isPlainObject(e.embedding) ? e.embedding.text : undefined));
    if (texts.some((t) => t !== undefined)) setField(draft, "input", texts);
    setField(draft, "output", embeddings.value.map((e) => (isPlainObject(e) && isPlainObject(e.embedding) ? e.embedding.vector : e)));
  }
  if (documents) setField(draft, "output", documents.value.map((d) => (isPlainObject(d) && isPlainObject(d.document) ? d.document : d)));
}

function mapValue(attrs: Attributes, draft: Draft, side: "input" | "output", toolResult: boolean): void {
  const key = `${side}.value`;
  const raw = attrs[key];
  if (raw === undefined) return;
  claim(draft, key, `${side}.mime_type`);
  if (isSet(draft, side)) return;
  const mime = attrs[`${side}.mime_type`];
  const value = mime === "application/json" ? parseJsonAttr(raw, key) : mime === undefined ? parseMaybeJson(raw) : raw;
  setField(draft, side, fromLangChain(value, toolResult));
}

/** `{message:{role, content|contents, tool_calls:[{tool_call:{…}}], tool_call_id, name}}` → an OpenAI message. */
function oiMessage(entry: unknown): unknown {
  const message = isPlainObject(entry) && isPlainObject(entry.message) ? entry.message : entry;
  if (!isPlainObject(message)) return entry;
  const out: Record<string, unknown> = message.role === undefined ? {} : { role: message.role };
  for (const key of Object.keys(message)) {
    const value = message[key];
    if (key === "contents") continue;
    if (key === "tool_calls" && Array.isArray(value)) {
      out.tool_calls = value.map((c) => toToolCall(isPlainObject(c) && isPlainObject(c.tool_call) ? c.tool_call : c));
    } else {
      setOwn(out, key, value);
    }
  }
  if (out.content === undefined) out.content = Array.isArray(message.contents) ? message.contents.map(contentPart) : null;
  return out;
}

function contentPart(entry: unknown): unknown {
  const part = isPlainObject(entry) && isPlainObject(entry.message_content) ? entry.message_content : entry;
  if (!isPlainObject(part)) return entry;
  if (part.type === "text") return { type: "text", text: part.text };
  if (part.type === "image") {
    const image = isPlainObject(part.image) && isPlainObject(part.image.image) ? part.image.image : part.image;
    return { type: "image_url", image_url: { url: isPlainObject(image) ? image.url : image } };
  }
  return part;
}

/** A JSON-object attribute whose keys become metadata keys; anything else stays under its own key. */
function spreadObject(attrs: Attributes, key: string, draft: Draft): void {
  if (attrs[key] === undefined) return;
  const value = parseMaybeJson(attrs[key]);
  if (!isPlainObject(value)) return;
  for (const k of Object.keys(value)) setMetadata(draft, k, value[k]);
  claim(draft, key);
}

function mapTags(attrs: Attributes, draft: Draft): void {
  const raw = attrs["tag.tags"];
  if (raw === undefined) return;
  const value = parseMaybeJson(raw);
  if (!Array.isArray(value)) return;
  const tags = value.filter((t): t is string => typeof t === "string");
  if (tags.length > 0) setField(draft, "tags", tags);
  claim(draft, "tag.tags");
}
