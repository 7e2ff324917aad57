// Renders Braintrust log rows as trace trees for a terminal: one line per span with
// its type, duration, tokens, error and an input → output preview. Pure: it takes
// rows as fetched (any client's, possibly partial or repeated) and returns text.
import { columns, cutToColumns, terminalSafe } from "./terminal-text.js";

/** The fields the renderer reads; rows from the API carry more, all ignored. */
export interface TraceRow {
  id?: unknown;
  span_id?: unknown;
  root_span_id?: unknown;
  span_parents?: unknown;
  span_attributes?: unknown;
  metrics?: unknown;
  input?: unknown;
  output?: unknown;
  error?: unknown;
  created?: unknown;
  _xact_id?: unknown;
  [key: string]: unknown;
}

export interface RenderOptions {
  /** Columns per line; longer lines are cut with "…" (default 100). */
  width?: number;
  /** ANSI colors (default false). */
  color?: boolean;
}

interface SpanNode {
  row: TraceRow;
  spanId: string | undefined;
  start: number;
  order: number;
  children: SpanNode[];
}

type Style = "plain" | "name" | "type" | "time" | "tokens" | "error" | "preview";
type Segment = readonly [text: string, style: Style];

const ANSI: Record<Style, string> = {
  plain: "",
  name: "\x1b[1m",
  type: "\x1b[36m",
  time: "\x1b[33m",
  tokens: "\x1b[35m",
  error: "\x1b[31m",
  preview: "\x1b[2m",
};
const RESET = "\x1b[0m";
const MIN_WIDTH = 20;
const MIN_PREVIEW = 8;

export function renderTraceTree(rows: readonly TraceRow[], options: RenderOptions = {}): string {
  const width = Math.max(MIN_WIDTH, Math.floor(options.width ?? 100));
  return groupByTrace(latestVersions(rows))
    .map((trace) => {
      const lines: string[] = [];
      const draw = (node: SpanNode, lead: string, branch: string) => {
        lines.push(paint(fit([[lead + branch, "plain"], ...spanLine(node.row)], node.row, width), options.color === true));
        const below = lead + (branch === "├─ " ? "│  " : branch === "└─ " ? "   " : "");
        node.children.forEach((child, i) => draw(child, below, i === node.children.length - 1 ? "└─ " : "├─ "));
      };
      for (const root of buildForest(trace)) draw(root, "", "");
      return lines.join("\n");
    })
    .join("\n\n");
}

/**
 * Fetch pages may repeat a row in older versions: this keeps the newest of each id,
 * in the order ids were first seen. Rows without an id are all kept.
 */
export function latestVersions<T extends TraceRow>(rows: readonly T[]): T[] {
  const byId = new Map<string, T>();
  const anonymous: T[] = [];
  for (const row of rows) {
    const id = text(row.id) ?? text(row.span_id);
    if (id === undefined) {
      anonymous.push(row);
      continue;
    }
    const seen = byId.get(id);
    if (!seen || compareXactIds(row._xact_id, seen._xact_id) >= 0) byId.set(id, row);
  }
  return [...byId.values(), ...anonymous];
}

/**
 * Orders two `_xact_id`s. They are decimal strings beyond 2^53, so they are compared
 * as digit strings, not as numbers; anything else counts as the oldest.
 */
export function compareXactIds(a: unknown, b: unknown): number {
  const digits = (v: unknown) => (typeof v === "string" && /^\d+$/.test(v) ? v.replace(/^0+(?=\d)/, "") : "");
  const [x, y] = [digits(a), digits(b)];
  return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
}

/** Rows per trace, oldest trace first. */
function groupByTrace(rows: readonly TraceRow[]): TraceRow[][] {
  const traces = new Map<string, TraceRow[]>();
  rows.forEach((row, i) => {
    const key = text(row.root_span_id) ?? text(row.span_id) ?? text(row.id) ?? `#${i}`;
    const trace = traces.get(key);
    if (trace) trace.push(row);
    else traces.set(key, [row]);
  });
  const earliest = new Map([...traces.values()].map((t) => [t, Math.min(...t.map(startOf))]));
  return [...traces.values()].sort((a, b) => earliest.get(a)! - earliest.get(b)!);
}

/**
 * Parent links from `span_parents`. A span whose parents are not in the trace (not
 * sent yet, or filtered out) is shown at root level rather than dropped; so is any
 * span caught in a parent cycle.
 */
