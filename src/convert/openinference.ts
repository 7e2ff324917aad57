// OpenInference (Arize Phoenix) semantic conventions.
import {
  type Draft,
  type Mapper,
  claim,
  hasAny,
  isPlainObject,
  parseJsonAttr,
  parseMaybeJson,
  setField,
  setMetadata,
  setMetric,
  setOwn,
  setType,
} from "./mapper.js";
import { collectIndexed, toToolCall } from "./messages.js";
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

const MARKERS = ["openinference.span.kind", "llm.model_name", "llm.input_messages.0.message.role", "llm.token_count.prompt", "embedding.model_name"];

export const openInferenceMapper: Mapper = {
  name: "openinference",
  applies: (_span, attrs) => hasAny(attrs, MARKERS),
  map(_span, attrs, draft) {
    const keys = Object.keys(attrs);
    const kind = attrs["openinference.span.kind"];
    if (typeof kind === "string" && KIND_TYPES[kind.toUpperCase()]) setType(draft, KIND_TYPES[kind.toUpperCase()]);
    claim(draft, "openinference.span.kind");

    mapContent(attrs, keys, draft);
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
    mapTags(attrs, draft);
    const tools = collectIndexed(attrs, keys, "llm.tools.");
    if (tools) {
      setMetadata(draft, "tools", tools.value.map((t) => parseMaybeJson(isPlainObject(t) && isPlainObject(t.tool) ? t.tool.json_schema : t)));
      claim(draft, ...tools.keys);
    }
  },
};

/** Rebuilt message lists win over the raw `input.value` / `output.value`, which then say the same thing. */
function mapContent(attrs: Attributes, keys: string[], draft: Draft): void {
  const inputMessages = collectIndexed(attrs, keys, "llm.input_messages.");
  if (inputMessages) {
    setField(draft, "input", inputMessages.value.map(oiMessage));
    claim(draft, ...inputMessages.keys);
  }
  const outputMessages = collectIndexed(attrs, keys, "llm.output_messages.");
  if (outputMessages) {
    setField(draft, "output", outputMessages.value.map(oiMessage));
    claim(draft, ...outputMessages.keys);
  }
  mapValue(attrs, draft, "input");
  mapValue(attrs, draft, "output");

  const embeddings = collectIndexed(attrs, keys, "embedding.embeddings.");
  if (embeddings) {
    const texts = embeddings.value.map((e) => (isPlainObject(e) && isPlainObject(e.embedding) ? e.embedding.text : undefined));
    if (texts.some((t) => t !== undefined)) setField(draft, "input", texts);
    setField(draft, "output", embeddings.value.map((e) => (isPlainObject(e) && isPlainObject(e.embedding) ? e.embedding.vector : e)));
    claim(draft, ...embeddings.keys);
  }
  const documents = collectIndexed(attrs, keys, "retrieval.documents.");
  if (documents) {
    setField(draft, "output", documents.value.map((d) => (isPlainObject(d) && isPlainObject(d.document) ? d.document : d)));
    claim(draft, ...documents.keys);
  }
}

function mapValue(attrs: Attributes, draft: Draft, side: "input" | "output"): void {
  const key = `${side}.value`;
  const raw = attrs[key];
  if (raw === undefined) return;
  const mime = attrs[`${side}.mime_type`];
  const value = mime === "application/json" ? parseJsonAttr(raw, key) : mime === undefined ? parseMaybeJson(raw) : raw;
  setField(draft, side, value);
  claim(draft, key, `${side}.mime_type`);
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
