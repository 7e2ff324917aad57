// Pydantic AI (and Logfire's OpenAI instrumentation, which it is usually paired with). Its
// model-request spans speak GenAI semconv (genai.ts); this maps the agent run
// (`pydantic_ai.all_messages`, `final_result`), instrumentation version 2's tool spans
// (`tool_arguments`, `tool_response`), version 1's `all_messages_events`, and Logfire's
// `request_data` / `response_data`.
import { type Draft, type Mapper, claim, isPlainObject, parseMaybeJson, setField, setMetadata, setMetric, setType } from "./mapper.js";
import { systemMessage, toChatMessages } from "./messages.js";
import type { Attributes } from "./types.js";

/** Version 1's events: the role is in the event name (`gen_ai.user.message`, …). */
const EVENT_ROLES: Readonly<Record<string, string>> = {
  "gen_ai.system.message": "system",
  "gen_ai.user.message": "user",
  "gen_ai.assistant.message": "assistant",
  "gen_ai.tool.message": "tool",
  "gen_ai.choice": "assistant",
};

const KEYS = ["pydantic_ai.all_messages", "final_result", "all_messages_events", "tool_arguments", "tool_response", "request_data", "response_data"];

export const pydanticAiMapper: Mapper = {
  name: "pydantic-ai",
  prefixes: ["pydantic_ai.", "final_result", "all_messages_events", "tool_", "request_data", "response_data"],
  applies: (_span, attrs, keyed) => keyed && KEYS.some((k) => attrs[k] !== undefined),
  map(_span, attrs, draft) {
    mapAgentRun(attrs, draft);
    if (attrs.tool_arguments !== undefined || attrs.tool_response !== undefined) {
      setType(draft, "tool");
      setField(draft, "input", parseMaybeJson(attrs.tool_arguments));
      setField(draft, "output", parseMaybeJson(attrs.tool_response));
      claim(draft, "tool_arguments", "tool_response");
    }
    mapLogfireOpenAi(attrs, draft);
  },
};

/** The whole conversation in, the run's result out. */
function mapAgentRun(attrs: Attributes, draft: Draft): void {
  const all = attrs["pydantic_ai.all_messages"];
  const events = attrs.all_messages_events;
  if (all === undefined && events === undefined && attrs.final_result === undefined) return;
  setType(draft, "task");
  let input: unknown;
  if (all !== undefined) input = toChatMessages(parseMaybeJson(all));
  else if (events !== undefined) input = eventsMessages(parseMaybeJson(events));
  setField(draft, "input", withInstructions(attrs, draft, input));
  // A string result is the output itself; any other is JSON.
  if (attrs.final_result !== undefined) setField(draft, "output", parseMaybeJson(attrs.final_result));
  claim(draft, "pydantic_ai.all_messages", "all_messages_events", "final_result");
}

/**
 * The agent's instructions (`gen_ai.system_instructions`, from instrumentation version 3) are
 * not in its message history: they go at its head as a system message, as the model saw them.
 */
function withInstructions(attrs: Attributes, draft: Draft, input: unknown): unknown {
  const raw = attrs["gen_ai.system_instructions"];
  if (raw === undefined || !Array.isArray(input)) return input;
  const first = input[0];
  if (isPlainObject(first) && first.role === "system") return input;
  claim(draft, "gen_ai.system_instructions");
  return [systemMessage(parseMaybeJson(raw)) ?? { role: "system", content: raw }, ...input];
}

function eventsMessages(events: unknown): unknown {
  if (!Array.isArray(events)) return events;
  return events.map((event) => {
    if (!isPlainObject(event)) return event;
    const name = event["event.name"];
    const role = typeof event.role === "string" ? event.role : EVENT_ROLES[String(name)];
    const source = name === "gen_ai.choice" && isPlainObject(event.message) ? event.message : event;
    const message: Record<string, unknown> = { role: role ?? "user", content: source.content ?? null };
    if (Array.isArray(source.tool_calls)) message.tool_calls = source.tool_calls;
    if (source.id !== undefined && role === "tool") message.tool_call_id = source.id;
    return message;
  });
}

/** Logfire's OpenAI spans: the request body and the response (`{message, usage}` for chat). */
function mapLogfireOpenAi(attrs: Attributes, draft: Draft): void {
  const request = parseMaybeJson(attrs.request_data);
  const response = parseMaybeJson(attrs.response_data);
  if (request === undefined && response === undefined) return;
  claim(draft, "request_data", "response_data");
  setType(draft, "llm");
  if (isPlainObject(request)) {
    setField(draft, "input", Array.isArray(request.messages) ? toChatMessages(request.messages) : (request.input ?? request));
    if (typeof request.model === "string") setMetadata(draft, "model", request.model);
    for (const key of ["temperature", "max_tokens", "top_p", "seed"]) setMetadata(draft, key, request[key]);
  }
  if (isPlainObject(response) && isPlainObject(response.message)) setField(draft, "output", toChatMessages([response.message]));
  else setField(draft, "output", response);
  // The same counts as gen_ai.usage.*, which Logfire also writes and which win.
  const usage = isPlainObject(response) && isPlainObject(response.usage) ? response.usage : undefined;
  if (usage) for (const [metric, key] of USAGE) setMetric(draft, metric, usage[key]);
}

const USAGE = [
  ["prompt_tokens", "prompt_tokens"],
  ["completion_tokens", "completion_tokens"],
  ["tokens", "total_tokens"],
] as const;
