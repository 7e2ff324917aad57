// Vercel AI SDK telemetry (`ai.*`, v3 to v6 and v7's legacy integration). The v7 default
// integration emits GenAI semconv spans (genai.ts); only its extra `ai.usage.*` details land here.
import {
  type Draft,
  type Mapper,
  claim,
  fromJsonText,
  claimAll,
  isPlainObject,
  isSet,
  mapMetricSources,
  parseMaybeJson,
  setField,
  setMetadata,
  setMetric,
  setType,
  toNumber,
} from "./mapper.js";
import { providerMetadataMetrics } from "./ai-provider-metadata.js";
import { assistantMessage, toChatMessages } from "./messages.js";
import type { Attributes, SpanEventLike, SpanLike } from "./types.js";

/** [metric, attribute keys in preference order]: v5+ names first, then the v3/v4 ones. */
const METRICS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["prompt_tokens", ["ai.usage.inputTokens", "ai.usage.promptTokens"]],
  ["completion_tokens", ["ai.usage.outputTokens", "ai.usage.completionTokens"]],
  // Embedding calls report one count, `ai.usage.tokens`.
  ["tokens", ["ai.usage.totalTokens", "ai.usage.tokens"]],
  ["prompt_cached_tokens", ["ai.usage.inputTokenDetails.cacheReadTokens", "ai.usage.cachedInputTokens"]],
  ["prompt_cache_creation_tokens", ["ai.usage.inputTokenDetails.cacheWriteTokens"]],
  ["completion_reasoning_tokens", ["ai.usage.outputTokenDetails.reasoningTokens", "ai.usage.reasoningTokens"]],
];

/** Milliseconds in the SDK; Braintrust wants seconds. */
const FIRST_CHUNK_KEYS = ["ai.response.msToFirstChunk", "ai.stream.msToFirstChunk"] as const;

/** `ai.settings.*` under the names Braintrust's wrappers use for request parameters. */
const SETTINGS: Readonly<Record<string, string>> = {
  maxOutputTokens: "max_tokens",
  maxTokens: "max_tokens",
  temperature: "temperature",
  topP: "top_p",
  topK: "top_k",
  frequencyPenalty: "frequency_penalty",
  presencePenalty: "presence_penalty",
  stopSequences: "stop_sequences",
  seed: "seed",
  maxRetries: "max_retries",
};

const SETTINGS_PREFIX = "ai.settings.";
const TELEMETRY_METADATA_PREFIX = "ai.telemetry.metadata.";
/** The model call inside an operation (`ai.generateText.doGenerate`, `ai.embed.doEmbed`, …). */
const MODEL_CALL = /\.do(Generate|Stream|Embed|Rerank)$/;

export const vercelAiMapper: Mapper = {
  name: "vercel-ai",
  prefixes: ["ai."],
  applies: (span, attrs, keyed) => (keyed && attrs["ai.operationId"] !== undefined) || scopeName(span) === "ai",
  map(span, attrs, draft) {
    const operation = operationOf(span, attrs);
    const modelCall = operation !== undefined && MODEL_CALL.test(operation);
    if (operation !== undefined) {
      setType(draft, modelCall ? "llm" : operation === "ai.toolCall" ? "tool" : "task");
      // Both repeat the operation id and function id, which are kept.
      claim(draft, "ai.operationId", "operation.name", "resource.name");
    }
    mapInput(attrs, draft);
    mapOutput(attrs, draft, modelCall);
    mapMetadata(attrs, draft);
    mapMetrics(span, attrs, draft);
  },
};

/**
 * `ai.operationId`, else the span's name when it is an operation's (`ai.embed.doEmbed`): some
 * releases' embedding spans carry no `ai.operationId`, and are model calls all the same.
 */
function operationOf(span: SpanLike, attrs: Attributes): string | undefined {
  const id = attrs["ai.operationId"];
  if (typeof id === "string") return id;
  const name = span.name;
  return typeof name === "string" && name.startsWith("ai.") && MODEL_CALL.test(name) ? name : undefined;
}

const INPUT_KEYS = ["ai.prompt.messages", "ai.prompt", "ai.toolCall.args", "ai.toolCall.input", "ai.value", "ai.values"];

function mapInput(attrs: Attributes, draft: Draft): void {
  const key = INPUT_KEYS.find((k) => attrs[k] !== undefined);
  if (key === undefined) return;
  claimAll(draft, INPUT_KEYS);
  if (isSet(draft, "input")) return;
  const value = attrs[key];
  if (key === "ai.prompt.messages") setField(draft, "input", toChatMessages(parseMaybeJson(value)));
  else if (key === "ai.prompt") setField(draft, "input", promptMessages(parseMaybeJson(value)));
  else setField(draft, "input", Array.isArray(value) ? value.map(fromJsonText) : fromJsonText(value));
}

/** `ai.prompt` of the outer span: `{system?, prompt?|messages?}` as one message list. */
function promptMessages(prompt: unknown): unknown {
  if (!isPlainObject(prompt)) return prompt;
  const messages: unknown[] = [];
  if (typeof prompt.system === "string") messages.push({ role: "system", content: prompt.system });
  if (Array.isArray(prompt.messages)) messages.push(...(toChatMessages(prompt.messages) as unknown[]));
  else if (typeof prompt.prompt === "string") messages.push({ role: "user", content: prompt.prompt });
  else if (Array.isArray(prompt.prompt)) messages.push(...(toChatMessages(prompt.prompt) as unknown[]));
  else if (prompt.prompt !== undefined) messages.push({ role: "user", content: prompt.prompt });
  return messages.length > 0 ? messages : prompt;
}