function buildForest(rows: readonly TraceRow[]): SpanNode[] {
  const nodes = rows.map((row, order): SpanNode => ({ row, spanId: text(row.span_id), start: startOf(row), order, children: [] }));
  const bySpanId = new Map<string, SpanNode>();
  for (const node of nodes) if (node.spanId !== undefined && !bySpanId.has(node.spanId)) bySpanId.set(node.spanId, node);

  const roots: SpanNode[] = [];
  for (const node of nodes) {
    const parents = Array.isArray(node.row.span_parents) ? node.row.span_parents : [];
    const parent = parents.map((p) => bySpanId.get(String(p))).find((p) => p !== undefined && p !== node);
    (parent ? parent.children : roots).push(node);
  }
  const reached = new Set<SpanNode>();
  const visit = (node: SpanNode) => {
    reached.add(node);
    node.children.forEach(visit);
  };
  roots.forEach(visit);
  for (const node of nodes) {
    if (reached.has(node)) continue;
    // In a cycle: detach it from its parent, so it is drawn once, at root level.
    for (const other of nodes) other.children = other.children.filter((c) => c !== node);
    roots.push(node);
    visit(node);
  }
  // Start times often tie: the OTel SDK takes them from Date.now(), in whole milliseconds.
  // Then the row written first (the span that ended first) goes first.
  const byStart = (a: SpanNode, b: SpanNode) =>
    a.start - b.start || compareXactIds(a.row._xact_id, b.row._xact_id) || a.order - b.order;
  for (const node of nodes) node.children.sort(byStart);
  return roots.sort(byStart);
}

/** Everything on a span's line except the tree glyphs and the previews. */
function spanLine(row: TraceRow): Segment[] {
  const attributes = record(row.span_attributes);
  const segments: Segment[] = [[clean(text(attributes.name) ?? "(unnamed)"), "name"]];
  const type = text(attributes.type);
  if (type) segments.push([` [${clean(type)}]`, "type"]);
  const duration = durationOf(record(row.metrics));
  if (duration) segments.push([` ${duration}`, "time"]);
  const tokens = tokensOf(record(row.metrics));
  if (tokens) segments.push([` ${tokens}`, "tokens"]);
  const error = errorOf(row.error);
  if (error) segments.push([` ✗ ${error}`, "error"]);
  return segments;
}

/** Cuts the line to `width`, then spends what is left on the input → output preview. */
function fit(head: Segment[], row: TraceRow, width: number): Segment[] {
  const used = head.reduce((n, [t]) => n + length(t), 0);
  if (used >= width) return cutSegments(head, width);
  const room = width - used - 2;
  const input = preview(row.input);
  const output = preview(row.output);
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

function durationOf(metrics: Record<string, unknown>): string | undefined {
  const { start, end } = metrics;
  if (typeof start !== "number") return undefined;
  if (typeof end !== "number") return "running";
  const ms = (end - start) * 1000;
  if (!(ms >= 0)) return undefined;
  if (ms < 1) return "<1ms";
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}

function tokensOf(metrics: Record<string, unknown>): string | undefined {
  const count = (k: string) => (typeof metrics[k] === "number" ? (metrics[k] as number) : undefined);
  const [prompt, completion, total] = [count("prompt_tokens"), count("completion_tokens"), count("tokens")];
  const split = [prompt === undefined ? "" : `${prompt} in`, completion === undefined ? "" : `${completion} out`].filter(Boolean).join(", ");
  if (total === undefined) return split || undefined;
  return split ? `${total} tok (${split})` : `${total} tok`;
}

/** The first line of an error, whatever its shape. */
function errorOf(error: unknown): string | undefined {
  if (error === undefined || error === null || error === "") return undefined;
  const e = record(error);
  const message =
    typeof error === "string" ? error : text(e.message) ? [text(e.name), text(e.message)].filter(Boolean).join(": ") : compactJson(error);
  return clean((message ?? "error").split(/\r?\n/, 1)[0]!);
}

function preview(value: unknown): string | undefined {
  return value === undefined ? undefined : compactJson(value);
}

function compactJson(value: unknown): string | undefined {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? undefined : clean(json);
  } catch {
    return "[unserializable]";
  }
}

function startOf(row: TraceRow): number {
  const start = record(row.metrics).start;
  if (typeof start === "number") return start;
  const created = typeof row.created === "string" ? Date.parse(row.created) / 1000 : NaN;
  return Number.isNaN(created) ? Infinity : created;
}

const record = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined);
/** Row data may hold newlines, ANSI escapes and bidi overrides: they would break the tree or the terminal. */
const clean = terminalSafe;
const length = columns;
const cut = cutToColumns;
