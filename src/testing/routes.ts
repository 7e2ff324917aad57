// The API's route table, as plain functions of a parsed request: no sockets here, so
// the HTTP plumbing (auth, faults, recording) stays in server.ts. Each group of routes
// lives in a module of its own and is listed once below.
import type { FaultRoute } from "./faults.js";
import { ATTACHMENT_ROUTES } from "./attachment-routes.js";
import { EXPERIMENT_ROUTES } from "./experiment-routes.js";
import { OTLP_LOGS_PATH, otlpLogs } from "./otlp-logs.js";
import { OTLP_TRACES_PATH, otlpTraces } from "./otlp-traces.js";
import { PROJECT_ROUTES } from "./project-routes.js";
import { type Handler, type Route, notImplemented, ok } from "./reply.js";
import { ROW_ROUTES } from "./row-routes.js";

/** Parts of the real API that the local server leaves out, answered 501 so no one waits on them. */
const NOT_HERE: Route[] = [
  { pattern: /^\/btql$/, methods: { POST: () => notImplemented("BTQL (POST /btql)") } },
  { pattern: /^\/v1\/experiment\/[^/]+\/summarize$/, methods: { GET: () => notImplemented("Experiment summaries (GET /v1/experiment/{id}/summarize)") } },
  {
    pattern: /^\/v1\/(dataset|prompt|function|role|group|acl|user|project_score|project_tag|project_automation|view|organization)(?:\/.*)?$/,
    methods: Object.fromEntries(
      ["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => [m, (_store, { params }) => notImplemented(`the /v1/${params[0]} endpoints`)] as [string, Handler]),
    ),
  },
];

const ROUTES: Route[] = [
  { pattern: /^\/v1\/?$/, auth: false, methods: { GET: () => ok("Hello, World!") } },
  ...PROJECT_ROUTES,
  ...EXPERIMENT_ROUTES,
  ...ROW_ROUTES,
  ...ATTACHMENT_ROUTES,
  { pattern: new RegExp(`^${OTLP_TRACES_PATH}$`), anyBody: true, methods: { POST: otlpTraces } },
  { pattern: new RegExp(`^${OTLP_LOGS_PATH}$`), anyBody: true, methods: { POST: otlpLogs } },
  ...NOT_HERE,
];

export interface MatchedRoute {
  group: FaultRoute | undefined;
  /** Runs the route; undefined `handler` means the path exists but not for this method. */
  handler: Handler | undefined;
  allowed: string[];
  params: string[];
  auth: boolean;
  anyBody: boolean;
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
    return {
      group: route.group,
      handler: route.methods[method],
      allowed: Object.keys(route.methods),
      params,
      auth: route.auth ?? true,
      anyBody: route.anyBody ?? false,
    };
  }
  return undefined;
}
