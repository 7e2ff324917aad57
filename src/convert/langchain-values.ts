// LangChain's serialized objects, as OpenInference's LangChain instrumentation writes them into
// `input.value` / `output.value`: `{lc: 1, type: "constructor", id: [..., "HumanMessage"],
// kwargs: {...}}`. Left as they are, a prompt's output or a tool's result reads as class
// plumbing; as chat messages it reads like every other row.
import { isPlainObject, parseMaybeJson } from "./mapper.js";
import { toToolCall } from "./messages.js";

const ROLES: Readonly<Record<string, string>> = {
  HumanMessage: "user",
  HumanMessageChunk: "user",
  AIMessage: "assistant",
  AIMessageChunk: "assistant",
  SystemMessage: "system",
  SystemMessageChunk: "system",
  ToolMessage: "tool",
  ToolMessageChunk: "tool",
  FunctionMessage: "function",
};

interface Serialized {
  className: string;
  kwargs: Record<string, unknown>;
}

function serialized(value: unknown): Serialized | undefined {
  if (!isPlainObject(value) || value.lc !== 1 || value.type !== "constructor" || !Array.isArray(value.id)) return undefined;
  const className = value.id[value.id.length - 1];
  if (typeof className !== "string" || !isPlainObject(value.kwargs)) return undefined;
  return { className, kwargs: value.kwargs };
}

/**
 * A LangChain message or prompt value as chat messages; any other value unchanged. A single
 * `{input|output: <serialized>}` wrapper (a run's inputs or outputs record) is unwrapped.
 * `toolResult` is for tool spans: their output is the ToolMessage's content, as a tool row's
 * output is elsewhere.
 */
export function fromLangChain(value: unknown, toolResult: boolean): unknown {
  const inner = unwrap(value);
  const found = serialized(inner);
  if (!found) return value;
  if (found.className === "ChatPromptValue" && Array.isArray(found.kwargs.messages)) {
    return found.kwargs.messages.map((m) => toMessage(serialized(m)) ?? m);
  }
  if (toolResult && found.className === "ToolMessage") return parseMaybeJson(found.kwargs.content);
  return toMessage(found) ?? value;
}

function unwrap(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "output" || keys[0] === "input") && serialized(value[keys[0]]) ? value[keys[0]] : value;
}

function toMessage(found: Serialized | undefined): Record<string, unknown> | undefined {
  const role = found && ROLES[found.className];
  if (!found || !role) return undefined;
  const { kwargs } = found;
  const message: Record<string, unknown> = { role, content: kwargs.content ?? null };
  const calls = Array.isArray(kwargs.tool_calls) && kwargs.tool_calls.length > 0 ? kwargs.tool_calls : undefined;
  // LangChain's own `{id, name, args}` form, which toToolCall reads.
  if (calls) message.tool_calls = calls.map(toToolCall);
  if (typeof kwargs.tool_call_id === "string") message.tool_call_id = kwargs.tool_call_id;
  return message;
}
