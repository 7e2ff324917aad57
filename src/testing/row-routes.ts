// The rows of a project's logs and of an experiment: insert, and fetch in both forms.
// Both answer 404 for an object that does not exist, as the API does.
import { noExperiment } from "./experiment-routes.js";
import { fetchQuery } from "./fetch-args.js";
import { type Handler, type Reply, type Route, ID, invalid, notImplemented, ok, problem } from "./reply.js";
import type { LocalStore, ObjectKind } from "./store.js";
import { validateInsertRequest } from "./validate-event.js";

/** The 404 for an unknown project or experiment, or undefined when it exists. */
function missing(store: LocalStore, object: ObjectKind, id: string): Reply | undefined {
  if (object === "project_logs") return store.catalog.project(id) ? undefined : problem(404, `No project with id ${id}`);
  return store.catalog.experiment(id) ? undefined : noExperiment(id);
}

function insert(object: ObjectKind): Handler {
  return (store, { params, body }) => {
    const objectId = params[0]!;
    const absent = missing(store, object, objectId);
    if (absent) return absent;
    const problems = validateInsertRequest(body);
    if (problems.length > 0) return invalid(problems.join("; "));
    const events = (body as { events: Record<string, unknown>[] }).events;
    return ok({ row_ids: store.insert(object, objectId, events) });
  };
}

function fetchRows(object: ObjectKind): Handler {
  return (store, { method, params, query, body }) => {
    const objectId = params[0]!;
    const absent = missing(store, object, objectId);
    if (absent) return absent;
    const args = fetchQuery(method, query, body);
    return typeof args === "string" ? invalid(args) : ok(store.fetch(object, objectId, args));
  };
}

const feedback: Handler = () => notImplemented("Feedback (POST …/feedback)");

export const ROW_ROUTES: Route[] = [
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
  { pattern: new RegExp(`^/v1/(?:project_logs|experiment)/${ID}/feedback$`), methods: { POST: feedback } },
];
