// `/v1/project`: create-or-get by name, list (paged), retrieve, patch and delete.
// A project created with an `org_name` is in that org (one per name, each made when first
// named; the key belongs to all of them), else in the server's default org.
import type { ProjectPatch } from "./catalog.js";
import { listPage } from "./listing.js";
import { type ApiRequest, type Reply, type Route, ID, invalid, isObject, ok, problem } from "./reply.js";
import type { LocalStore } from "./store.js";

const noProject = (id: string) => problem(404, `No project with id ${id}`);

/** The first field of `body` that is present but neither a string nor null. */
function notStringOrNull(body: Record<string, unknown>, fields: readonly string[]): string | undefined {
  return fields.find((f) => body[f] !== undefined && body[f] !== null && typeof body[f] !== "string");
}

function createProject({ catalog }: LocalStore, { body }: ApiRequest): Reply {
  if (!isObject(body)) return invalid("body must be a JSON object");
  if (typeof body.name !== "string" || body.name.length === 0) return invalid("name: must be a non-empty string");
  const bad = notStringOrNull(body, ["description", "org_name"]);
  if (bad) return invalid(`${bad}: must be string or null`);
  return ok(catalog.createProject(body.name, body.description as string | null | undefined, body.org_name as string | null | undefined));
}

function listProjects({ catalog }: LocalStore, { query }: ApiRequest): Reply {
  const name = query.get("project_name");
  const page = listPage(
    catalog.projects().filter((p) => name === null || p.name === name),
    query,
  );
  return typeof page === "string" ? invalid(page) : ok(page);
}

function getProject({ catalog }: LocalStore, { params }: ApiRequest): Reply {
  const project = catalog.project(params[0]!);
  return project ? ok(project) : noProject(params[0]!);
}

function patchProject({ catalog }: LocalStore, { params, body }: ApiRequest): Reply {
  const id = params[0]!;
  const project = catalog.project(id);
  if (!project) return noProject(id);
  if (body !== undefined && !isObject(body)) return invalid("body must be a JSON object");
  const fields = body ?? {};
  const bad = notStringOrNull(fields, ["name", "description"]);
  if (bad) return invalid(`${bad}: must be string or null`);
  if (fields.settings !== undefined && fields.settings !== null && !isObject(fields.settings)) {
    return invalid("settings: must be an object or null");
  }
  const patch: ProjectPatch = {};
  // A null name means "leave it": a project always has one.
  if (typeof fields.name === "string") {
    if (fields.name === "") return invalid("name: must be a non-empty string");
    const other = catalog.projectByName(fields.name);
    if (other && other.id !== id) return problem(409, `A project named ${fields.name} already exists`);
    patch.name = fields.name;
  }
  if (fields.description !== undefined) patch.description = fields.description as string | null;
  if (fields.settings !== undefined) patch.settings = fields.settings as Record<string, unknown> | null;
  return ok(catalog.updateProject(id, patch));
}

function deleteProject({ catalog }: LocalStore, { params }: ApiRequest): Reply {
  return catalog.project(params[0]!) ? ok(catalog.deleteProject(params[0]!)) : noProject(params[0]!);
}

export const PROJECT_ROUTES: Route[] = [
  { pattern: /^\/v1\/project$/, group: "project", methods: { POST: createProject, GET: listProjects } },
  {
    pattern: new RegExp(`^/v1/project/${ID}$`),
    group: "project",
    methods: { GET: getProject, PATCH: patchProject, DELETE: deleteProject },
  },
];