function mapOutput(attrs: Attributes, draft: Draft, modelCall: boolean): void {
  const text = first(attrs, draft, "ai.response.text", "ai.result.text");
  const toolCalls = parseMaybeJson(first(attrs, draft, "ai.response.toolCalls", "ai.result.toolCalls"));
  const object = first(attrs, draft, "ai.response.object", "ai.result.object");
  if (object !== undefined) setField(draft, "output", parseMaybeJson(object));
  // A model call answers with a message; the outer operation with its text when that is all.
  if (text !== undefined || toolCalls !== undefined) {
    const onlyText = toolCalls === undefined || (Array.isArray(toolCalls) && toolCalls.length === 0);
    setField(draft, "output", !modelCall && onlyText ? text : [assistantMessage(text, toolCalls)]);
  }
  const result = first(attrs, draft, "ai.toolCall.result", "ai.toolCall.output");
  if (result !== undefined) setField(draft, "output", fromJsonText(result));
  const embedding = first(attrs, draft, "ai.embedding", "ai.embeddings");
  if (embedding !== undefined) setField(draft, "output", Array.isArray(embedding) ? embedding.map(fromJsonText) : fromJsonText(embedding));
}

function mapMetadata(attrs: Attributes, draft: Draft): void {
  const model = first(attrs, draft, "ai.response.model", "ai.model.id");
  if (typeof model === "string" && model !== "") setMetadata(draft, "model", model);
  const provider = first(attrs, draft, "ai.model.provider");
  if (typeof provider === "string" && provider !== "") setMetadata(draft, "provider", provider);

  // One key for every convention: GenAI semconv's list form.
  const finishReason = first(attrs, draft, "ai.response.finishReason", "ai.finishReason");
  if (finishReason !== undefined) setMetadata(draft, "finish_reasons", [finishReason]);
  const responseId = first(attrs, draft, "ai.response.id");
  if (responseId !== undefined) setMetadata(draft, "response_id", responseId);
  const functionId = first(attrs, draft, "ai.telemetry.functionId");
  if (functionId !== undefined) setMetadata(draft, "function_id", functionId);
  const tools = first(attrs, draft, "ai.prompt.tools");
  if (tools !== undefined) setMetadata(draft, "tools", Array.isArray(tools) ? tools.map(parseMaybeJson) : parseMaybeJson(tools));
  const toolChoice = first(attrs, draft, "ai.prompt.toolChoice");
  if (toolChoice !== undefined) setMetadata(draft, "tool_choice", parseMaybeJson(toolChoice));
  const toolName = first(attrs, draft, "ai.toolCall.name");
  if (toolName !== undefined) setMetadata(draft, "tool_name", toolName);
  const toolCallId = first(attrs, draft, "ai.toolCall.id");
  if (toolCallId !== undefined) setMetadata(draft, "tool_call_id", toolCallId);

  for (const key of Object.keys(attrs)) {
    if (key.startsWith(SETTINGS_PREFIX)) {
      const name = key.slice(SETTINGS_PREFIX.length);
      setMetadata(draft, SETTINGS[name] ?? name, attrs[key]);
      claim(draft, key);
    } else if (key.startsWith(TELEMETRY_METADATA_PREFIX)) {
      // The user's own metadata, flattened to the top level as they named it.
      setMetadata(draft, key.slice(TELEMETRY_METADATA_PREFIX.length), attrs[key]);
      claim(draft, key);
    }
  }
}

function mapMetrics(span: SpanLike, attrs: Attributes, draft: Draft): void {
  mapMetricSources(attrs, draft, METRICS);
  // Fills only what ai.usage.* did not report; the attribute itself stays in metadata.
  for (const [metric, value] of providerMetadataMetrics(attrs["ai.response.providerMetadata"])) setMetric(draft, metric, value);
  const ms = toNumber(first(attrs, draft, ...FIRST_CHUNK_KEYS) ?? firstChunkEventMs(span));
  if (ms !== undefined) setMetric(draft, "time_to_first_token", ms / 1000);
}

/** Older SDKs report the first chunk only as an `ai.stream.firstChunk` event. */
function firstChunkEventMs(span: SpanLike): unknown {
  const events = span.events;
  if (!Array.isArray(events)) return undefined;
  for (const event of events as SpanEventLike[]) {
    if (event?.name !== "ai.stream.firstChunk" || !isPlainObject(event.attributes)) continue;
    return event.attributes["ai.response.msToFirstChunk"] ?? event.attributes["ai.stream.msToFirstChunk"];
  }
  return undefined;
}

/** The first present value among `keys`; every present key is claimed, as they say the same thing. */
function first(attrs: Attributes, draft: Draft, ...keys: string[]): unknown {
  let found: unknown;
  for (const key of keys) {
    const value = attrs[key];
    if (value === undefined) continue;
    claim(draft, key);
    if (found === undefined) found = value;
  }
  return found;
}

function scopeName(span: SpanLike): string | undefined {
  return span.instrumentationScope?.name ?? span.instrumentationLibrary?.name;
}
