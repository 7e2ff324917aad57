/// <reference lib="dom" />
// The few DOM helpers the viewer is written with, and the two renderers of a value:
// chat messages as role + text (tool calls and results named as such), anything else
// as collapsible JSON. Data only ever goes in as text, never as HTML.
import { type AttachmentRef, attachmentLabel } from "../attachments.js";
import { type ChatMessage, type MessagePart, chatMessages } from "../messages.js";

/** Where an attachment can be downloaded from (the store's signed URL), or undefined. */
export type AttachmentUrl = (ref: AttachmentRef) => Promise<string | undefined>;

type Child = Node | string | undefined | false;

/** An element with attributes (`class`, `data-*`, `aria-*`, …), `on*` handlers and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | ((e: Event) => void) | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    // ARIA states are the words "true" and "false"; other booleans are present or absent.
    if (name.startsWith("aria-") && typeof value === "boolean") {
      node.setAttribute(name, String(value));
      continue;
    }
    if (value === undefined || value === false) continue;
    if (typeof value === "function") node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== undefined && child !== false) node.append(child);
  return node;
}

/** Input or output: chat as messages, everything else as JSON. */
export function renderValue(value: unknown, urlOf?: AttachmentUrl): HTMLElement {
  const messages = chatMessages(value);
  return messages ? renderChat(messages, urlOf) : el("div", { class: "json" }, renderJson(value, 0));
}

/**
 * An attachment where it was in the message: an image shown, audio with a player, anything
 * else as a download link. Its label stands in until the URL is known (or if it never is).
 */
function renderAttachment(ref: AttachmentRef, urlOf: AttachmentUrl | undefined): HTMLElement {
  const type = String(ref.content_type ?? "");
  const name = String(ref.filename ?? "attachment");
  const holder = el("div", { class: "attachment", "data-key": ref.key, "data-content-type": type }, el("span", { class: "attachment-label" }, attachmentLabel(ref)));
  void urlOf?.(ref)
    .then((url) => {
      if (!url) return;
      if (type.startsWith("image/")) holder.replaceChildren(el("img", { src: url, alt: name, title: name, loading: "lazy" }));
      else if (type.startsWith("audio/")) holder.replaceChildren(el("audio", { src: url, controls: true, title: name }));
      else if (type.startsWith("video/")) holder.replaceChildren(el("video", { src: url, controls: true, title: name }));
      else holder.replaceChildren(el("a", { href: url, download: name }, `${name} (${type || "file"})`));
    })
    .catch(() => {});
  return holder;
}

function renderParts(parts: MessagePart[], urlOf: AttachmentUrl | undefined): Node[] {
  return parts.map((p) => (p.kind === "text" ? el("div", { class: "text" }, p.text) : renderAttachment(p.ref, urlOf)));
}

function renderChat(messages: ChatMessage[], urlOf?: AttachmentUrl): HTMLElement {
  return el(
    "div",
    { class: "chat" },
    ...messages.map((m) =>
      el(
        "div",
        { class: `msg role-${m.role}` },
        el("div", { class: "role" }, m.role === "tool" ? `tool result${m.toolCallId ? ` · ${m.toolCallId}` : ""}` : m.role),
        ...(m.parts ? renderParts(m.parts, urlOf) : [m.text !== "" && el("div", { class: "text" }, m.text)]),
        ...m.toolCalls.map((call) =>
          el("div", { class: "tool-call" }, el("span", { class: "label" }, "tool call "), el("b", {}, call.name), el("code", {}, prettyArgs(call.arguments))),
        ),
      ),
    ),
  );
}

function prettyArgs(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

/** A JSON value as a tree: objects and arrays fold (the first two levels start open). */
export function renderJson(value: unknown, depth: number): Node {
  if (value === null || typeof value !== "object") {
    const kind = value === null ? "null" : typeof value;
    return el("span", { class: `j-${kind}` }, typeof value === "string" ? JSON.stringify(value) : String(value));
  }
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value as object);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return el("span", { class: "j-empty" }, open + close);
  const summary = Array.isArray(value) ? `${open} ${entries.length} item${entries.length === 1 ? "" : "s"} ${close}` : `${open} ${entries.map(([k]) => k).slice(0, 4).join(", ")}${entries.length > 4 ? ", …" : ""} ${close}`;
  return el(
    "details",
    { open: depth < 2 },
    el("summary", {}, summary),
    ...entries.map(([key, v]) => el("div", { class: "j-entry" }, el("span", { class: "j-key" }, `${key}: `), renderJson(v, depth + 1))),
  );
}
