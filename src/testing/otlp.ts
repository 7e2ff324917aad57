// POST /otel/v1/traces: OTLP/HTTP JSON intake, as the real API has, so an app in any
// language, an OpenTelemetry Collector or any OTLP exporter can log here. The
// destination is the `x-bt-parent` header (`project_name:…`, `project_id:…`,
// `experiment_id:…`), or a span's own `braintrust.parent` attribute. Spans become
// rows through the exporter's own conversion, so they look exactly as if the
// exporter had sent them.
import { type Parent, parseParent } from "../config/parent.js";
import { toBraintrustEvent } from "../convert/index.js";
import type { SpanLike } from "../convert/types.js";
import { OtlpError, otlpSpans } from "./otlp-spans.js";
import type { Reply } from "./reply.js";
import type { LocalStore } from "./store.js";

export const OTLP_TRACES_PATH = "/otel/v1/traces";

/** google.rpc.Status codes, which OTLP error bodies carry. */
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;

const status = (httpStatus: number, code: number, message: string): Reply => ({ status: httpStatus, body: { code, message } });

export interface OtlpRequest {
  method: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON, when the body was JSON. */
  body: unknown;
  parsedOk: boolean;
}

export function otlpTraces(store: LocalStore, req: OtlpRequest): Reply {
  if (req.method !== "POST") return { ...status(405, INVALID_ARGUMENT, `Method ${req.method} not allowed`), headers: { allow: "POST" } };
  const type = header(req.headers, "content-type")?.split(";")[0]!.trim().toLowerCase() ?? "";
  if (type === "application/x-protobuf" || type === "application/protobuf") {
    return status(415, INVALID_ARGUMENT, "This server takes OTLP/HTTP JSON only: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json (Collector: encoding: json)");
  }
  const encoding = header(req.headers, "content-encoding")?.trim().toLowerCase();
  if (encoding && encoding !== "identity") {
    return status(415, INVALID_ARGUMENT, `Content-Encoding ${encoding} is not supported: send uncompressed JSON (OTEL_EXPORTER_OTLP_COMPRESSION=none; Collector: compression: none)`);
  }
  if (type !== "application/json") return status(415, INVALID_ARGUMENT, `Content-Type must be application/json, not "${type}"`);
  if (!req.parsedOk) return status(400, INVALID_ARGUMENT, "Body is not valid JSON");

  const headerValue = header(req.headers, "x-bt-parent");
  const fallback = headerValue === undefined ? undefined : parseParent(headerValue);
  if (headerValue !== undefined && !fallback) {
    return status(400, INVALID_ARGUMENT, `x-bt-parent: expected project_name:NAME, project_id:ID or experiment_id:ID, not "${headerValue}"`);
  }
  let spans: SpanLike[];
  try {
    spans = otlpSpans(req.body);
  } catch (err) {
    if (err instanceof OtlpError) return status(400, INVALID_ARGUMENT, `Invalid request: ${err.message}`);
    throw err;
  }

  // Group by destination first, so a request with a bad destination stores nothing.
  const groups = new Map<string, { parent: Parent; spans: SpanLike[] }>();
  for (const span of spans) {
    const parent = parseParent(span.attributes["braintrust.parent"]) ?? fallback;
    if (!parent) {
      return status(400, INVALID_ARGUMENT, "No destination: send an x-bt-parent header (project_name:NAME or project_id:ID), or set braintrust.parent on the spans");
    }
    const group = groups.get(parent.key) ?? { parent, spans: [] };
    group.spans.push(span);
    groups.set(parent.key, group);
  }
  for (const { parent } of groups.values()) {
    if (parent.kind === "project_id" && !store.catalog.project(parent.value)) return status(404, NOT_FOUND, `No project with id ${parent.value}`);
    if (parent.kind === "experiment_id" && !store.catalog.experiment(parent.value)) return status(404, NOT_FOUND, `No experiment with id ${parent.value}`);
  }
  for (const { parent, spans: group } of groups.values()) {
    const events = group.map((span) => toBraintrustEvent(span) as unknown as Record<string, unknown>);
    if (parent.kind === "experiment_id") store.insert("experiment", parent.value, events);
    else {
      const projectId = parent.kind === "project_id" ? parent.value : store.catalog.createProject(parent.value).id;
      store.insert("project_logs", projectId, events);
    }
  }
  // ExportTraceServiceResponse: no partialSuccess means every span was accepted.
  return { status: 200, body: {} };
}

function header(headers: OtlpRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
