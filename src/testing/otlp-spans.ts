// An ExportTraceServiceRequest in its OTLP/JSON form (as sent, or as otlp-proto.ts decodes
// protobuf) → spans in the structural shape the converter reads (src/convert/types.ts),
// so OTLP intake maps spans exactly as the exporter does. Field names follow the OTLP JSON
// mapping; values are read by otlp-values.ts.
import type { Attributes, SpanEventLike, SpanLike } from "../convert/types.js";
import { OtlpError, attributes, hexId, isObject, list, time } from "./otlp-values.js";

/**
 * Every span of the request, with its resource and scope; a span that is not valid OTLP is
 * left out, and `invalid` says why (one entry per span). Throws when the request itself is
 * not an ExportTraceServiceRequest.
 */
export function otlpSpans(body: unknown): { spans: SpanLike[]; invalid: string[] } {
  if (!isObject(body)) throw new OtlpError("body must be a JSON object (an OTLP ExportTraceServiceRequest)");
  if (body.resourceSpans !== undefined && !Array.isArray(body.resourceSpans)) throw new OtlpError("resourceSpans: must be an array");
  const spans: SpanLike[] = [];
  const invalid: string[] = [];
  list(body.resourceSpans).forEach((rs, r) => {
    if (!isObject(rs)) throw new OtlpError(`resourceSpans[${r}]: must be an object`);
    const resource = { attributes: attributes(isObject(rs.resource) ? rs.resource.attributes : undefined) };
    list(rs.scopeSpans ?? rs.instrumentationLibrarySpans).forEach((ss, s) => {
      if (!isObject(ss)) throw new OtlpError(`resourceSpans[${r}].scopeSpans[${s}]: must be an object`);
      const scopeJson = isObject(ss.scope) ? ss.scope : isObject(ss.instrumentationLibrary) ? ss.instrumentationLibrary : {};
      const scope = { name: typeof scopeJson.name === "string" ? scopeJson.name : "", version: typeof scopeJson.version === "string" ? scopeJson.version : undefined };
      list(ss.spans).forEach((span, i) => {
        try {
          spans.push(toSpan(span, `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`, resource, scope));
        } catch (err) {
          if (!(err instanceof OtlpError)) throw err;
          invalid.push(err.message);
        }
      });
    });
  });
  return { spans, invalid };
}

function toSpan(json: unknown, where: string, resource: { attributes: Attributes }, scope: { name: string; version?: string }): SpanLike {
  if (!isObject(json)) throw new OtlpError(`${where}: must be an object`);
  const traceId = hexId(json.traceId, 32, `${where}.traceId`);
  const spanId = hexId(json.spanId, 16, `${where}.spanId`);
  const parent = json.parentSpanId === undefined || json.parentSpanId === "" ? undefined : hexId(json.parentSpanId, 16, `${where}.parentSpanId`);
  const status = isObject(json.status) ? json.status : {};
  const startTime = time(json.startTimeUnixNano, `${where}.startTimeUnixNano`);
  return {
    name: typeof json.name === "string" ? json.name : "",
    // OTLP counts kinds from UNSPECIFIED = 0; the API from INTERNAL = 0.
    kind: Math.max(0, enumValue(json.kind, KINDS) - 1),
    spanContext: () => ({ traceId, spanId, traceFlags: 1 }),
    parentSpanId: parent,
    parentSpanContext: parent === undefined ? undefined : { spanId: parent },
    startTime,
    endTime: json.endTimeUnixNano === undefined ? startTime : time(json.endTimeUnixNano, `${where}.endTimeUnixNano`),
    status: { code: enumValue(status.code, STATUS_CODES), message: typeof status.message === "string" ? status.message : undefined },
    attributes: attributes(json.attributes),
    events: list(json.events).filter(isObject).map(
      (e, i): SpanEventLike => ({
        name: typeof e.name === "string" ? e.name : "",
        time: e.timeUnixNano === undefined ? startTime : time(e.timeUnixNano, `${where}.events[${i}].timeUnixNano`),
        attributes: attributes(e.attributes),
      }),
    ),
    resource,
    instrumentationScope: scope,
  };
}

/** Enums may come as their number or (from some encoders) their name. */
const KINDS = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"];
const STATUS_CODES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

function enumValue(v: unknown, names: readonly string[]): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < names.length) return v;
  const named = typeof v === "string" ? names.indexOf(v) : -1;
  return named >= 0 ? named : 0;
}
