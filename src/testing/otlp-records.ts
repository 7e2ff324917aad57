// An ExportLogsServiceRequest in its OTLP/JSON form (as sent, or as otlp-proto.ts decodes
// protobuf) → log records in the shape the GenAI record mapping reads
// (convert/genai-records.ts), each with the span it was emitted in, if any.
import type { LogRecordLike } from "../convert/genai-records.js";
import { OtlpError, anyValue, attributes, hexId, isObject, list, time } from "./otlp-values.js";

export interface OtlpRecord {
  record: LogRecordLike;
  /** The span the record was emitted in; undefined when it carries no span context. */
  span?: { traceId: string; spanId: string };
}

/**
 * Every log record of the request; a record that is not valid OTLP is left out, and
 * `invalid` says why (one entry per record). Throws when the request itself is not an
 * ExportLogsServiceRequest.
 */
export function otlpRecords(body: unknown): { records: OtlpRecord[]; invalid: string[] } {
  if (!isObject(body)) throw new OtlpError("body must be a JSON object (an OTLP ExportLogsServiceRequest)");
  if (body.resourceLogs !== undefined && !Array.isArray(body.resourceLogs)) throw new OtlpError("resourceLogs: must be an array");
  const records: OtlpRecord[] = [];
  const invalid: string[] = [];
  list(body.resourceLogs).forEach((rl, r) => {
    if (!isObject(rl)) throw new OtlpError(`resourceLogs[${r}]: must be an object`);
    list(rl.scopeLogs).forEach((sl, s) => {
      if (!isObject(sl)) throw new OtlpError(`resourceLogs[${r}].scopeLogs[${s}]: must be an object`);
      list(sl.logRecords).forEach((json, i) => {
        try {
          records.push(toRecord(json, `resourceLogs[${r}].scopeLogs[${s}].logRecords[${i}]`));
        } catch (err) {
          if (!(err instanceof OtlpError)) throw err;
          invalid.push(err.message);
        }
      });
    });
  });
  return { records, invalid };
}

function toRecord(json: unknown, where: string): OtlpRecord {
  if (!isObject(json)) throw new OtlpError(`${where}: must be an object`);
  const traceId = json.traceId === undefined || json.traceId === "" ? undefined : hexId(json.traceId, 32, `${where}.traceId`);
  const spanId = json.spanId === undefined || json.spanId === "" ? undefined : hexId(json.spanId, 16, `${where}.spanId`);
  // OTLP: 0 (or absent) means the time is unknown; the observed time is the next best.
  const stamp = [json.timeUnixNano, json.observedTimeUnixNano].find((t) => t !== undefined && t !== "0" && t !== 0);
  const record: LogRecordLike = {
    eventName: typeof json.eventName === "string" && json.eventName !== "" ? json.eventName : undefined,
    attributes: attributes(json.attributes),
    // The body as the Logs API holds it: maps stay objects.
    body: anyValue(json.body, true),
    hrTime: stamp === undefined ? undefined : time(stamp, `${where}.timeUnixNano`),
  };
  return traceId && spanId ? { record, span: { traceId, spanId } } : { record };
}
