// OTLP protobuf bodies, decoded and encoded by protobufjs with the official definitions
// (proto/, compiled into otlp-proto-schema.ts). A decoded request comes out in the OTLP/JSON
// form (lowerCamelCase fields, 64-bit integers as decimal strings, bytes in base64, enums as
// numbers), so one parser per signal (otlp-spans.ts, otlp-records.ts) reads both encodings.
// Only the local server imports this file: the exporter's entry points never load protobufjs.
import protobuf from "protobufjs/light.js";
import { OTLP_PROTO_SCHEMA } from "./otlp-proto-schema.js";

export type OtlpSignal = "traces" | "logs";

const MESSAGES = {
  traces: {
    request: "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
    response: "opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse",
    rejected: "rejectedSpans",
  },
  logs: {
    request: "opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest",
    response: "opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse",
    rejected: "rejectedLogRecords",
  },
} as const;

let root: protobuf.Root | undefined;
// Built on the first protobuf request, so a server that only ever sees JSON never builds it.
const type = (name: string): protobuf.Type => (root ??= protobuf.Root.fromJSON(OTLP_PROTO_SCHEMA)).lookupType(name);

/** A body that is not the protobuf message it should be; the message says why, for the 400. */
export class ProtobufDecodeError extends Error {}

/** An Export{Trace,Logs}ServiceRequest in its OTLP/JSON form. */
export function decodeProtobufRequest(signal: OtlpSignal, body: Uint8Array): Record<string, unknown> {
  const request = type(MESSAGES[signal].request);
  let message: protobuf.Message;
  try {
    message = request.decode(body);
  } catch (err) {
    throw new ProtobufDecodeError(err instanceof Error ? err.message : String(err));
  }
  const object = request.toObject(message, { longs: String, enums: Number, bytes: String });
  // protobufjs skips fields it does not know, so bytes that are not this message can decode
  // to nothing; a real exporter never sends a non-empty body without its one field.
  if (body.length > 0 && Object.keys(object).length === 0) throw new ProtobufDecodeError(`no ${signal === "traces" ? "resource_spans" : "resource_logs"} field`);
  return object;
}

/** Export{Trace,Logs}ServiceResponse, with `partial_success` when some items were refused or there is a warning. */
export function encodeProtobufResponse(signal: OtlpSignal, partial?: { rejected: number; message: string }): Uint8Array {
  const { response, rejected } = MESSAGES[signal];
  const body = partial ? { partialSuccess: { [rejected]: partial.rejected, errorMessage: partial.message } } : {};
  return type(response).encode(body).finish();
}

/** google.rpc.Status: the body of an OTLP/HTTP error answer. */
export function encodeProtobufStatus(code: number, message: string): Uint8Array {
  return type("google.rpc.Status").encode({ code, message }).finish();
}
