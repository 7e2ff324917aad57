// OpenTelemetry GenAI semantic conventions (`gen_ai.*`), current and deprecated forms,
// including the message events (`gen_ai.user.message`, `gen_ai.choice`, …).
import { keysByPrefix, rebuildIndexed } from "./indexed.js";
import {
  type Draft,
  type Mapper,
  claim,
  claimAll,
  hasAny,
  isPlainObject,
  isSet,
  mapMetricSources,
  parseJsonAttr,
  parseMaybeJson,
  setField,
  setMetadata,
  setType,
} from "./mapper.js";
import { contentOf, indexedMessages, systemMessage, toChatMessages, toToolCall } from "./messages.js";
import type { Attributes, SpanEventLike, SpanLike, SpanType } from "./types.js";

const OPERATION_TYPES: Readonly<Record<string, SpanType>> = {
  chat: "llm",
  text_completion: "llm",
  generate_content: "llm",
  embeddings: "llm",
  rerank: "llm",
  execute_tool: "tool",
  invoke_agent: "task",
  create_agent: "task",
  invoke_workflow: "task",
  agent_step: "task",
};

/** [metric, attribute keys in preference order]. */
const METRICS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["prompt_tokens", ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"]],
  ["completion_tokens", ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"]],
  // Not in the spec, but emitted by OpenLLMetry and others.
  ["tokens", ["gen_ai.usage.total_tokens"]],
  ["prompt_cached_tokens", ["gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens"]],
  ["prompt_cache_creation_tokens", ["gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens"]],
  ["completion_reasoning_tokens", ["gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"]],
  // Seconds already.
  ["time_to_first_token", ["gen_ai.response.time_to_first_chunk", "gen_ai.client.operation.time_to_first_chunk", "gen_ai.server.time_to_first_token"]],
];

/** [metadata key, attribute key]: response facts renamed; `gen_ai.request.*` is handled as a family. */
const RENAMED: ReadonlyArray<readonly [string, string]> = [
  ["operation", "gen_ai.operation.name"],
  ["response_id", "gen_ai.response.id"],
  ["finish_reasons", "gen_ai.response.finish_reasons"],
  ["tool_name", "gen_ai.tool.name"],
  ["tool_call_id", "gen_ai.tool.call.id"],
];

/** Any one of these keys marks a span as GenAI; checked by direct lookup, no key scan. */
const MARKERS = [
  "gen_ai.operation.name",
  "gen_ai.provider.name",
  "gen_ai.system",
  "gen_ai.request.model",
  "gen_ai.response.model",
  "gen_ai.input.messages",
  "gen_ai.output.messages",
  "gen_ai.prompt",
  "gen_ai.completion",
  "gen_ai.prompt.0.role",
  "gen_ai.prompt.0.content",
  "gen_ai.completion.0.role",
  "gen_ai.completion.0.content",
  "gen_ai.tool.call.arguments",
  "gen_ai.usage.input_tokens",
  "gen_ai.usage.prompt_tokens",
];

const PROMPT_PREFIX = "gen_ai.prompt.";
const COMPLETION_PREFIX = "gen_ai.completion.";
const REQUEST_PREFIX = "gen_ai.request.";
const PREFIXES = [PROMPT_PREFIX, COMPLETION_PREFIX, REQUEST_PREFIX];
const INPUT_EVENTS: Readonly<Record<string, string>> = {
  "gen_ai.system.message": "system",
  "gen_ai.user.message": "user",
  "gen_ai.assistant.message": "assistant",
  "gen_ai.tool.message": "tool",
};

export const genaiMapper: Mapper = {
  name: "genai",
  prefixes: ["gen_ai."],
  applies: (span, attrs, keyed) => (keyed && hasAny(attrs, MARKERS)) || hasMessageEvents(span),
  map(span, attrs, draft) {
    const [promptKeys, completionKeys, requestKeys] = keysByPrefix(attrs, PREFIXES);
    mapType(attrs, draft);
    mapModel(attrs, draft);
    mapInput(span, attrs, rebuildIndexed(attrs, promptKeys, PROMPT_PREFIX), draft);
    mapOutput(span, attrs, rebuildIndexed(attrs, completionKeys, COMPLETION_PREFIX), draft);
    mapMetricSources(attrs, draft, METRICS);
    for (const [target, key] of RENAMED) {
      if (attrs[key] === undefined) continue;
      setMetadata(draft, target, attrs[key]);
      claim(draft, key);
    }
    // Request parameters under their plain names (temperature, max_tokens, top_p, …), as
    // Braintrust's own SDK wrappers log them.
    for (const key of requestKeys ?? []) {
      if (key === "gen_ai.request.model") continue;
      setMetadata(draft, key.slice(REQUEST_PREFIX.length), attrs[key]);
      claim(draft, key);
    }
    if (attrs["gen_ai.tool.definitions"] !== undefined) {
      setMetadata(draft, "tools", parseMaybeJson(attrs["gen_ai.tool.definitions"]));
      claim(draft, "gen_ai.tool.definitions");
    }
  },
};

function mapType(attrs: Attributes, draft: Draft): void {
  const operation = attrs["gen_ai.operation.name"];
  if (typeof operation === "string") {
    const type = OPERATION_TYPES[operation];
    if (type) setType(draft, type);
  } else if (
    // Deprecated spans carry no operation name; a model request still makes it an LLM call.
    attrs["gen_ai.request.model"] !== undefined ||
    attrs["gen_ai.system"] !== undefined ||
    attrs["gen_ai.provider.name"] !== undefined
  ) {
    setType(draft, "llm");
  }
}

function mapModel(attrs: Attributes, draft: Draft): void {
  const response = attrs["gen_ai.response.model"];
  const request = attrs["gen_ai.request.model"];
  const model = typeof response === "string" && response !== "" ? response : request;
  if (typeof model === "string" && model !== "") setMetadata(draft, "model", model);
  claim(draft, "gen_ai.response.model", "gen_ai.request.model");

  const provider = attrs["gen_ai.provider.name"] ?? attrs["gen_ai.system"];
  if (typeof provider === "string" && provider !== "") setMetadata(draft, "provider", provider);
  claim(draft, "gen_ai.provider.name", "gen_ai.system");
}

type Indexed = ReturnType<typeof rebuildIndexed>;

/** Sources in preference order; each present one is claimed, and parsed only when it is used. */
function mapInput(span: SpanLike, attrs: Attributes, indexed: Indexed, draft: Draft): void {
  if (indexed) claimAll(draft, indexed.keys);
  claim(draft, "gen_ai.input.messages", "gen_ai.prompt", "gen_ai.system_instructions", "gen_ai.tool.call.arguments");
  if (isSet(draft, "input")) return;
  let messages: unknown;
  if (attrs["gen_ai.input.messages"] !== undefined) {
    messages = toChatMessages(parseJsonAttr(attrs["gen_ai.input.messages"], "gen_ai.input.messages"));
  } else if (attrs["gen_ai.prompt"] !== undefined) {
    messages = toChatMessages(parseMaybeJson(attrs["gen_ai.prompt"]));
  } else {
    messages = indexed ? indexedMessages(indexed.value) : eventMessages(span, "input");
  }
  const system = systemInstructions(attrs);
  if (system && Array.isArray(messages)) messages = [system, ...messages];
  else if (system && messages === undefined) messages = [system];
  setField(draft, "input", messages);
  if (attrs["gen_ai.tool.call.arguments"] !== undefined) setField(draft, "input", parseMaybeJson(attrs["gen_ai.tool.call.arguments"]));
}

function systemInstructions(attrs: Attributes): Record<string, unknown> | undefined {
  const raw = attrs["gen_ai.system_instructions"];
  if (raw === undefined) return undefined;
  const value = parseMaybeJson(raw);
  return systemMessage(value) ?? { role: "system", content: value };
}

function mapOutput(span: SpanLike, attrs: Attributes, indexed: Indexed, draft: Draft): void {
  if (indexed) claimAll(draft, indexed.keys);
  claim(draft, "gen_ai.output.messages", "gen_ai.completion", "gen_ai.tool.call.result");
  if (isSet(draft, "output")) return;
  if (attrs["gen_ai.output.messages"] !== undefined) {
    setField(draft, "output", toChatMessages(parseJsonAttr(attrs["gen_ai.output.messages"], "gen_ai.output.messages")));
  } else if (attrs["gen_ai.completion"] !== undefined) {
    setField(draft, "output", toChatMessages(parseMaybeJson(attrs["gen_ai.completion"])));
  } else {
    setField(draft, "output", indexed ? indexedMessages(indexed.value) : eventMessages(span, "output"));
  }
  if (attrs["gen_ai.tool.call.result"] !== undefined) setField(draft, "output", parseMaybeJson(attrs["gen_ai.tool.call.result"]));
}

function hasMessageEvents(span: SpanLike): boolean {
  const events = span.events;
  if (!Array.isArray(events) || events.length === 0) return false;
  for (const event of events as SpanEventLike[]) {
    const name = event?.name;
    if (typeof name === "string" && (INPUT_EVENTS[name] !== undefined || name === "gen_ai.choice")) return true;
  }
  return false;
}

/**
 * Deprecated message events: `gen_ai.{system,user,assistant,tool}.message` build the prompt,
 * `gen_ai.choice` (ordered by `index`) the completion. Undefined when there are none.
 */
function eventMessages(span: SpanLike, side: "input" | "output"): unknown[] | undefined {
  const events = span.events;
  if (!Array.isArray(events) || events.length === 0) return undefined;
  const found: Array<{ index: number; message: Record<string, unknown> }> = [];
  for (const event of events as SpanEventLike[]) {
    const name = event?.name;
    if (typeof name !== "string") continue;
    const attrs = isPlainObject(event.attributes) ? event.attributes : {};
    if (side === "input" && INPUT_EVENTS[name] !== undefined) {
      found.push({ index: found.length, message: eventMessage(INPUT_EVENTS[name]!, attrs) });
    } else if (side === "output" && name === "gen_ai.choice") {
      const index = typeof attrs.index === "number" ? attrs.index : found.length;
      found.push({ index, message: choiceMessage(attrs) });
    }
  }
  if (found.length === 0) return undefined;
  if (side === "output") found.sort((a, b) => a.index - b.index);
  return found.map((f) => f.message);
}

function eventMessage(role: string, attrs: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const message: Record<string, unknown> = { role: typeof attrs.role === "string" ? attrs.role : role, content: contentOf(attrs.content) ?? null };
  const calls = parseMaybeJson(attrs.tool_calls);
  if (Array.isArray(calls)) message.tool_calls = calls.map(toToolCall);
  if (attrs.id !== undefined && role === "tool") message.tool_call_id = attrs.id;
  return message;
}

function choiceMessage(attrs: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const body = parseMaybeJson(attrs.message);
  const source: Readonly<Record<string, unknown>> = isPlainObject(body) ? body : attrs;
  const message = eventMessage(typeof source.role === "string" ? source.role : "assistant", source);
  if (attrs.finish_reason !== undefined) message.finish_reason = attrs.finish_reason;
  return message;
}
