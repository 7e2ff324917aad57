// POST /otel/v1/logs: OTLP/HTTP log intake, in protobuf or JSON, for the GenAI
// instrumentations that write messages as log records tied to their spans (Python's
// openai-v2, google-genai, vertexai; JS's instrumentation-openai). A GenAI record with a
// span context folds into that span's row (span-fold.ts), whichever comes first; every
// other record is ignored, and counted in the answer and in `dev`'s request line. The
// destination is the span's, so no x-bt-parent is needed here.
import { genAiEvent } from "../convert/genai-records.js";
import { INVALID_ARGUMENT, exported, failure, parseRequest, requestEncoding } from "./otlp-http.js";
import { otlpRecords } from "./otlp-records.js";
import type { ApiRequest, Reply } from "./reply.js";
import type { Destination } from "./span-fold.js";
import type { LocalStore } from "./store.js";

export const OTLP_LOGS_PATH = "/otel/v1/logs";

export function otlpLogs(store: LocalStore, req: ApiRequest): Reply {
  const encoding = requestEncoding(req.headers);
  if (typeof encoding !== "string") return encoding;
  const request = parseRequest("logs", encoding, req, otlpRecords);
  if (!("parsed" in request)) return request;
  const { records, invalid } = request.parsed;
  if (records.length === 0 && invalid.length > 0) return failure(encoding, 400, INVALID_ARGUMENT, `Invalid request: ${invalid[0]}`);

  const droppedBefore = store.spanFold.dropped;
  let folded = 0;
  let waiting = 0;
  let ignored = 0;
  // A span's latest row, once per request however many of its records came late.
  const rewritten = new Map<string, { destination: Destination; row: Record<string, unknown> }>();
  for (const { record, span } of records) {
    const event = span && genAiEvent(record);
    if (!span || !event) {
      ignored++;
      continue;
    }
    const late = store.spanFold.add(span.traceId, span.spanId, event);
    if (late) {
      rewritten.set(`${span.traceId}-${span.spanId}`, late);
      folded++;
    } else waiting++;
  }
  for (const { destination, row } of rewritten.values()) store.insert(destination.object, destination.id, [row]);

  const dropped = store.spanFold.dropped - droppedBefore;
  const counts = [`${folded} folded into spans`, `${waiting} waiting for their span`, `${ignored} ignored`, `${invalid.length} invalid`, `${dropped} older waiting dropped`];
  const note = `${records.length + invalid.length} log record${records.length + invalid.length === 1 ? "" : "s"}: ${counts.filter((c) => !c.startsWith("0 ")).join(", ") || "none"}`;
  const why: string[] = [];
  if (invalid.length > 0) why.push(`${invalid.length} invalid (${invalid[0]}${invalid.length > 1 ? ", …" : ""})`);
  if (ignored > 0) why.push(`${ignored} ignored: only GenAI message events (gen_ai.*) emitted inside a span fold into that span's row`);
  // Ignored records are accepted, not refused: a warning with rejected 0, as OTLP allows.
  return exported("logs", encoding, why.length > 0 ? { rejected: invalid.length, message: why.join("; ") } : undefined, note);
}
