import { type AttachmentRef, attachmentLabel, attachmentRefs } from "./attachments.js";

// LLM chat messages recognized in a row's input or output, so views show "user: …" and
// "assistant: …" instead of JSON. The converter writes OpenAI-style messages
// ({role, content, tool_calls?, tool_call_id?}) whatever the source convention; rows
// from other clients may hold choices ({message}) or content parts, read here too.

interface ToolCall {
  id?: string;
  name: string;
  /** The arguments as written (usually JSON text). */
  arguments: string;
}

/** One content part as views show it: text, or an attachment where it was among the text. */
export type MessagePart = { kind: "text"; text: string } | { kind: "attachment"; ref: AttachmentRef };

export interface ChatMessage {
  role: string;
  /** The text parts joined (attachments as `[image/png 293 KB]`); "" when the message only calls tools. */
  text: string;
  /** The content in order, when it holds attachments: for views that show them where they were. */
  parts?: MessagePart[];
  toolCalls: ToolCall[];
  /** On a tool result: the call it answers. */
  toolCallId?: string;
}

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function", "model"]);

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The value as chat messages, or undefined when it is not a list of them. */
export function chatMessages(value: unknown): ChatMessage[] | undefined {
  const items = Array.isArray(value) ? value : record(value) ? [value] : [];
  if (items.length === 0) return undefined;
  const messages: ChatMessage[] = [];
  for (const item of items) {
    const message = toMessage(record(record(item)?.message) ?? item);
    if (!message) return undefined;
    messages.push(message);
  }
  return messages;
}

function toMessage(value: unknown): ChatMessage | undefined {
  const m = record(value);
  if (!m || typeof m.role !== "string" || !ROLES.has(m.role)) return undefined;
  const toolCalls = (Array.isArray(m.tool_calls) ? m.tool_calls : []).map(toToolCall).filter((c): c is ToolCall => c !== undefined);
  const callId = typeof m.tool_call_id === "string" ? m.tool_call_id : undefined;
  const parts = contentParts(m.content);
  return {
    role: m.role,
    text: contentText(m.content),
    ...(parts.some((p) => p.kind === "attachment") ? { parts } : {}),
    toolCalls,
    ...(callId ? { toolCallId: callId } : {}),
  };
}

function toToolCall(value: unknown): ToolCall | undefined {
  const call = record(value);
  if (!call) return undefined;
  const fn = record(call.function) ?? call;
  const name = typeof fn.name === "string" ? fn.name : typeof call.toolName === "string" ? call.toolName : undefined;
  if (!name) return undefined;
  const args = fn.arguments ?? call.args ?? call.input;
  return { ...(typeof call.id === "string" ? { id: call.id } : {}), name, arguments: typeof args === "string" ? args : args === undefined ? "" : safeJson(args) };
}

/** A string, or content parts: text parts joined, others named ("[image]"). */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (content === undefined || content === null) return "";
  if (!Array.isArray(content)) return safeJson(content);
  return content
    .map((part) => {
      if (typeof part === "string") return part;
      const p = record(part);
      if (!p) return "";
      if (typeof p.text === "string") return p.text;
      const refs = attachmentRefs(p);
      if (refs.length > 0) return refs.map(attachmentLabel).join(" ");
      if (typeof p.content === "string") return p.content;
      return `[${typeof p.type === "string" ? p.type.replace(/_url$/, "") : "part"}]`;
    })
    .filter((t) => t !== "")
    .join("\n");
}

/** Text and attachments in order; empty for content without attachments. */
function contentParts(content: unknown): MessagePart[] {
  const items = Array.isArray(content) ? content : [content];
  const parts: MessagePart[] = [];
  for (const item of items) {
    const p = record(item);
    if (typeof item === "string") parts.push({ kind: "text", text: item });
    else if (p && typeof p.text === "string") parts.push({ kind: "text", text: p.text });
    else if (p && typeof p.content === "string" && p.type !== "blob") parts.push({ kind: "text", text: p.content });
    else for (const ref of attachmentRefs(item)) parts.push({ kind: "attachment", ref });
  }
  return parts.some((p) => p.kind === "attachment") ? parts : [];
}

/** For one-line views: the last user message's text. */
export function lastUserText(messages: readonly ChatMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === "user" && messages[i]!.text !== "") return messages[i]!.text;
  return undefined;
}

/** For one-line views: what the assistant answered, its text or its tool calls. */
export function answerText(messages: readonly ChatMessage[]): string | undefined {
  const answer = [...messages].reverse().find((m) => m.role === "assistant" || m.role === "model") ?? messages[messages.length - 1];
  if (!answer) return undefined;
  const calls = answer.toolCalls.map((c) => `${c.name}(${c.arguments})`).join(", ");
  if (answer.text && calls) return `${answer.text} ${calls}`;
  return answer.text || calls || undefined;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "[unserializable]";
  }
}
