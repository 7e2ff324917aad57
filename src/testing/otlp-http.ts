// OTLP/HTTP's envelope, shared by /otel/v1/traces and /otel/v1/logs: the body is
// protobuf or JSON (after the server has undone any gzip or deflate), and every answer
// is in the request's own encoding: an Export*ServiceResponse, or a google.rpc.Status
// for an error, as the OTLP specification asks.
import { type OtlpSignal, ProtobufDecodeError, decodeProtobufRequest, encodeProtobufResponse, encodeProtobufStatus } from "./otlp-proto.js";
import { OtlpError } from "./otlp-values.js";
import type { ApiRequest, Reply } from "./reply.js";

export type OtlpEncoding = "json" | "protobuf";
export type { OtlpSignal } from "./otlp-proto.js";

/** google.rpc.Status codes. */
export const INVALID_ARGUMENT = 3;
export const NOT_FOUND = 5;

const PROTOBUF = "application/x-protobuf";
const REQUEST_NAMES: Record<OtlpSignal, string> = { traces: "ExportTraceServiceRequest", logs: "ExportLogsServiceRequest" };

/** Some items were refused (`rejected` > 0), or all were taken with a warning (`rejected` 0). */
export interface PartialSuccess {
  rejected: number;
  message: string;
}

/** The request's encoding, from its Content-Type; a 415 answer when it is neither. */
export function requestEncoding(headers: ApiRequest["headers"]): OtlpEncoding | Reply {
  const value = headers["content-type"];
  const type = (Array.isArray(value) ? value[0] : value)?.split(";")[0]!.trim().toLowerCase() ?? "";
  if (type === PROTOBUF || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  return failure("json", 415, INVALID_ARGUMENT, `Content-Type must be ${PROTOBUF} or application/json, not "${type}"`);
}

/**
 * The request read by `parse` from its OTLP/JSON form, whichever encoding it came in; a 400
 * answer when it does not decode, or when `parse` finds it is not the signal's request (OtlpError).
 */
export function parseRequest<T>(signal: OtlpSignal, encoding: OtlpEncoding, req: ApiRequest, parse: (request: unknown) => T): { parsed: T } | Reply {
  const decoded = decodeRequest(signal, encoding, req);
  if (!("request" in decoded)) return decoded;
  try {
    return { parsed: parse(decoded.request) };
  } catch (err) {
    if (err instanceof OtlpError) return failure(encoding, 400, INVALID_ARGUMENT, `Invalid request: ${err.message}`);
    throw err;
  }
}

function decodeRequest(signal: OtlpSignal, encoding: OtlpEncoding, req: ApiRequest): { request: unknown } | Reply {
  const name = REQUEST_NAMES[signal];
  if (encoding === "protobuf") {
    try {
      return { request: decodeProtobufRequest(signal, req.raw) };
    } catch (err) {
      if (!(err instanceof ProtobufDecodeError)) throw err;
      return failure(encoding, 400, INVALID_ARGUMENT, `Body is not a protobuf ${name} (${err.message}): it is cut short, or not protobuf (JSON goes as application/json)`);
    }
  }
  if (!req.bodyIsJson) {
    let reason = "";
    try {
      JSON.parse(req.raw.toString("utf8"));
    } catch (err) {
      reason = ` (${(err as Error).message})`;
    }
    return failure(encoding, 400, INVALID_ARGUMENT, `Body is not JSON${reason}: send an OTLP/JSON ${name}, or protobuf as ${PROTOBUF}`);
  }
  return { request: req.body };
}

/** 200 with the Export*ServiceResponse; no `partial_success` means every item was taken. */
export function exported(signal: OtlpSignal, encoding: OtlpEncoding, partial?: PartialSuccess, note?: string): Reply {
  if (encoding === "protobuf") return { status: 200, body: encodeProtobufResponse(signal, partial), contentType: PROTOBUF, note };
  const rejected = signal === "traces" ? "rejectedSpans" : "rejectedLogRecords";
  // int64 fields are strings in OTLP/JSON, as in the proto3 JSON mapping.
  const body = partial ? { partialSuccess: { [rejected]: String(partial.rejected), errorMessage: partial.message } } : {};
  return { status: 200, body, note };
}

/** An error answer: a google.rpc.Status in the request's encoding. */
export function failure(encoding: OtlpEncoding, status: number, code: number, message: string): Reply {
  if (encoding === "protobuf") return { status, body: encodeProtobufStatus(code, message), contentType: PROTOBUF };
  return { status, body: { code, message } };
}

export function header(headers: ApiRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
