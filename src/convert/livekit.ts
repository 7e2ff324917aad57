// LiveKit Agents (`@livekit/agents` and the Python `livekit-agents`): `lk.*` attributes on the
// voice pipeline's spans. Content attributes carry a `pii` segment since 1.x
// (`lk.pii.chat_ctx`); earlier releases had none (`lk.chat_ctx`): both are read.
import { type Draft, type Mapper, claim, isPlainObject, parseMaybeJson, setField, setMetadata, setMetric, setType, toNumber } from "./mapper.js";
import { assistantMessage } from "./messages.js";
import type { Attributes } from "./types.js";

/** [metric, keys inside `lk.llm_metrics` in preference order]: JS writes camelCase, Python snake_case. */
const LLM_METRICS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["prompt_tokens", ["promptTokens", "prompt_tokens"]],
  ["completion_tokens", ["completionTokens", "completion_tokens"]],
  ["tokens", ["totalTokens", "total_tokens"]],
  ["prompt_cached_tokens", ["promptCachedTokens", "prompt_cached_tokens"]],
  ["prompt_cache_creation_tokens", ["cacheCreationTokens", "cache_creation_tokens"]],
];

export const livekitMapper: Mapper = {
  name: "livekit",
  prefixes: ["lk."],
  applies: (_span, _attrs, keyed) => keyed,
  map(_span, attrs, draft) {
    const chat = lk(attrs, draft, "chat_ctx");
    const toolName = lk(attrs, draft, "function_tool.name");
    if (toolName !== undefined) mapTool(attrs, draft, toolName);
    if (chat !== undefined) {
      setType(draft, "llm");
      setField(draft, "input", chatMessages(parseMaybeJson(chat)));
    }
    const text = lk(attrs, draft, "response.text");
    const calls = lk(attrs, draft, "response.function_calls");
    if (chat !== undefined && (text !== undefined || calls !== undefined)) {
      setField(draft, "output", [assistantMessage(text, toolCalls(parseMaybeJson(calls)))]);
    } else if (text !== undefined) {
      setField(draft, "output", text);
    }
    // The agent's turn: the user's words in, the spoken answer out.
    setField(draft, "input", lk(attrs, draft, "user_input"));
    // Speech-to-text (user_turn) and text-to-speech (tts_node, tts_request). They name their
    // model in gen_ai.request.model, but are not LLM calls. A user turn's transcript is what
    // the user said: the turn's input, as the agent turn's `lk.user_input` is.
    const transcript = lk(attrs, draft, "user_transcript");
    const speech = lk(attrs, draft, "input_text");
    if (transcript !== undefined || speech !== undefined || attrs["lk.tts_metrics"] !== undefined) setType(draft, "task");
    setField(draft, "input", transcript);
    setField(draft, "input", speech);
    const instructions = lk(attrs, draft, "instructions");
    if (instructions !== undefined) setMetadata(draft, "instructions", instructions);
    const tools = lk(attrs, draft, "function_tools");
    if (tools !== undefined) setMetadata(draft, "tools", parseMaybeJson(tools));
    mapMetrics(attrs, draft);
  },
};

/** The value of `lk.pii.<name>` or the older `lk.<name>`; both are claimed. */
function lk(attrs: Attributes, draft: Draft, name: string): unknown {
  const pii = `lk.pii.${name}`;
  const plain = `lk.${name}`;
  claim(draft, pii, plain);
  return attrs[pii] ?? attrs[plain];
}

function mapTool(attrs: Attributes, draft: Draft, name: unknown): void {
  setType(draft, "tool");
  setMetadata(draft, "tool_name", name);
  const id = lk(attrs, draft, "function_tool.id");
  if (id !== undefined) setMetadata(draft, "tool_call_id", id);
  setField(draft, "input", parseMaybeJson(lk(attrs, draft, "function_tool.arguments")));
  setField(draft, "output", parseMaybeJson(lk(attrs, draft, "function_tool.output")));
}

/**
 * `ChatContext.to_dict()`: `{items: [...]}` of `message` (`role`, `content` as a list of
 * strings and images), `function_call` (`call_id`, `name`, `arguments`) and
 * `function_call_output` (`call_id`, `output`) items, as chat messages.
 */
function chatMessages(ctx: unknown): unknown {
  const items = isPlainObject(ctx) && Array.isArray(ctx.items) ? ctx.items : undefined;
  if (!items) return ctx;
  const out: Array<Record<string, unknown>> = [];
  for (const item of items) {
    if (!isPlainObject(item)) continue;
    if (item.type === "function_call") {
      const call = { id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } };
      const last = out[out.length - 1];
      // Consecutive calls belong to one assistant turn.
      if (last?.role === "assistant" && Array.isArray(last.tool_calls)) last.tool_calls.push(call);
      else out.push({ role: "assistant", content: null, tool_calls: [call] });
    } else if (item.type === "function_call_output") {
      out.push({ role: "tool", tool_call_id: item.call_id, content: item.output });
    } else if (item.type === "message" || item.type === undefined) {
      out.push({ role: item.role, content: messageContent(item.content) });
    }
  }
  return out;
}

function messageContent(content: unknown): unknown {
  if (!Array.isArray(content)) return content ?? null;
  return content.every((c) => typeof c === "string") ? content.join("\n") : content;
}

function toolCalls(calls: unknown): unknown {
  if (!Array.isArray(calls)) return undefined;
  return calls.map((c) => (isPlainObject(c) ? { id: c.call_id ?? c.id, name: c.name, arguments: c.arguments } : c));
}

function mapMetrics(attrs: Attributes, draft: Draft): void {
  const ttft = toNumber(attrs["lk.response.ttft"]);
  claim(draft, "lk.response.ttft");
  // Seconds already; LiveKit writes -1 for "none".
  if (ttft !== undefined && ttft >= 0) setMetric(draft, "time_to_first_token", ttft);
  const metrics = parseMaybeJson(attrs["lk.llm_metrics"]);
  if (!isPlainObject(metrics)) return;
  claim(draft, "lk.llm_metrics");
  for (const [metric, keys] of LLM_METRICS) {
    const key = keys.find((k) => metrics[k] !== undefined);
    if (key !== undefined) setMetric(draft, metric, metrics[key]);
  }
  // JS: ttftMs in milliseconds; Python: ttft in seconds. Both -1 when there was no token.
  const ms = toNumber(metrics.ttftMs);
  const seconds = ms !== undefined ? ms / 1000 : toNumber(metrics.ttft);
  if (seconds !== undefined && seconds >= 0) setMetric(draft, "time_to_first_token", seconds);
  const label = metrics.label;
  if (typeof label === "string") setMetadata(draft, "model_label", label);
}
