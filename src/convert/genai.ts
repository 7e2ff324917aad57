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
  setMetric,
  setType,
  toNumber,
} from "./mapper.js";
import { eventMessages, hasMessageEvents, toolArguments, toolResult } from "./genai-events.js";
import { assistantMessage, indexedMessages, systemMessage, toChatMessages } from "./messages.js";
import { firstTokenSeconds } from "./first-token.js";
import type { Attributes, SpanLike, SpanType } from "./types.js";

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
  // Strands' agent loop iteration
  execute_event_loop_cycle: "task",
};

/** [metric, attribute keys in preference order]. */
const METRICS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["prompt_tokens", ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"]],
  ["completion_tokens", ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"]],
  // Not in the spec, but emitted by OpenLLMetry and others.
  ["tokens", ["gen_ai.usage.total_tokens"]],
  ["prompt_cached_tokens", ["gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cached_input_tokens", "gen_ai.usage.input_cached_tokens"]],
  [
    "prompt_cache_creation_tokens",
    // The last two are Strands' and Mastra's.
    [
      "gen_ai.usage.cache_creation.input_tokens",
      "gen_ai.usage.cache_creation_input_tokens",
      "gen_ai.usage.cache_write_input_tokens",
      "gen_ai.usage.cache_write_tokens",
    ],
  ],
  ["completion_reasoning_tokens", ["gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens", "gen_ai.usage.details.reasoning_tokens"]],
];

/** Seconds by the spec; first-token.ts decides when a value can only be milliseconds. */
const STRANDS_FIRST_TOKEN = "gen_ai.server.time_to_first_token";
const isStrands = (attrs: Attributes) => attrs["gen_ai.system"] === "strands-agents" || attrs["gen_ai.provider.name"] === "strands-agents";
function msToSeconds(value: unknown): number | undefined {
  const ms = toNumber(value);
  return ms === undefined || ms < 0 ? undefined : ms / 1000;
}
const FIRST_TOKEN_KEYS = ["gen_ai.response.time_to_first_chunk", "gen_ai.client.operation.time_to_first_chunk", "gen_ai.server.time_to_first_token"];

/**
 * `gen_ai.system` / `gen_ai.provider.name` values that name the agent framework, not the model
 * vendor. A vendor named by a later convention wins; the framework name is the last resort
 * (genaiFallbackMapper).
 */
export const FRAMEWORK_SYSTEMS: ReadonlySet<string> = new Set(["strands-agents", "gcp.vertex.agent"]);

/** [metadata key, attribute key]: response facts renamed; `gen_ai.request.*` is handled as a family. */
const RENAMED: ReadonlyArray<readonly [string, string]> = [
  ["operation", "gen_ai.operation.name"],
  ["response_id", "gen_ai.response.id"],
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
  "gen_ai.system_instructions",
  "gen_ai.tool.call.arguments",
  "gen_ai.tool.call.result",
  "gen_ai.tool.input",
  "gen_ai.tool.output",
  "gen_ai.tool.name",
  "gen_ai.tool.call.id",
  "gen_ai.usage.input_tokens",
  "gen_ai.usage.prompt_tokens",
  "gen_ai.usage.output_tokens",
];

const PROMPT_PREFIX = "gen_ai.prompt.";
const COMPLETION_PREFIX = "gen_ai.completion.";
const REQUEST_PREFIX = "gen_ai.request.";
const PREFIXES = [PROMPT_PREFIX, COMPLETION_PREFIX, REQUEST_PREFIX];

export const genaiMapper: Mapper = {
  name: "genai",
  prefixes: ["gen_ai."],
  applies: (span, attrs, keyed) => (keyed && hasAny(attrs, MARKERS)) || hasMessageEvents(span),
  map(span, attrs, draft) {
    const [promptKeys, completionKeys, requestKeys] = keysByPrefix(draft, PREFIXES);
    mapType(attrs, draft);
    mapModel(attrs, draft);
    mapInput(span, attrs, rebuildIndexed(attrs, promptKeys, PROMPT_PREFIX), draft);
    mapOutput(span, attrs, rebuildIndexed(attrs, completionKeys, COMPLETION_PREFIX), draft);
    mapMetricSources(attrs, draft, METRICS);
    for (const key of FIRST_TOKEN_KEYS) {
      if (attrs[key] === undefined) continue;
      claim(draft, key);
      // Strands writes Bedrock's integer timeToFirstByteMs there: milliseconds, however long the span.
      const value = attrs[key];
      const seconds = key === STRANDS_FIRST_TOKEN && Number.isInteger(value) && isStrands(attrs) ? msToSeconds(value) : firstTokenSeconds(value, draft.event.metrics);
      setMetric(draft, "time_to_first_token", seconds);
    }
    if (attrs["gen_ai.response.finish_reasons"] !== undefined) {
      setMetadata(draft, "finish_reasons", finishReasons(attrs["gen_ai.response.finish_reasons"]));
      claim(draft, "gen_ai.response.finish_reasons");
    }
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

/**
 * The span's type from its operation; without one (older spans, Semantic Kernel), from what
 * it carries. Only the operation's type is set here: the guess from what a span carries is
 * a last resort (genaiFallbackMapper), after the frameworks that know their own spans.
 */
export function operationType(attrs: Attributes): SpanType | undefined {
  const operation = attrs["gen_ai.operation.name"];
  if (typeof operation === "string") return OPERATION_TYPES[operation];
  if (attrs["gen_ai.tool.name"] !== undefined || attrs["gen_ai.tool.call.id"] !== undefined) return "tool";
  if (
    attrs["gen_ai.request.model"] !== undefined ||
    attrs["gen_ai.response.model"] !== undefined ||
    (typeof attrs["gen_ai.system"] === "string" && !FRAMEWORK_SYSTEMS.has(attrs["gen_ai.system"])) ||
    (typeof attrs["gen_ai.provider.name"] === "string" && !FRAMEWORK_SYSTEMS.has(attrs["gen_ai.provider.name"]))
  ) {
    return "llm";
  }
  return undefined;
}

function mapType(attrs: Attributes, draft: Draft): void {
  if (typeof attrs["gen_ai.operation.name"] === "string") setType(draft, operationType(attrs));
}

/** The type the row will have as far as this convention knows, for reading its content. */
function typeOf(attrs: Attributes, draft: Draft): SpanType | undefined {
  return draft.event.span_attributes.type ?? operationType(attrs);
}

function mapModel(attrs: Attributes, draft: Draft): void {
  const response = attrs["gen_ai.response.model"];
  const request = attrs["gen_ai.request.model"];
  const model = typeof response === "string" && response !== "" ? response : request;
  if (typeof model === "string" && model !== "") setMetadata(draft, "model", model);
  claim(draft, "gen_ai.response.model", "gen_ai.request.model");

  const provider = vendorOf(attrs);
  if (provider !== undefined) setMetadata(draft, "provider", provider);
  claim(draft, "gen_ai.provider.name", "gen_ai.system");
}

/** The first of `gen_ai.provider.name`, `gen_ai.system` that names a vendor rather than a framework. */
function vendorOf(attrs: Attributes): string | undefined {
  for (const key of ["gen_ai.provider.name", "gen_ai.system"]) {
    const value = attrs[key];
    if (typeof value === "string" && value !== "" && !FRAMEWORK_SYSTEMS.has(value)) return value;
  }
  return undefined;
}

/** Always a list: an array, JSON text of one, or one plain reason (Mastra and Spring AI send all three). */
export function finishReasons(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  const parsed = parseMaybeJson(value);
  return Array.isArray(parsed) ? parsed : [value];
}

type Indexed = ReturnType<typeof rebuildIndexed>;

/** Sources in preference order; each present one is claimed, and parsed only when it is used. */
function mapInput(span: SpanLike, attrs: Attributes, indexed: Indexed, draft: Draft): void {
  if (indexed) claimAll(draft, indexed.keys);
  claim(draft, "gen_ai.input.messages", "gen_ai.prompt", "gen_ai.system_instructions", "gen_ai.tool.call.arguments");
  claim(draft, "gen_ai.tool.input");
  if (isSet(draft, "input")) return;
  // `gen_ai.tool.input` predates the spec's name (older Mastra, Sentry, others).
  const args = attrs["gen_ai.tool.call.arguments"] ?? attrs["gen_ai.tool.input"];
  if (args !== undefined) {
    setField(draft, "input", parseMaybeJson(args));
    return;
  }
  // As on Braintrust's server: a nonempty list from message events beats the attributes.
  const fromEvents = eventMessages(span, "input");
  if (fromEvents) {
    if (typeOf(attrs, draft) === "tool") setField(draft, "input", toolArguments(fromEvents));
    else setField(draft, "input", withSystemFirst(systemInstructions(attrs), fromEvents));
    return;
  }
  let messages: unknown;
  if (attrs["gen_ai.input.messages"] !== undefined) {
    messages = toChatMessages(parseJsonAttr(attrs["gen_ai.input.messages"], "gen_ai.input.messages"));
  } else if (attrs["gen_ai.prompt"] !== undefined) {
    const prompt = parseMaybeJson(attrs["gen_ai.prompt"]);
    // `{messages: […]}`, as some wrappers of the AI SDK write the call's options
    messages = toChatMessages(isPlainObject(prompt) && Array.isArray(prompt.messages) ? prompt.messages : prompt);
  } else if (indexed) {
    messages = indexedMessages(indexed.value);
  }
  const system = systemInstructions(attrs);
  if (system && Array.isArray(messages)) messages = [system, ...messages];
  // Instructions alone are a model call's whole prompt; on an agent span (Mastra) another
  // convention holds the input, and the instructions stay in metadata under their own key.
  else if (system && messages === undefined && typeOf(attrs, draft) === "llm") messages = [system];
  else if (system && messages === undefined) draft.claimed.delete("gen_ai.system_instructions");
  setField(draft, "input", messages);
}

/** The span's instructions in front of event messages that do not start with a system message of their own. */
function withSystemFirst(system: Record<string, unknown> | undefined, messages: unknown[]): unknown[] {
  if (system === undefined) return messages;
  const first = messages[0];
  return isPlainObject(first) && first.role === "system" ? messages : [system, ...messages];
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
  claim(draft, "gen_ai.tool.output");
  if (isSet(draft, "output")) return;
  const result = attrs["gen_ai.tool.call.result"] ?? attrs["gen_ai.tool.output"];
  if (result !== undefined) {
    setField(draft, "output", parseMaybeJson(result));
    return;
  }
  const fromEvents = eventMessages(span, "output");
  if (fromEvents) {
    setField(draft, "output", typeOf(attrs, draft) === "tool" ? toolResult(fromEvents) : fromEvents);
  } else if (attrs["gen_ai.output.messages"] !== undefined) {
    setField(draft, "output", toChatMessages(parseJsonAttr(attrs["gen_ai.output.messages"], "gen_ai.output.messages")));
  } else if (attrs["gen_ai.completion"] !== undefined) {
    setField(draft, "output", completionMessages(parseMaybeJson(attrs["gen_ai.completion"])));
  } else if (indexed) {
    setField(draft, "output", indexedMessages(indexed.value));
  }
}

/**
 * `gen_ai.completion`: a message list, or the result object of an AI SDK call
 * (`{text, toolCalls}`), which older Mastra releases write there.
 */
function completionMessages(value: unknown): unknown {
  if (isPlainObject(value) && typeof value.text === "string") return [assistantMessage(value.text, parseMaybeJson(value.toolCalls))];
  return toChatMessages(value);
}
