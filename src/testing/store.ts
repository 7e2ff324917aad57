// The server's state: projects, and the rows of each project's logs and of each
// experiment, with the API's write semantics (replace by id, `_is_merge`, delete)
// and its read semantics (pages of whole traces, newest first).
import { randomUUID } from "node:crypto";
import type { BraintrustEvent } from "../convert/types.js";
import { type Journal, type JournalEntry, type ObjectKind } from "./journal.js";
import { deepMerge, deleteFromArray } from "./merge.js";

export type { ObjectKind } from "./journal.js";

/** A project as `POST /v1/project` returns it (the spec's `Project`). */
export interface Project {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  created: string;
  deleted_at: null;
  user_id: string;
  settings: null;
}

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

export interface FetchPage {
  events: Row[];
  cursor: string | null;
}

type Json = Record<string, unknown>;

export class LocalStore {
  private readonly projectsById = new Map<string, Project>();
  private readonly objects = new Map<string, Map<string, Row>>();
  private orgId: string = randomUUID();
  private readonly userId: string = randomUUID();
  // Microseconds since the epoch, like the real API's ordering of transactions.
  private lastXact = Date.now() * 1000;

  constructor(private readonly journal?: Journal) {
    if (journal) this.replay(journal.load());
  }

  /** Creates the project, or returns the existing one with that name unchanged. */
  createProject(name: string, description?: string | null): Project {
    const existing = this.projectByName(name);
    if (existing) return existing;
    const project: Project = {
      id: randomUUID(),
      org_id: this.orgId,
      name,
      description: description ?? null,
      created: new Date().toISOString(),
      deleted_at: null,
      user_id: this.userId,
      settings: null,
    };
    this.projectsById.set(project.id, project);
    this.journal?.append([{ kind: "project", project: { ...project } }]);
    return project;
  }

  projects(): Project[] {
    return [...this.projectsById.values()];
  }

  project(id: string): Project | undefined {
    return this.projectsById.get(id);
  }

  projectByName(name: string): Project | undefined {
    return this.projects().find((p) => p.name === name);
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
   * A page of whole traces, newest activity first; `limit` counts traces. The
   * cursor is the position after the page's last trace, so pages do not shift
   * when rows arrive meanwhile (a trace updated later shows up on a new read).
   */
  fetch(object: ObjectKind, objectId: string, limit: number | undefined, cursor: string | undefined): FetchPage {
    const before = cursor === undefined ? Infinity : decodeCursor(cursor);
    const traces = new Map<string, { newest: number; rows: Row[] }>();
    for (const row of this.rows(object, objectId)) {
      const trace = traces.get(row.root_span_id) ?? { newest: 0, rows: [] };
      trace.newest = Math.max(trace.newest, Number(row._xact_id));
      trace.rows.push(row);
      traces.set(row.root_span_id, trace);
    }
    const older = [...traces.values()].filter((t) => t.newest < before).sort((a, b) => b.newest - a.newest);
    const page = limit === undefined ? older : older.slice(0, limit);
    const events = page.flatMap((t) => t.rows.sort((a, b) => Number(b._xact_id) - Number(a._xact_id)));
    const more = page.length < older.length;
    return { events, cursor: more ? encodeCursor(page[page.length - 1]!.newest) : null };
  }

  /** Adds the fields every stored row has; ids the client left out are generated. */
  private finish(object: ObjectKind, objectId: string, id: string, body: Json, existing: Row | undefined): Row {
    const spanId = nonEmpty(body.span_id) ?? existing?.span_id ?? randomUUID();
    const scope =
      object === "project_logs"
        ? { project_id: objectId, org_id: this.projectsById.get(objectId)?.org_id ?? this.orgId, log_id: "g" }
        : { experiment_id: objectId };
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
      if (entry.kind === "project") {
        const project = entry.project as unknown as Project;
        this.projectsById.set(project.id, project);
        this.orgId = project.org_id;
      } else if (entry.kind === "row") {
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

function encodeCursor(newest: number): string {
  return Buffer.from(JSON.stringify({ before: newest })).toString("base64url");
}

/** The position a cursor stands for; throws on anything this server did not issue. */
export function decodeCursor(cursor: string): number {
  try {
    const { before } = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { before?: unknown };
    if (typeof before === "number" && Number.isFinite(before)) return before;
  } catch {
    // fall through to the same error as a well-formed but foreign cursor
  }
  throw new Error("invalid cursor");
}
