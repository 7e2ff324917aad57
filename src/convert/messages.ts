// Chat messages in one shape whatever convention they came in: OpenAI-style
// `{role, content, tool_calls?, tool_call_id?}`, which Braintrust renders as a conversation.
// Accepted inputs: OpenAI chat messages, GenAI semconv `{role, parts:[…]}`, AI SDK
// `{role, content:[{type:"text"|"tool-call"|"tool-result"|…}]}`, Bedrock Converse content
// blocks (`[{text}|{toolUse}|{toolResult}]`, no `type`), and flattened indexed forms.
import { isPlainObject, parseMaybeJson, setOwn } from "./mapper.js";

type Json = Record<string, unknown>;

interface ToolCall {
  id?: unknown;
  type: "function";
  function: { name: unknown; arguments: string };
}

/**
 * Normalizes a message list. Anything that is not an array is returned unchanged, and so is
 * any element that is not a message object, so no data is lost to an unexpected shape.
 */
export function toChatMessages(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const out: unknown[] = [];
  for (const message of value) {
    if (!isPlainObject(message)) out.push(message);
    else if (Array.isArray(message.parts)) pushPartsMessage(out, message, "parts", semconvPart);
    else if (Array.isArray(message.content)) pushPartsMessage(out, message, "content", aiSdkPart);
    else out.push(normalizeToolCalls(message));
  }
  return out;
}

/** `gen_ai.system_instructions`: parts or a plain string, as one system message. */
export function systemMessage(instructions: unknown): Json | undefined {
  if (typeof instructions === "string") return instructions === "" ? undefined : { role: "system", content: instructions };
  if (Array.isArray(instructions)) {
    const text = textOfParts(instructions);
    return { role: "system", content: text ?? instructions };
  }
  return undefined;
}

/** One assistant message from a completion's text and tool calls (either may be absent). */
export function assistantMessage(text: unknown, toolCalls: unknown): Json {
  const message: Json = { role: "assistant", content: text === undefined ? null : text };
  const calls = Array.isArray(toolCalls) ? toolCalls.map(toToolCall) : undefined;
  if (calls && calls.length > 0) message.tool_calls = calls;
  return message;
}

type PartKind = "content" | "call" | "response";

/** GenAI semconv parts: `text`, `tool_call`, `tool_call_response`; others (blobs, uris, …) kept as content. */
function semconvPart(part: Json): [PartKind, unknown] {
  switch (part.type) {
    case "text":
      return ["content", { type: "text", text: part.content }];
    case "tool_call":
      return ["call", toToolCall({ id: part.id, name: part.name, arguments: part.arguments })];
    case "tool_call_response":
      // Pydantic AI writes the result under `result`, the spec under `response`.
      return ["response", { role: "tool", tool_call_id: part.id, content: resultText(part.response ?? part.result) }];
    default:
      return ["content", part];
  }
}

/** AI SDK content parts: `text`, `tool-call`, `tool-result`; OpenAI content parts pass through. */
function aiSdkPart(part: Json): [PartKind, unknown] {
  switch (part.type) {
    case "tool-call":
      return ["call", toToolCall({ id: part.toolCallId, name: part.toolName, arguments: part.input ?? part.args })];
    case "tool-result":
      return ["response", { role: "tool", tool_call_id: part.toolCallId, content: asText(toolResultValue(part)) }];
    case undefined:
      return blockPart(part) ?? ["content", part];
    default:
      return ["content", part];
  }
}

/**
 * Content blocks that have no `type`: Bedrock Converse's `{text}`, `{toolUse}`, `{toolResult}`
 * Genkit's `{text}`, `{toolRequest}`, `{toolResponse}`, `{media}` and Gemini's `{text}`,
 * `{function_call}`, `{function_response}`; others stay parts.
 */
function blockPart(block: Json): [PartKind, unknown] | undefined {
  if (typeof block.text === "string") return ["content", { type: "text", text: block.text }];
  const use = block.toolUse;
  if (isPlainObject(use)) return ["call", toToolCall({ id: use.toolUseId, name: use.name, arguments: use.input })];
  const result = block.toolResult;
  if (isPlainObject(result)) {
    return ["response", { role: "tool", tool_call_id: result.toolUseId, content: resultText(result.content) }];
  }
  const request = block.toolRequest;
  if (isPlainObject(request)) return ["call", toToolCall({ id: request.ref, name: request.name, arguments: request.input })];
  const response = block.toolResponse;
  if (isPlainObject(response)) return ["response", { role: "tool", tool_call_id: response.ref, content: asText(response.output) }];
  // Gemini (Google ADK): `function_call` / `function_response`, or their camelCase forms
  const call = block.function_call ?? block.functionCall;
  if (isPlainObject(call)) return ["call", toToolCall({ id: call.id, name: call.name, arguments: call.args })];
  const answer = block.function_response ?? block.functionResponse;
  if (isPlainObject(answer)) return ["response", { role: "tool", tool_call_id: answer.id, content: asText(answer.response) }];
  const media = block.media;
  if (isPlainObject(media) && typeof media.url === "string") return ["content", { type: "image_url", image_url: { url: media.url } }];
  return undefined;
}

