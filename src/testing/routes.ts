// The API's routes, as plain functions of a parsed request: no sockets here, so
// the HTTP plumbing (auth, faults, recording) stays in server.ts.
import type { FaultRoute } from "./faults.js";
import { type LocalStore, type ObjectKind, decodeCursor } from "./store.js";
import { validateInsertRequest } from "./validate-event.js";

export interface ApiRequest {
  method: string;
  params: string[];
  query: URLSearchParams;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Handler = (store: LocalStore, req: ApiRequest) => Reply;

interface Route {
  pattern: RegExp;
  /** Which fault setting covers this route. */
  group: FaultRoute;
  methods: Partial<Record<string, Handler>>;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const problem = (status: number, message: string): Reply => ({ status, body: { error: message } });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function createProject(store: LocalStore, { body }: ApiRequest): Reply {
  if (!isObject(body)) return problem(400, "Invalid request: body must be a JSON object");
  if (typeof body.name !== "string" || body.name.length === 0) {
    return problem(400, "Invalid request: name: must be a non-empty string");
  }
  for (const field of ["description", "org_name"]) {
    const value = body[field];
    if (value !== undefined && value !== null && typeof value !== "string") {
      return problem(400, `Invalid request: ${field}: must be string or null`);
    }
  }
  // One org serves every org_name: pointing an app that sets BRAINTRUST_ORG_NAME here just works.
  return ok(store.createProject(body.name, body.description as string | null | undefined));
}

function listProjects(store: LocalStore, { query }: ApiRequest): Reply {
  const name = query.get("project_name");
  return ok({ objects: store.projects().filter((p) => name === null || p.name === name) });
}

function getProject(store: LocalStore, { params }: ApiRequest): Reply {
  const project = store.project(params[0]!);
  return project ? ok(project) : problem(404, `No project with id ${params[0]}`);
}

function insert(object: ObjectKind): Handler {
  return (store, { params, body }) => {
    const objectId = params[0]!;
    if (object === "project_logs" && !store.project(objectId)) return problem(404, `No project with id ${objectId}`);
    const problems = validateInsertRequest(body);
    if (problems.length > 0) return problem(400, `Invalid request: ${problems.join("; ")}`);
    const events = (body as { events: Record<string, unknown>[] }).events;
    return ok({ row_ids: store.insert(object, objectId, events) });
  };
}

function fetchRows(object: ObjectKind): Handler {
  return (store, { method, params, query, body }) => {
    const objectId = params[0]!;
    if (object === "project_logs" && !store.project(objectId)) return problem(404, `No project with id ${objectId}`);
    if (method === "POST" && body !== undefined && !isObject(body)) {
      return problem(400, "Invalid request: body must be a JSON object");
    }
    const args = method === "POST" ? ((body ?? {}) as Record<string, unknown>) : Object.fromEntries(query);
    const limit = args.limit === undefined || args.limit === null ? undefined : Number(args.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      return problem(400, "Invalid request: limit: must be a positive integer");
    }
    const cursor = args.cursor === undefined || args.cursor === null ? undefined : String(args.cursor);
    try {
      if (cursor !== undefined) decodeCursor(cursor);
    } catch {
      return problem(400, "Invalid request: cursor: not a cursor this server issued");
    }
    return ok(store.fetch(object, objectId, limit, cursor));
  };
}

const ID = "([^/]+)";
const ROUTES: Route[] = [
  { pattern: /^\/v1\/project$/, group: "project", methods: { POST: createProject, GET: listProjects } },
  { pattern: new RegExp(`^/v1/project/${ID}$`), group: "project", methods: { GET: getProject } },
  { pattern: new RegExp(`^/v1/project_logs/${ID}/insert$`), group: "insert", methods: { POST: insert("project_logs") } },
  { pattern: new RegExp(`^/v1/experiment/${ID}/insert$`), group: "insert", methods: { POST: insert("experiment") } },
  {
    pattern: new RegExp(`^/v1/project_logs/${ID}/fetch$`),
    group: "fetch",
    methods: { GET: fetchRows("project_logs"), POST: fetchRows("project_logs") },
  },
  {
    pattern: new RegExp(`^/v1/experiment/${ID}/fetch$`),
    group: "fetch",
    methods: { GET: fetchRows("experiment"), POST: fetchRows("experiment") },
  },
];

export interface MatchedRoute {
  group: FaultRoute;
  /** Runs the route; undefined `handler` means the path exists but not for this method. */
  handler: Handler | undefined;
  allowed: string[];
  params: string[];
}

export function matchRoute(method: string, path: string): MatchedRoute | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    let params: string[];
    try {
      params = m.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      return undefined; // malformed %-escape: no such resource
    }
    return { group: route.group, handler: route.methods[method], allowed: Object.keys(route.methods), params };
  }
  return undefined;
}
