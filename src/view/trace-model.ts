// Log rows → traces: the span tree, each span's place on the trace's timeline, and the
// per-trace summary (root name, start, duration, tokens, errors). Built once here and
// drawn twice: as text by `tail` (trace-tree.ts) and as a waterfall by the web viewer.
// Pure and free of Node APIs, since the viewer's browser bundle includes it.

/** The fields the views read; rows from the API carry more, all ignored. */
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

export interface SpanNode {
  row: TraceRow;
  spanId: string | undefined;
  /** Unix seconds; Infinity when the row has neither metrics.start nor created. */
  start: number;
  /** Unix seconds, when the span has ended. */
  end: number | undefined;
  /** Position among the rows as given, the last tie-breaker. */
  order: number;
  children: SpanNode[];
}

/** A span as a waterfall draws it: in tree order, with its depth and place on the timeline. */
interface WaterfallBar {
  node: SpanNode;
  depth: number;
  /** Seconds after the trace's start. */
  offset: number;
  /** Seconds; undefined while the span runs. */
  duration: number | undefined;
}

export interface TraceModel {
  /** The root_span_id (or the only span's id). */
  id: string;
  roots: SpanNode[];
  /** Every span, depth first, children by start time. */
  bars: WaterfallBar[];
  name: string;
  /** Unix seconds (Infinity when unknown). */
  start: number;
  /** Seconds from the first start to the last end. */
  duration: number | undefined;
  tokens: number | undefined;
  /** Spans with an error. */
  errors: number;
  /** The newest _xact_id among its rows: traces sort by it, newest first. */
  newestXact: string;
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

/** The rows as traces, oldest first (each row once, in its latest version). */
export function buildTraces(rows: readonly TraceRow[]): TraceModel[] {
  return groupByTrace(latestVersions(rows)).map(([id, trace]) => traceModel(id, trace));
}

function traceModel(id: string, rows: TraceRow[]): TraceModel {
  const roots = buildForest(rows);
  const nodes: { node: SpanNode; depth: number }[] = [];
  const walk = (node: SpanNode, depth: number) => {
    nodes.push({ node, depth });
    node.children.forEach((child) => walk(child, depth + 1));
  };
  roots.forEach((root) => walk(root, 0));
  const start = Math.min(...nodes.map(({ node }) => node.start));
  const ends = nodes.map(({ node }) => node.end).filter((e): e is number => e !== undefined);
  const end = ends.length > 0 ? Math.max(...ends) : undefined;
  const known = Number.isFinite(start);
  const bars = nodes.map(({ node, depth }) => ({
    node,
    depth,
    offset: known && Number.isFinite(node.start) ? node.start - start : 0,
    duration: node.end !== undefined && Number.isFinite(node.start) && node.end >= node.start ? node.end - node.start : undefined,
  }));
  // The trace's tokens are its LLM calls' tokens; a parent's own total would count them twice.
  const tokenCounts = nodes.map(({ node }) => tokenCount(node.row)).filter((n): n is number => n !== undefined);
  const llmTokens = nodes.filter(({ node }) => spanType(node.row) === "llm").map(({ node }) => tokenCount(node.row) ?? 0);
  const tokens = llmTokens.some((n) => n > 0) ? llmTokens.reduce((a, b) => a + b, 0) : tokenCounts.length > 0 ? Math.max(...tokenCounts) : undefined;
  return {
    id,
    roots,
    bars,
    name: roots[0] ? spanName(roots[0].row) : "(empty)",
    start,
    duration: known && end !== undefined && end >= start ? end - start : undefined,
    tokens,
    errors: nodes.filter(({ node }) => errorText(node.row.error) !== undefined).length,
    newestXact: rows.map((r) => r._xact_id).reduce<unknown>((a, b) => (compareXactIds(a, b) >= 0 ? a : b), "") as string,
  };
}

/** Rows per trace, oldest trace first. */
function groupByTrace(rows: readonly TraceRow[]): [string, TraceRow[]][] {
  const traces = new Map<string, TraceRow[]>();
  rows.forEach((row, i) => {
    const key = text(row.root_span_id) ?? text(row.span_id) ?? text(row.id) ?? `#${i}`;
    const trace = traces.get(key);
    if (trace) trace.push(row);
    else traces.set(key, [row]);
  });
  const earliest = new Map([...traces.values()].map((t) => [t, Math.min(...t.map(startOf))]));
  return [...traces.entries()].sort(([, a], [, b]) => earliest.get(a)! - earliest.get(b)!);
}

/**
 * Parent links from `span_parents`. A span whose parents are not in the trace (not
 * sent yet, or filtered out) is shown at root level rather than dropped; so is any
 * span caught in a parent cycle.
 */
function buildForest(rows: readonly TraceRow[]): SpanNode[] {
  const nodes = rows.map((row, order): SpanNode => ({ row, spanId: text(row.span_id), start: startOf(row), end: endOf(row), order, children: [] }));
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
  const byStart = (a: SpanNode, b: SpanNode) => a.start - b.start || compareXactIds(a.row._xact_id, b.row._xact_id) || a.order - b.order;
  for (const node of nodes) node.children.sort(byStart);
  return roots.sort(byStart);
}

export function spanName(row: TraceRow): string {
  return text(record(row.span_attributes).name) ?? "(unnamed)";
}

export function spanType(row: TraceRow): string | undefined {
  return text(record(row.span_attributes).type);
}

/** `metrics.tokens`, else prompt + completion. */
export function tokenCount(row: TraceRow): number | undefined {
  const m = record(row.metrics);
  const n = (k: string) => (typeof m[k] === "number" && Number.isFinite(m[k]) ? (m[k] as number) : undefined);
  const total = n("tokens");
  if (total !== undefined) return total;
  const [prompt, completion] = [n("prompt_tokens"), n("completion_tokens")];
  return prompt === undefined && completion === undefined ? undefined : (prompt ?? 0) + (completion ?? 0);
}

/** An error of any shape as text (the whole of it; views cut it); undefined when there is none. */
export function errorText(error: unknown): string | undefined {
  if (error === undefined || error === null || error === "") return undefined;
  if (typeof error === "string") return error;
  const e = record(error);
  if (text(e.message)) return [text(e.name), text(e.message)].filter(Boolean).join(": ");
  try {
    return JSON.stringify(error) ?? "error";
  } catch {
    return "error";
  }
}

/** "<1ms", "12ms", "1.50s"; "running" for a span that has not ended. */
export function formatDuration(seconds: number | undefined): string | undefined {
  if (seconds === undefined) return undefined;
  const ms = seconds * 1000;
  if (!(ms >= 0)) return undefined;
  if (ms < 1) return "<1ms";
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}

function startOf(row: TraceRow): number {
  const start = record(row.metrics).start;
  if (typeof start === "number") return start;
  const created = typeof row.created === "string" ? Date.parse(row.created) / 1000 : NaN;
  return Number.isNaN(created) ? Infinity : created;
}

function endOf(row: TraceRow): number | undefined {
  const end = record(row.metrics).end;
  return typeof end === "number" ? end : undefined;
}

export const record = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined);