/**
 * One message with a list of parts → an OpenAI message (text joined when it is all text,
 * tool calls lifted into `tool_calls`), followed by one `tool` message per tool response.
 */
function pushPartsMessage(out: unknown[], message: Json, partsKey: "parts" | "content", classify: (part: Json) => [PartKind, unknown]): void {
  const content: unknown[] = [];
  const calls: unknown[] = [];
  const responses: unknown[] = [];
  for (const part of message[partsKey] as unknown[]) {
    const [kind, value] = isPlainObject(part) ? classify(part) : (["content", part] as const);
    (kind === "call" ? calls : kind === "response" ? responses : content).push(value);
  }
  // A tool-role message carries only responses: they replace it.
  if (responses.length === 0 || content.length > 0 || calls.length > 0) {
    const result: Json = { role: message.role ?? "user", content: joinContent(content) };
    if (calls.length > 0) result.tool_calls = calls;
    copyExtras(result, message, partsKey);
    out.push(result);
  }
  out.push(...responses);
}

/** An OpenAI-shaped message whose tool_calls may be in a flattened or foreign form. */
function normalizeToolCalls(message: Json): Json {
  if (!Array.isArray(message.tool_calls)) return message;
  const copy: Json = {};
  for (const key of Object.keys(message)) setOwn(copy, key, message[key]);
  copy.tool_calls = message.tool_calls.map(toToolCall);
  return copy;
}

/**
 * Any tool-call form → `{id, type:"function", function:{name, arguments}}`: OpenAI's own,
 * `{id, name, arguments}` (semconv, Traceloop), `{toolCallId, toolName, input|args}` (AI SDK).
 */
export function toToolCall(call: unknown): ToolCall {
  if (!isPlainObject(call)) return { type: "function", function: { name: undefined, arguments: asText(call) } };
  const fn = isPlainObject(call.function) ? call.function : call;
  const id = call.id ?? call.toolCallId;
  const name = fn.name ?? call.toolName;
  const args = fn.arguments ?? call.input ?? call.args;
  const fields = { type: "function", function: { name, arguments: asText(args) } } as const;
  return id === undefined ? fields : { id, ...fields };
}

function toolResultValue(part: Json): unknown {
  const output = part.output ?? part.result;
  // AI SDK v5+: {type:"json"|"text", value}
  return isPlainObject(output) && "value" in output && typeof output.type === "string" ? output.value : output;
}

function joinContent(parts: unknown[]): unknown {
  if (parts.length === 0) return null;
  let text = "";
  for (const part of parts) {
    if (!isPlainObject(part) || part.type !== "text" || typeof part.text !== "string") return parts;
    text += part.text;
  }
  return text;
}

function textOfParts(parts: unknown[]): string | undefined {
  let text = "";
  for (const part of parts) {
    if (!isPlainObject(part)) return undefined;
    // semconv `{type:"text", content}`, or Bedrock `{text}` as Strands' legacy events send it
    const piece = part.type === "text" ? part.content : part.type === undefined ? part.text : undefined;
    if (typeof piece !== "string") return undefined;
    text += piece;
  }
  return text;
}

function copyExtras(target: Json, source: Json, skip: string): void {
  for (const key of Object.keys(source)) {
    if (key !== "role" && key !== skip && target[key] === undefined && source[key] !== undefined) setOwn(target, key, source[key]);
  }
}

/** A tool result as text: Bedrock `[{text}]` blocks (Strands) as their text, anything else as JSON. */
function resultText(value: unknown): string {
  return (Array.isArray(value) && blockText(value)) || asText(value);
}

/** Tool arguments and results travel as strings in OpenAI's format. */
function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * `JSON` content parts (a string starting with `[`) become parts, and Bedrock blocks that are
 * all text become that text; plain text stays text.
 */
export function contentOf(value: unknown): unknown {
  if (typeof value !== "string" || value.charCodeAt(0) !== 91 /* [ */) return value;
  const parsed = parseMaybeJson(value);
  if (!Array.isArray(parsed) || !parsed.every(isPlainObject)) return value;
  if (parsed.every((p) => typeof p.type === "string")) return parsed;
  const text = blockText(parsed);
  return text ?? value;
}

/** The text of a list of untyped `{text}` blocks, or undefined when any block is something else. */
function blockText(blocks: readonly unknown[]): string | undefined {
  let text = "";
  for (const block of blocks) {
    if (!isPlainObject(block) || block.type !== undefined || typeof block.text !== "string") return undefined;
    text += block.text;
  }
  return blocks.length > 0 ? text : undefined;
}

/**
 * Messages from one role's list of parts or blocks (any accepted kind): text joined, tool calls
 * lifted, tool results as `tool` messages. For events that carry a message's content alone.
 */
export function messagesFromParts(role: string, parts: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  pushPartsMessage(out, { role, content: parts }, "content", aiSdkPart);
  return out;
}

/** Messages rebuilt from an indexed form: content that holds JSON parts is parsed, tool calls normalized. */
export function indexedMessages(list: unknown[]): unknown[] {
  return list.map((entry) => {
    if (!isPlainObject(entry)) return entry;
    const message: Json = {};
    for (const key of Object.keys(entry)) setOwn(message, key, key === "content" ? contentOf(entry[key]) : entry[key]);
    return normalizeToolCalls(message);
  });
}
