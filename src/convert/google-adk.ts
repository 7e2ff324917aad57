// Google ADK's own telemetry (tracer `gcp.vertex.agent`): the Gemini request and response as
// JSON on `call_llm` spans, tool arguments and results on `execute_tool` spans. Its GenAI
// attributes (`gen_ai.request.model`, `gen_ai.tool.name`, …) are the GenAI mapper's; its
// `gen_ai.system` names the framework, not the vendor (see genai-fallback.ts).
import { type Draft, type Mapper, claim, fromJsonText, isPlainObject, setField, setMetadata, setMetric, setOwn } from "./mapper.js";
import { toChatMessages } from "./messages.js";
import { finishReasons } from "./genai.js";
import type { Attributes } from "./types.js";

const PREFIX = "gcp.vertex.agent.";

/** [metric, keys of Gemini's usage metadata, snake_case (model_dump) then camelCase]. */
const USAGE: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["prompt_tokens", ["prompt_token_count", "promptTokenCount"]],
  ["completion_tokens", ["candidates_token_count", "candidatesTokenCount"]],
  ["tokens", ["total_token_count", "totalTokenCount"]],
  ["prompt_cached_tokens", ["cached_content_token_count", "cachedContentTokenCount"]],
  ["completion_reasoning_tokens", ["thoughts_token_count", "thoughtsTokenCount"]],
];

/** `generation_config` under the names Braintrust's wrappers use. */
const CONFIG: Readonly<Record<string, string>> = {
  temperature: "temperature",
  top_p: "top_p",
  top_k: "top_k",
  max_output_tokens: "max_tokens",
  stop_sequences: "stop_sequences",
  seed: "seed",
};

export const googleAdkMapper: Mapper = {
  name: "google-adk",
  prefixes: [PREFIX],
  applies: (_span, _attrs, keyed) => keyed,
  map(_span, attrs, draft) {
    const request = json(attrs, draft, "llm_request");
    const response = json(attrs, draft, "llm_response");
    if (isPlainObject(request)) mapRequest(request, draft);
    if (isPlainObject(response)) mapResponse(response, draft);
    const args = json(attrs, draft, "tool_call_args");
    if (args !== undefined && args !== "N/A") setField(draft, "input", args);
    setField(draft, "output", json(attrs, draft, "tool_response"));
    // The data sent to a live agent
    const data = json(attrs, draft, "data");
    if (Array.isArray(data)) setField(draft, "input", toChatMessages(data.map(geminiContent)));
  },
};

/** A JSON attribute; an empty object (ADK writes `{}` for "none") counts as absent. */
function json(attrs: Attributes, draft: Draft, name: string): unknown {
  const key = PREFIX + name;
  if (attrs[key] === undefined) return undefined;
  claim(draft, key);
  // json.dumps, always: a string is quoted.
  const value = fromJsonText(attrs[key]);
  return isPlainObject(value) && Object.keys(value).length === 0 ? undefined : value;
}

/** `{model, config: {system_instruction, tools, …}, contents: [{role, parts}]}`. */
function mapRequest(request: Record<string, unknown>, draft: Draft): void {
  const config = isPlainObject(request.config) ? request.config : {};
  const messages: unknown[] = [];
  const system = systemText(config.system_instruction);
  if (system !== undefined) messages.push({ role: "system", content: system });
  if (Array.isArray(request.contents)) messages.push(...(toChatMessages(request.contents.map(geminiContent)) as unknown[]));
  if (messages.length > 0) setField(draft, "input", messages);
  if (typeof request.model === "string") setMetadata(draft, "model", request.model);
  for (const key of Object.keys(config)) if (CONFIG[key] !== undefined) setMetadata(draft, CONFIG[key]!, config[key]);
  if (Array.isArray(config.tools)) setMetadata(draft, "tools", config.tools);
}

/** `{content: {role: "model", parts}, usage_metadata, finish_reason}`. */
function mapResponse(response: Record<string, unknown>, draft: Draft): void {
  if (isPlainObject(response.content)) {
    const messages = toChatMessages([geminiContent(response.content)]) as unknown[];
    const [first] = messages;
    if (response.finish_reason !== undefined && isPlainObject(first)) first.finish_reason = response.finish_reason;
    setField(draft, "output", messages);
  }
  if (response.finish_reason !== undefined) setMetadata(draft, "finish_reasons", finishReasons(response.finish_reason));
  const usage = response.usage_metadata ?? response.usageMetadata;
  if (!isPlainObject(usage)) return;
  for (const [metric, keys] of USAGE) {
    const key = keys.find((k) => usage[k] !== undefined);
    if (key !== undefined) setMetric(draft, metric, usage[key]);
  }
}

/** Gemini's `{role: "user"|"model", parts}` as a message messages.ts reads (`model` is the assistant). */
function geminiContent(content: unknown): unknown {
  if (!isPlainObject(content) || !Array.isArray(content.parts)) return content;
  const message: Record<string, unknown> = {};
  for (const key of Object.keys(content)) if (key !== "parts") setOwn(message, key, content[key]);
  message.role = content.role === "model" ? "assistant" : (content.role ?? "user");
  message.content = content.parts;
  return message;
}

/** A system instruction: a string, or a Content whose parts are text. */
function systemText(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (!isPlainObject(value) || !Array.isArray(value.parts)) return undefined;
  const texts = value.parts.map((p) => (isPlainObject(p) && typeof p.text === "string" ? p.text : "")).filter((t) => t !== "");
  return texts.length > 0 ? texts.join("\n") : undefined;
}
