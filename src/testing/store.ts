// The server's state: the catalog of projects and experiments, and the rows of each
// project's logs and of each experiment, with the API's write semantics (replace by
// id, `_is_merge`, delete) and its read semantics (pages of whole traces, newest first).
import { randomUUID } from "node:crypto";
import type { BraintrustEvent } from "../convert/types.js";
import { AttachmentStore } from "./attachment-store.js";
import { Catalog } from "./catalog.js";
import { type FetchQuery, encodeCursor } from "./fetch-args.js";
import { type Journal, type JournalEntry, type ObjectKind } from "./journal.js";
import { deepMerge, deleteFromArray } from "./merge.js";
import { SpanFold } from "./span-fold.js";

export type { ObjectKind } from "./journal.js";
export type { Experiment, Project } from "./catalog.js";

/** A stored row: what was sent, after replace/merge, plus the fields the server adds. */
export type Row = Partial<Omit<BraintrustEvent, "span_attributes" | "metrics">> & {
  id: string;
  _xact_id: string;
  created: string;
  span_id: string;
  root_span_id: string;
  // Looser than what the exporter writes: rows may come from any client.
  metrics?: Record<string, number>;
  span_attributes?: { name?: string; type?: string; [key: string]: unknown };
  [key: string]: unknown;
};

/** A page of rows; `cursor` is left out only when the page is empty, as in the API. */
export interface FetchPage {
  events: Row[];
  cursor?: string;
}

type Json = Record<string, unknown>;

export class LocalStore {
  readonly catalog: Catalog;
  /** OTLP spans and the GenAI log records that fold into their rows. */
  readonly spanFold = new SpanFold();
  private readonly objects = new Map<string, Map<string, Row>>();
  // Microseconds since the epoch, like the real API's ordering of transactions.
  private lastXact = Date.now() * 1000;

  constructor(
    private readonly journal?: Journal,
    /** Attachments' metadata and bytes (attachment-routes.ts). */
    readonly attachments: AttachmentStore = new AttachmentStore(),
  ) {
    this.catalog = new Catalog(journal);
    if (journal) this.replay(journal.load());
  }

  /** Stored rows in the order their ids were first written. */
  rows(object: ObjectKind, objectId: string): Row[] {
    return [...(this.objects.get(key(object, objectId))?.values() ?? [])];
  }

  /** Writes already-validated events; returns their row ids, in order. */
  insert(object: ObjectKind, objectId: string, events: readonly Json[]): string[] {
    const rows = this.rowsMap(object, objectId);
    const entries: JournalEntry[] = [];
    const ids = events.map((event) => {
      const { _is_merge, _merge_paths, _object_delete, _array_delete, ...fields } = event;
      const id = typeof fields.id === "string" && fields.id !== "" ? fields.id : randomUUID();
      const existing = rows.get(id);
      if (_object_delete === true) {
        rows.delete(id);
        entries.push({ kind: "delete", object, objectId, id });
        return id;
      }
      let body = _is_merge === true && existing ? deepMerge(existing, fields, (_merge_paths as string[][]) ?? []) : fields;
      for (const { path, delete: remove } of (_array_delete as { path: string[]; delete: unknown[] }[]) ?? []) {
        body = deleteFromArray(body, path, remove);
      }
      const row = this.finish(object, objectId, id, body, existing);
      rows.set(id, row);
      entries.push({ kind: "row", object, objectId, row });
      return id;
    });
    this.journal?.append(entries);
    return ids;
  }

  /**
   * A page of whole traces, newest activity first; `limit` counts traces. The cursor
   * is the position after the page's last trace, so pages do not shift when rows
   * arrive meanwhile (a trace updated later shows up on a new read).
   */
  fetch(object: ObjectKind, objectId: string, query: FetchQuery = {}): FetchPage {
    const { limit, before = Infinity, below, filters = [] } = query;
    const traces = new Map<string, { newest: number; rows: Row[] }>();
    for (const row of this.rows(object, objectId)) {
      if (below && !isBelow(row, below)) continue;
      if (!filters.every((f) => sameJson(valueAt(row, f.path), f.value))) continue;
      const trace = traces.get(row.root_span_id) ?? { newest: 0, rows: [] };
      trace.newest = Math.max(trace.newest, Number(row._xact_id));
      trace.rows.push(row);
      traces.set(row.root_span_id, trace);
    }
    const older = [...traces.values()].filter((t) => t.newest < before).sort((a, b) => b.newest - a.newest);
    const page = limit === undefined ? older : older.slice(0, limit);
    if (page.length === 0) return { events: [] };
    const events = page.flatMap((t) => t.rows.sort((a, b) => Number(b._xact_id) - Number(a._xact_id)));
    // Even the last page carries one: the client learns it is done from the empty page after it.
    return { events, cursor: encodeCursor(page[page.length - 1]!.newest) };
  }

  /** Adds the fields every stored row has; ids the client left out are generated. */
  private finish(object: ObjectKind, objectId: string, id: string, body: Json, existing: Row | undefined): Row {
    const spanId = nonEmpty(body.span_id) ?? existing?.span_id ?? randomUUID();
    const scope =
      object === "project_logs"
        ? { project_id: objectId, org_id: this.catalog.project(objectId)?.org_id ?? this.catalog.orgId, log_id: "g" }
        : { project_id: this.catalog.experiment(objectId)?.project_id, experiment_id: objectId };
    return {
      ...body,
      id,
      span_id: spanId,
      root_span_id: nonEmpty(body.root_span_id) ?? spanId,
      created: nonEmpty(body.created) ?? existing?.created ?? new Date().toISOString(),
      _xact_id: String(++this.lastXact),
      ...scope,
    };
  }

  private rowsMap(object: ObjectKind, objectId: string): Map<string, Row> {
    let rows = this.objects.get(key(object, objectId));
    if (!rows) this.objects.set(key(object, objectId), (rows = new Map()));
    return rows;
  }

  private replay(entries: readonly JournalEntry[]): void {
    for (const entry of entries) {
      if (this.catalog.replay(entry)) continue;
      if (entry.kind === "row") {
        const row = entry.row as Row;
        this.rowsMap(entry.object, entry.objectId).set(row.id, row);
        this.lastXact = Math.max(this.lastXact, Number(row._xact_id) || 0);
      } else if (entry.kind === "delete") {
        this.rowsMap(entry.object, entry.objectId).delete(entry.id);
      }
    }
  }
}

const key = (object: ObjectKind, objectId: string) => `${object}:${objectId}`;
const nonEmpty = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The pair (_xact_id, root_span_id) of the row is below the given one, compared in that order. */
function isBelow(row: Row, below: NonNullable<FetchQuery["below"]>): boolean {
  const xact = Number(row._xact_id);
  if (xact !== below.xact) return xact < below.xact;
  return below.rootSpanId !== undefined && row.root_span_id < below.rootSpanId;
}

function valueAt(row: Json, path: readonly string[]): unknown {
  let value: unknown = row;
  for (const key of path) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    value = (value as Json)[key];
  }
  return value;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && sameJson((a as Json)[k], (b as Json)[k]));
}
