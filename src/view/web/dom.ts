/// <reference lib="dom" />
// The few DOM helpers the viewer is written with, and the two renderers of a value:
// chat messages as role + text (tool calls and results named as such), anything else
// as collapsible JSON. Data only ever goes in as text, never as HTML.
import { type ChatMessage, chatMessages } from "../messages.js";

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
export function renderValue(value: unknown): HTMLElement {
  const messages = chatMessages(value);
  return messages ? renderChat(messages) : el("div", { class: "json" }, renderJson(value, 0));
}

function renderChat(messages: ChatMessage[]): HTMLElement {
  return el(
    "div",
    { class: "chat" },
    ...messages.map((m) =>
      el(
        "div",
        { class: `msg role-${m.role}` },
        el("div", { class: "role" }, m.role === "tool" ? `tool result${m.toolCallId ? ` · ${m.toolCallId}` : ""}` : m.role),
        m.text !== "" && el("div", { class: "text" }, m.text),
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
