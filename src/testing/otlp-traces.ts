// POST /otel/v1/traces: OTLP/HTTP intake, as the real API has, so an app in any language,
// an OpenTelemetry Collector or any OTLP exporter can log here, in protobuf or JSON. The
// destination is the `x-bt-parent` header (`project_name:…`, `project_id:…`,
// `experiment_id:…`), or a span's own `braintrust.parent` attribute. Spans become rows
// through the exporter's own conversion, so they look exactly as if the exporter had sent
// them; GenAI log records that came for a span first (otlp-logs.ts) are folded in.
import { type Parent, parseParent } from "../config/parent.js";
import type { SpanLike } from "../convert/types.js";
import { INVALID_ARGUMENT, NOT_FOUND, exported, failure, header, parseRequest, requestEncoding } from "./otlp-http.js";
import { otlpSpans } from "./otlp-spans.js";
import type { ApiRequest, Reply } from "./reply.js";
import type { LocalStore } from "./store.js";

export const OTLP_TRACES_PATH = "/otel/v1/traces";

const NO_DESTINATION = "No destination: send an x-bt-parent header (project_name:NAME or project_id:ID), or set braintrust.parent on the spans";

/** Why some spans were refused: one entry per reason, with how many spans it refused. */
class Refusals {
  private readonly reasons = new Map<string, { notFound: boolean; count: number }>();
  count = 0;

  add(message: string, spans = 1, notFound = false): void {
    const reason = this.reasons.get(message) ?? { notFound, count: 0 };
    reason.count += spans;
    this.reasons.set(message, reason);
    this.count += spans;
  }

  get allNotFound(): boolean {
    return [...this.reasons.values()].every((r) => r.notFound);
  }

  toString(): string {
    return [...this.reasons].map(([message, { count }]) => (count > 1 ? `${message} (${count} spans)` : message)).join("; ");
  }
}

export function otlpTraces(store: LocalStore, req: ApiRequest): Reply {
  const encoding = requestEncoding(req.headers);
  if (typeof encoding !== "string") return encoding;
  const headerValue = header(req.headers, "x-bt-parent");
  const fallback = headerValue === undefined ? undefined : parseParent(headerValue);
  if (headerValue !== undefined && !fallback) {
    return failure(encoding, 400, INVALID_ARGUMENT, `x-bt-parent: expected project_name:NAME, project_id:ID or experiment_id:ID, not "${headerValue}"`);
  }
  const request = parseRequest("traces", encoding, req, otlpSpans);
  if (!("parsed" in request)) return request;
  const parsed = request.parsed;

  const refused = new Refusals();
  for (const message of parsed.invalid) refused.add(`Invalid request: ${message}`);
  const groups = new Map<string, { parent: Parent; spans: SpanLike[] }>();
  for (const span of parsed.spans) {
    const parent = parseParent(span.attributes["braintrust.parent"]) ?? fallback;
    if (!parent) {
      refused.add(NO_DESTINATION);
      continue;
    }
    const group = groups.get(parent.key) ?? { parent, spans: [] };
    group.spans.push(span);
    groups.set(parent.key, group);
  }
  for (const [key, { parent, spans }] of groups) {
    if (parent.kind === "project_id" && !store.catalog.project(parent.value)) refused.add(`No project with id ${parent.value}`, spans.length, true);
    else if (parent.kind === "experiment_id" && !store.catalog.experiment(parent.value)) refused.add(`No experiment with id ${parent.value}`, spans.length, true);
    else continue;
    groups.delete(key);
  }
  // A request none of whose spans can be stored is refused whole, and stores nothing.
  if (groups.size === 0 && refused.count > 0) {
    return refused.allNotFound ? failure(encoding, 404, NOT_FOUND, refused.toString()) : failure(encoding, 400, INVALID_ARGUMENT, refused.toString());
  }

  let accepted = 0;
  const bytesPerSpan = Math.ceil(req.raw.length / parsed.spans.length);
  for (const { parent, spans } of groups.values()) {
    const destination = parent.kind === "experiment_id" ? ({ object: "experiment", id: parent.value } as const) : { object: "project_logs" as const, id: parent.kind === "project_id" ? parent.value : store.catalog.createProject(parent.value).id };
    store.insert(destination.object, destination.id, spans.map((span) => store.spanFold.row(span, destination, bytesPerSpan)));
    accepted += spans.length;
  }
  const total = accepted + refused.count;
  const note = `${accepted} span${accepted === 1 ? "" : "s"}${refused.count ? `, ${refused.count} refused` : ""}`;
  if (refused.count === 0) return exported("traces", encoding, undefined, note);
  return exported("traces", encoding, { rejected: refused.count, message: `${refused.count} of ${total} spans refused: ${refused}` }, note);
}
