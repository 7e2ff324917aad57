// GenAI semconv message events, in all three generations:
// - current: `gen_ai.client.inference.operation.details`, carrying `gen_ai.input.messages`,
//   `gen_ai.output.messages` and `gen_ai.system_instructions` (Strands emits several per span);
// - 2024–25: `gen_ai.{system,user,assistant,tool}.message` and `gen_ai.choice`;
// - most of 2024: `gen_ai.content.prompt` / `gen_ai.content.completion` with `gen_ai.prompt` /
//   `gen_ai.completion` (OpenLIT, Spring AI 1.0).
import { isPlainObject, parseMaybeJson } from "./mapper.js";
import { contentOf, messagesFromParts, systemMessage, toChatMessages, toToolCall } from "./messages.js";
import type { SpanEventLike, SpanLike } from "./types.js";

const DETAILS_EVENT = "gen_ai.client.inference.operation.details";
const INPUT_EVENTS: Readonly<Record<string, string>> = {
  "gen_ai.system.message": "system",
  "gen_ai.user.message": "user",
  "gen_ai.assistant.message": "assistant",
  "gen_ai.tool.message": "tool",
};
const CHOICE_EVENT = "gen_ai.choice";
const PROMPT_EVENT = "gen_ai.content.prompt";
const COMPLETION_EVENT = "gen_ai.content.completion";

type EventAttrs = Readonly<Record<string, unknown>>;

export function hasMessageEvents(span: SpanLike): boolean {
  const events = span.events;
  if (!Array.isArray(events) || events.length === 0) return false;
  for (const event of events as SpanEventLike[]) if (isMessageEvent(event?.name)) return true;
  return false;
}

function isMessageEvent(name: unknown): boolean {
  return (
    typeof name === "string" &&
    (name === DETAILS_EVENT || INPUT_EVENTS[name] !== undefined || name === CHOICE_EVENT || name === PROMPT_EVENT || name === COMPLETION_EVENT)
  );
}

/**
 * The message list the span's events give for one side, in event order (`gen_ai.choice` by
 * its `index`); undefined when the events give none. On the input side, system instructions
 * from a details event come first.
 */
export function eventMessages(span: SpanLike, side: "input" | "output"): unknown[] | undefined {
  const events = span.events;
  if (!Array.isArray(events) || events.length === 0) return undefined;
  const system: unknown[] = [];
  const messages: unknown[] = [];
  const choices: Array<{ index: number; messages: unknown[] }> = [];
  for (const event of events as SpanEventLike[]) {
    const name = event?.name;
    if (!isMessageEvent(name)) continue;
    const attrs: EventAttrs = isPlainObject(event.attributes) ? event.attributes : {};
    if (name === DETAILS_EVENT) {
      if (side === "input") {
        const instructions = attrs["gen_ai.system_instructions"];
        if (instructions !== undefined) {
          const value = parseMaybeJson(instructions);
          system.push(systemMessage(value) ?? { role: "system", content: value });
        }
      }
      pushList(messages, attrs[side === "input" ? "gen_ai.input.messages" : "gen_ai.output.messages"]);
    } else if (side === "input" && INPUT_EVENTS[name as string] !== undefined) {
      messages.push(...roleEventMessages(INPUT_EVENTS[name as string]!, attrs));
    } else if (side === "input" && name === PROMPT_EVENT) {
      pushContent(messages, attrs["gen_ai.prompt"], "user");
    } else if (side === "output" && name === COMPLETION_EVENT) {
      pushContent(messages, attrs["gen_ai.completion"], "assistant");
    } else if (side === "output" && name === CHOICE_EVENT) {
      choices.push({ index: typeof attrs.index === "number" ? attrs.index : choices.length, messages: choiceMessages(attrs) });
    }
  }
  choices.sort((a, b) => a.index - b.index);
  for (const choice of choices) messages.push(...choice.messages);
  const all = system.length > 0 ? [...system, ...messages] : messages;
  return all.length > 0 ? all : undefined;
}

/** A details event's JSON message list; anything that is not a list is kept as one entry. */
function pushList(target: unknown[], raw: unknown): void {
  if (raw === undefined) return;
  const value = toChatMessages(parseMaybeJson(raw));
  if (Array.isArray(value)) target.push(...value);
  else target.push(value);
}

/**
 * `gen_ai.prompt` / `gen_ai.completion` on the 2024 events: a JSON message list, a string, or
 * a string array (one text per message). The role is only known for the side it is on.
 */
function pushContent(target: unknown[], raw: unknown, role: string): void {
  if (raw === undefined || raw === null) return;
  const value = parseMaybeJson(raw);
  if (Array.isArray(value) && value.some(isPlainObject)) pushList(target, value);
  else if (Array.isArray(value)) for (const text of value) target.push({ role, content: text ?? null });
  else target.push({ role, content: value });
}

function roleEventMessages(role: string, attrs: EventAttrs): unknown[] {
  const actualRole = typeof attrs.role === "string" ? attrs.role : role;
  const blocks = parseMaybeJson(attrs.content);
  // Strands' legacy events: the message's Bedrock content blocks, tool results included.
  if (Array.isArray(blocks) && blocks.length > 0 && blocks.every((b) => isPlainObject(b) && b.type === undefined)) {
    return messagesFromParts(actualRole, blocks);
  }
  const message: Record<string, unknown> = { role: actualRole, content: contentOf(attrs.content) ?? null };
  const calls = parseMaybeJson(attrs.tool_calls);
  if (Array.isArray(calls)) message.tool_calls = calls.map(toToolCall);
  if (attrs.id !== undefined && role === "tool") message.tool_call_id = attrs.id;
  return [message];
}

/** `message` is a JSON message object, a plain string, or an array of content blocks; else the event's own attributes. */
function choiceMessages(attrs: EventAttrs): unknown[] {
  const body = parseMaybeJson(attrs.message);
  let messages: unknown[];
  if (typeof body === "string") messages = [{ role: "assistant", content: body }];
  else if (Array.isArray(body)) messages = messagesFromParts("assistant", body);
  else {
    const source: EventAttrs = isPlainObject(body) ? body : attrs;
    messages = roleEventMessages(typeof source.role === "string" ? source.role : "assistant", source);
  }
  const first = messages[0];
  if (attrs.finish_reason !== undefined && isPlainObject(first)) first.finish_reason = attrs.finish_reason;
  return messages;
}

/**
 * A tool span's events wrap its arguments in a message (a `tool_call` part, or Strands' legacy
 * `gen_ai.tool.message` with the arguments as content): the row shows the arguments themselves.
 */
export function toolArguments(messages: unknown[]): unknown {
  const [only] = messages;
  if (messages.length !== 1 || !isPlainObject(only)) return messages;
  const calls = only.tool_calls;
  if (Array.isArray(calls) && calls.length === 1 && isPlainObject(calls[0]) && isPlainObject(calls[0].function)) {
    return parseMaybeJson(calls[0].function.arguments);
  }
  return typeof only.content === "string" ? parseMaybeJson(only.content) : messages;
}

/** A tool span's result, unwrapped from the one `tool` or assistant message its events give. */
export function toolResult(messages: unknown[]): unknown {
  const [only] = messages;
  if (messages.length !== 1 || !isPlainObject(only) || typeof only.content !== "string") return messages;
  return parseMaybeJson(only.content);
}
