// Renders Braintrust log rows as trace trees for a terminal: one line per span with
// its type, duration, tokens, error and an input → output preview (for LLM calls, the
// last user message → the assistant's text or tool calls). Pure: it takes rows as
// fetched (any client's, possibly partial or repeated) and returns text. The tree
// itself comes from trace-model.ts, which the web viewer draws as a waterfall.
import { answerText, chatMessages, lastUserText } from "./messages.js";
import { columns, cutToColumns, terminalSafe } from "./terminal-text.js";
import { type SpanNode, type TraceModel, type TraceRow, buildTraces, errorText, formatDuration, record, spanName, spanType } from "./trace-model.js";

export { compareXactIds, latestVersions, type TraceRow } from "./trace-model.js";

export interface RenderOptions {
  /** Columns per line; longer lines are cut with "…" (default 100). */
  width?: number;
  /** ANSI colors (default false). */
  color?: boolean;
  /** A line above each tree with the trace id and its start time (what `tail` shows). */
  traceHeader?: boolean;
  /** For the start time in the header (default: the local time zone). */
  timeZone?: string;
}

type Style = "plain" | "name" | "type" | "time" | "tokens" | "error" | "preview" | "header";
type Segment = readonly [text: string, style: Style];

const ANSI: Record<Style, string> = {
  plain: "",
  name: "\x1b[1m",
  type: "\x1b[36m",
  time: "\x1b[33m",
  tokens: "\x1b[35m",
  error: "\x1b[31m",
  preview: "\x1b[2m",
  header: "\x1b[2m",
};
const RESET = "\x1b[0m";
const MIN_WIDTH = 20;
const MIN_PREVIEW = 8;

export function renderTraceTree(rows: readonly TraceRow[], options: RenderOptions = {}): string {
  const width = Math.max(MIN_WIDTH, Math.floor(options.width ?? 100));
  const color = options.color === true;
  return buildTraces(rows)
    .map((trace) => {
      const lines: string[] = [];
      if (options.traceHeader) lines.push(paint(cutSegments([[headerOf(trace, options.timeZone), "header"]], width), color));
      const draw = (node: SpanNode, lead: string, branch: string) => {
        lines.push(paint(fit([[lead + branch, "plain"], ...spanLine(node)], node.row, width), color));
        const below = lead + (branch === "├─ " ? "│  " : branch === "└─ " ? "   " : "");
        node.children.forEach((child, i) => draw(child, below, i === node.children.length - 1 ? "└─ " : "├─ "));
      };
      for (const root of trace.roots) draw(root, "", "");
      return lines.join("\n");
    })
    .join("\n\n");
}

/** "trace 4bf92f3577b34da6 · 2026-12-01 10:12:03": enough of the id to find it again. */
function headerOf(trace: TraceModel, timeZone: string | undefined): string {
  const id = clean(trace.id).slice(0, 16);
  if (!Number.isFinite(trace.start)) return `trace ${id}`;
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(trace.start * 1000));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `trace ${id} · ${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}:${part("second")}`;
}

/** Everything on a span's line except the tree glyphs and the previews. */
function spanLine(node: SpanNode): Segment[] {
  const row = node.row;
  const segments: Segment[] = [[clean(spanName(row)), "name"]];
  const type = spanType(row);
  if (type) segments.push([` [${clean(type)}]`, "type"]);
  const duration = node.start === Infinity ? undefined : node.end === undefined ? "running" : formatDuration(node.end - node.start);
  if (duration && typeof record(row.metrics).start === "number") segments.push([` ${duration}`, "time"]);
  const tokens = tokensOf(record(row.metrics));
  if (tokens) segments.push([` ${tokens}`, "tokens"]);
  const error = errorText(row.error);
  if (error !== undefined) segments.push([` ✗ ${clean(error.split(/\r?\n/, 1)[0]!)}`, "error"]);
  return segments;
}

/** Cuts the line to `width`, then spends what is left on the input → output preview. */
function fit(head: Segment[], row: TraceRow, width: number): Segment[] {
  const used = head.reduce((n, [t]) => n + length(t), 0);
  if (used >= width) return cutSegments(head, width);
  const room = width - used - 2;
  const [input, output] = previews(row);
  if (room < MIN_PREVIEW || (input === undefined && output === undefined)) return head;
  const inText = input ?? "";
  const outText = output ?? "";
  const budget = room - " → ".length;
  // Each side gets half, and one side's unused half goes to the other.
  const inRoom = Math.max(budget - Math.min(length(outText), Math.ceil(budget / 2)), Math.floor(budget / 2));
  const shownIn = cut(inText, Math.min(length(inText), inRoom));
  const shownOut = cut(outText, budget - length(shownIn));
  const shown = `${input === undefined ? "" : `${shownIn} `}→${output === undefined ? "" : ` ${shownOut}`}`;
  return [...head, [`  ${shown}`, "preview"]];
}

/** Chat messages read as what was said; anything else as compact JSON. */
function previews(row: TraceRow): [string | undefined, string | undefined] {
  const inMessages = chatMessages(row.input);
  const outMessages = chatMessages(row.output);
  const said = (s: string | undefined) => (s === undefined ? undefined : clean(JSON.stringify(s)));
  const input = inMessages ? said(lastUserText(inMessages) ?? inMessages[inMessages.length - 1]!.text) : preview(row.input);
  const output = outMessages ? said(answerText(outMessages)) : preview(row.output);
  return [input, output];
}

function cutSegments(segments: Segment[], width: number): Segment[] {
  const out: Segment[] = [];
  let left = width;
  for (const [t, style] of segments) {
    if (left <= 0) break;
    const shown = length(t) > left ? cut(t, left) : t;
    out.push([shown, style]);
    left -= length(shown);
  }
  return out;
}

function paint(segments: Segment[], color: boolean): string {
  return segments.map(([t, style]) => (color && style !== "plain" ? `${ANSI[style]}${t}${RESET}` : t)).join("");
}

function tokensOf(metrics: Record<string, unknown>): string | undefined {
  const count = (k: string) => (typeof metrics[k] === "number" ? (metrics[k] as number) : undefined);
  const [prompt, completion, total] = [count("prompt_tokens"), count("completion_tokens"), count("tokens")];
  const split = [prompt === undefined ? "" : `${prompt} in`, completion === undefined ? "" : `${completion} out`].filter(Boolean).join(", ");
  if (total === undefined) return split || undefined;
  return split ? `${total} tok (${split})` : `${total} tok`;
}

function preview(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    const json = JSON.stringify(value);
    return json === undefined ? undefined : clean(json);
  } catch {
    return "[unserializable]";
  }
}

/** Row data may hold newlines, ANSI escapes and bidi overrides: they would break the tree or the terminal. */
const clean = terminalSafe;
const length = columns;
const cut = cutToColumns;
