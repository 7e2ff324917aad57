// `tail`: print a project's recent traces as trees, then (with --follow) every trace
// that is new or has changed since, by polling the fetch endpoint.
import { setTimeout as sleep } from "node:timers/promises";
import { type ApiTarget, ApiReadError, attachmentSize, fetchLogs, findProjectId, readProjectLog } from "../testing/read-log.js";
import { attachmentRefs } from "../view/attachments.js";
import { type TraceRow, compareXactIds, renderTraceTree } from "../view/trace-tree.js";
import { terminalSafe } from "../view/terminal-text.js";
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
/** While nothing changes, polls back off up to this, so an idle `tail` barely shows in the `dev` log. */
const MAX_IDLE_INTERVAL_MS = 10_000;

export async function tail(options: TailOptions, out: Output, signal: AbortSignal): Promise<void> {
  const projectId = options.projectId ?? (await findProjectId(options, options.project!));
  const traces = new TraceBook();

  const { apiKey, apiUrl, orgName, limit } = options;
  const first = await readProjectLog({ apiKey, apiUrl, orgName, projectId, limit });
  traces.add(first);
  await sizeAttachments(options, first);
  const label = options.project ? `project "${terminalSafe(options.project)}"` : `project ${terminalSafe(projectId)}`;
  if (first.length > 0) out.write(render(first, out) + "\n");
  else out.note(`No traces yet in ${label}.`);
  if (!options.follow) return;
  out.note(`Watching ${label} for new traces… (Ctrl+C to stop)`);

  let failing = false;
  let delay = options.intervalMs;
  while (!signal.aborted) {
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      return; // aborted: Ctrl+C ends a follow normally
    }
    try {
      const changed = await readChanges(options, projectId, traces);
      if (failing) out.note("Reconnected.");
      failing = false;
      const rows = [...changed].flatMap((root) => traces.rows(root));
      await sizeAttachments(options, rows);
      if (rows.length > 0) out.write("\n" + render(rows, out) + "\n");
      delay = rows.length > 0 ? options.intervalMs : idleDelay(delay, options.intervalMs);
    } catch (err) {
      if (!(err instanceof ApiReadError) || err.fatal) throw err;
      if (!failing) out.note(`${err.message} Retrying.`);
      failing = true;
      delay = idleDelay(delay, options.intervalMs);
    }
  }
}

/** Sizes of attachments looked up, by key (undefined: could not be known). */
const sizes = new Map<string, number | undefined>();
/** Lookups per print at most, so a trace full of images cannot stall the output. */
const MAX_SIZE_LOOKUPS = 32;

/** Writes each attachment reference's size into it (`[image/png 293 KB]`), as far as the store says. */
async function sizeAttachments(target: ApiTarget, rows: readonly TraceRow[]): Promise<void> {
  const refs = rows.flatMap((row) => attachmentRefs([row.input, row.output]));
  const unknown = [...new Set(refs.map((r) => r.key).filter((key) => !sizes.has(key)))].slice(0, MAX_SIZE_LOOKUPS);
  await Promise.all(unknown.map(async (key) => sizes.set(key, await attachmentSize(target, refs.find((r) => r.key === key)!))));
  if (sizes.size > 10_000) sizes.clear();
  for (const ref of refs) {
    const size = sizes.get(ref.key);
    if (size !== undefined) ref.size = size;
  }
}

/** The next wait after a poll that brought nothing: twice the last, up to the idle cap. */
function idleDelay(last: number, interval: number): number {
  return Math.min(last * 2, Math.max(interval, MAX_IDLE_INTERVAL_MS));
}

/** Reads pages, newest traces first, until one brings nothing new; returns the traces that changed. */
async function readChanges(target: ApiTarget, projectId: string, traces: TraceBook): Promise<Set<string>> {
  const changed = new Set<string>();
  let cursor: string | null = null;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await fetchLogs(target, projectId, FOLLOW_PAGE, cursor);
    const now = traces.add(page.events);
    for (const root of now) changed.add(root);
    if (now.size === 0 || page.cursor === null) break;
    cursor = page.cursor;
  }
  return changed;
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
const render = (rows: TraceRow[], out: Output) => renderTraceTree(rows, { width: out.width, color: out.color, traceHeader: true });
