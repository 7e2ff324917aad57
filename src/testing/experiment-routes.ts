// `/v1/experiment`: create-or-get by project and name (the first step of the REST
// guide's "run an experiment"), list (paged), retrieve, patch and delete.
import type { ExperimentFields, ExperimentPatch } from "./catalog.js";
import { listPage } from "./listing.js";
import { type ApiRequest, type Reply, type Route, ID, invalid, isObject, ok, problem } from "./reply.js";
import type { LocalStore } from "./store.js";

/** The spec's default page size for experiment lists. */
const LIST_LIMIT = 1000;

export const noExperiment = (id: string) => problem(404, `No experiment with id ${id}`);

type Body = Record<string, unknown>;
type Kind = "string" | "object" | "boolean" | "strings";

const KINDS: Record<string, Kind> = {
  name: "string",
  description: "string",
  repo_info: "object",
  base_exp_id: "string",
  dataset_id: "string",
  dataset_version: "string",
  public: "boolean",
  metadata: "object",
  tags: "strings",
  ensure_new: "boolean",
};

/** The first field of `body` that has the wrong type (null is always allowed), as a 400 message. */
function wrongType(body: Body, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    const kind = KINDS[field]!;
    const fine =
      kind === "object"
        ? isObject(value)
        : kind === "strings"
          ? Array.isArray(value) && value.every((v) => typeof v === "string")
          : typeof value === kind;
    if (!fine) return `${field}: must be ${kind === "strings" ? "an array of strings" : kind} or null`;
  }
  return undefined;
}

/** The body's fields that are set (not null), for the catalog. */
function present<T>(body: Body, fields: readonly string[]): T {
  return Object.fromEntries(fields.filter((f) => body[f] !== undefined && body[f] !== null).map((f) => [f, body[f]])) as T;
}

const CREATE_FIELDS = ["description", "repo_info", "base_exp_id", "dataset_id", "dataset_version", "public", "metadata", "tags"];
const PATCH_FIELDS = ["name", "description", "repo_info", "public", "metadata", "tags"];

function createExperiment({ catalog }: LocalStore, { body }: ApiRequest): Reply {
  if (!isObject(body)) return invalid("body must be a JSON object");
  if (typeof body.project_id !== "string" || body.project_id === "") return invalid("project_id: must be a project id");
  const bad = wrongType(body, Object.keys(KINDS));
  if (bad) return invalid(bad);
  if (body.name === "") return invalid("name: must be a non-empty string");
  if (!catalog.project(body.project_id)) return problem(404, `No project with id ${body.project_id}`);
  const name = typeof body.name === "string" ? body.name : undefined;
  return ok(catalog.createExperiment(body.project_id, name, present<ExperimentFields>(body, CREATE_FIELDS), body.ensure_new === true));
}

function listExperiments({ catalog }: LocalStore, { query }: ApiRequest): Reply {
  const name = query.get("experiment_name");
  const projectId = query.get("project_id");
  const projectName = query.get("project_name");
  const project = projectName === null ? undefined : catalog.projectByName(projectName);
  if (projectName !== null && !project) return ok({ objects: [] });
  const experiments = catalog
    .experiments()
    .filter((e) => (name === null || e.name === name) && (projectId === null || e.project_id === projectId) && (!project || e.project_id === project.id));
  const page = listPage(experiments, query, LIST_LIMIT);
  return typeof page === "string" ? invalid(page) : ok(page);
}

function getExperiment({ catalog }: LocalStore, { params }: ApiRequest): Reply {
  const experiment = catalog.experiment(params[0]!);
  return experiment ? ok(experiment) : noExperiment(params[0]!);
}

function patchExperiment({ catalog }: LocalStore, { params, body }: ApiRequest): Reply {
  const id = params[0]!;
  const experiment = catalog.experiment(id);
  if (!experiment) return noExperiment(id);
  if (body !== undefined && !isObject(body)) return invalid("body must be a JSON object");
  const fields = body ?? {};
  const bad = wrongType(fields, PATCH_FIELDS);
  if (bad) return invalid(bad);
  if (fields.name === "") return invalid("name: must be a non-empty string");
  if (typeof fields.name === "string" && fields.name !== experiment.name) {
    const taken = catalog.experiments().some((e) => e.project_id === experiment.project_id && e.name === fields.name);
    if (taken) return problem(409, `An experiment named ${fields.name} already exists in this project`);
  }
  // Null clears a field, except the name and `public`, which every experiment has.
  const patch: ExperimentPatch = present(fields, ["name", "public"]);
  for (const f of ["description", "repo_info", "metadata", "tags"] as const) {
    if (fields[f] !== undefined) (patch as Body)[f] = fields[f];
  }
  return ok(catalog.updateExperiment(id, patch));
}

function deleteExperiment({ catalog }: LocalStore, { params }: ApiRequest): Reply {
  return catalog.experiment(params[0]!) ? ok(catalog.deleteExperiment(params[0]!)) : noExperiment(params[0]!);
}

export const EXPERIMENT_ROUTES: Route[] = [
  { pattern: /^\/v1\/experiment$/, group: "project", methods: { POST: createExperiment, GET: listExperiments } },
  {
    pattern: new RegExp(`^/v1/experiment/${ID}$`),
    group: "project",
    methods: { GET: getExperiment, PATCH: patchExperiment, DELETE: deleteExperiment },
  },
];
