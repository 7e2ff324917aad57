// `tail`: print a project's recent traces as trees, then (with --follow) every trace
// that is new or has changed since, by polling the fetch endpoint.
import { setTimeout as sleep } from "node:timers/promises";
import { type ApiTarget, ApiReadError, fetchLogs, findProjectId } from "../testing/read-log.js";
import { type TraceRow, compareXactIds, renderTraceTree } from "../trace-tree.js";
import type { Output } from "./output.js";

export interface TailOptions extends ApiTarget {
  project?: string;
  projectId?: string;
  follow: boolean;
  /** Traces to print first. */
  limit: number;
  intervalMs: number;
}

/** Traces per page while following: changes since the last poll are usually few. */
const FOLLOW_PAGE = 50;
/** Pages read per poll at most, so a flood of writes cannot stall the loop. */
const MAX_PAGES = 100;
/** Traces remembered while following; the oldest are forgotten past this. */
const MAX_TRACES = 5_000;

export async function tail(options: TailOptions, out: Output, signal: AbortSignal): Promise<void> {
  const projectId = options.projectId ?? (await findProjectId(options, options.project!));
  const traces = new TraceBook();

  const first = await readPages(options, projectId, options.limit, (page, roots) => roots.size < options.limit && page.cursor !== null);
  const newest = [...new Set(first.map(rootOf))].slice(0, options.limit);
  traces.add(first.filter((row) => newest.includes(rootOf(row))));
  const shown = newest.flatMap((root) => traces.rows(root));
  if (shown.length > 0) out.write(render(shown, out) + "\n");
  else out.note(`No traces yet in ${options.project ? `project "${options.project}"` : `project ${projectId}`}.`);
  if (!options.follow) return;

  let failing = false;
  while (!signal.aborted) {
    try {
      await sleep(options.intervalMs, undefined, { signal });
    } catch {
      return; // aborted: Ctrl+C ends a follow normally
    }
    try {
      let changed = new Set<string>();
      await readPages(options, projectId, FOLLOW_PAGE, (page) => {
        const now = traces.add(page.events);
        changed = new Set([...changed, ...now]);
        return now.size > 0 && page.cursor !== null;
      });
      if (failing) out.note("Reconnected.");
      failing = false;
      const rows = [...changed].flatMap((root) => traces.rows(root));
      if (rows.length > 0) out.write("\n" + render(rows, out) + "\n");
    } catch (err) {
      if (!(err instanceof ApiReadError) || err.fatal) throw err;
      if (!failing) out.note(`${err.message} Retrying every ${options.intervalMs} ms.`);
      failing = true;
    }
  }
}

/** Reads pages (newest traces first) while `more` says so; returns every row read. */
async function readPages(
  target: ApiTarget,
  projectId: string,
  limit: number,
  more: (page: { events: TraceRow[]; cursor: string | null }, roots: Set<string>) => boolean,
): Promise<TraceRow[]> {
  const rows: TraceRow[] = [];
  const roots = new Set<string>();
  let cursor: string | null = null;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await fetchLogs(target, projectId, limit, cursor);
    rows.push(...page.events);
    for (const row of page.events) roots.add(rootOf(row));
    if (page.events.length === 0 || !more(page, roots)) break;
    cursor = page.cursor;
  }
  return rows;
}

/**
 * The rows seen so far, by trace. A page may repeat rows, old versions included:
 * a row counts as changed only when its `_xact_id` is one not seen before.
 */
class TraceBook {
  private readonly byRoot = new Map<string, Map<string, TraceRow>>();

  /** Stores the rows; returns the traces that gained a new or changed row, newest first. */
  add(rows: readonly TraceRow[]): Set<string> {
    const changed = new Set<string>();
    for (const row of rows) {
      const root = rootOf(row);
      const id = String(row.id ?? row.span_id ?? JSON.stringify(row));
      const trace = this.byRoot.get(root) ?? new Map<string, TraceRow>();
      const seen = trace.get(id);
      if (seen && compareXactIds(seen._xact_id, row._xact_id) >= 0) continue;
      trace.set(id, row);
      this.byRoot.delete(root); // re-insert: the Map's order is recency, for eviction
      this.byRoot.set(root, trace);
      changed.add(root);
    }
    while (this.byRoot.size > MAX_TRACES) this.byRoot.delete(this.byRoot.keys().next().value!);
    return changed;
  }

  rows(root: string): TraceRow[] {
    return [...(this.byRoot.get(root)?.values() ?? [])];
  }
}

const rootOf = (row: TraceRow): string => String(row.root_span_id ?? row.span_id ?? row.id ?? "");
/** Oldest trace first (the renderer orders them), so the newest ends up at the bottom. */
const render = (rows: TraceRow[], out: Output) => renderTraceTree(rows, { width: out.width, color: out.color });
