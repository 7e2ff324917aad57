// An ExportTraceServiceRequest in its OTLP/JSON form (as sent, or as otlp-proto.ts decodes
// protobuf) → spans in the structural shape the converter reads (src/convert/types.ts),
// so OTLP intake maps spans exactly as the exporter does. Field names and encodings follow
// the OTLP JSON mapping: ids in hex (or base64), times as decimal nanosecond strings
// (numbers and {low, high} pairs are accepted too), attribute values as AnyValue.
import type { AttributeValue, Attributes, HrTime, SpanEventLike, SpanLike } from "../convert/types.js";

type Json = Record<string, unknown>;

/** A request, or one item of it, that is not OTLP; the message says what is wrong, for the 400. */
export class OtlpError extends Error {}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

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

export function hexId(v: unknown, length: number, where: string): string {
  if (typeof v === "string" && v.length === length && /^[0-9a-f]+$/i.test(v)) return v.toLowerCase();
  // Protobuf-JSON encoders that follow proto3 rules write bytes as base64.
  if (typeof v === "string" && v !== "") {
    const bytes = Buffer.from(v, "base64");
    if (bytes.length * 2 === length && bytes.toString("base64").replace(/=+$/, "") === v.replace(/=+$/, "")) return bytes.toString("hex");
  }
  throw new OtlpError(`${where}: must be ${length} hex digits`);
}

/** Nanoseconds since the epoch → [seconds, nanoseconds]. */
export function time(v: unknown, where: string): HrTime {
  let nanos: bigint;
  try {
    if (typeof v === "string" && /^\d+$/.test(v)) nanos = BigInt(v);
    else if (typeof v === "number" && Number.isFinite(v) && v >= 0) nanos = BigInt(Math.round(v));
    else if (isObject(v) && typeof v.low === "number" && typeof v.high === "number") nanos = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    else throw new Error();
  } catch {
    throw new OtlpError(`${where}: must be nanoseconds since the epoch, as a decimal string`);
  }
  return [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)];
}

export function attributes(v: unknown): Attributes {
  const out: Record<string, AttributeValue | unknown> = {};
  for (const kv of list(v)) {
    if (isObject(kv) && typeof kv.key === "string") out[kv.key] = anyValue(kv.value);
  }
  return out;
}

/**
 * An AnyValue as the value an OTel SDK would hold. SDK attributes cannot be maps, so a
 * map at the top becomes JSON text (which the mappers parse); nested ones stay objects.
 */
export function anyValue(v: unknown, nested = false): unknown {
  if (!isObject(v)) return undefined;
  if ("stringValue" in v) return typeof v.stringValue === "string" ? v.stringValue : String(v.stringValue);
  if ("boolValue" in v) return v.boolValue === true;
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("bytesValue" in v) return typeof v.bytesValue === "string" ? v.bytesValue : undefined;
  if ("arrayValue" in v) return list(isObject(v.arrayValue) ? v.arrayValue.values : undefined).map((item) => anyValue(item, true));
  if ("kvlistValue" in v) {
    const map: Json = {};
    for (const kv of list(isObject(v.kvlistValue) ? v.kvlistValue.values : undefined)) {
      if (isObject(kv) && typeof kv.key === "string") map[kv.key] = anyValue(kv.value, true);
    }
    return nested ? map : JSON.stringify(map);
  }
  return undefined;
}
