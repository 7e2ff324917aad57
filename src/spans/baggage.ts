// Distributed tracing helpers, with the names and meaning `@braintrust/otel` gives them. W3C
// trace context carries the trace and the parent span across a service boundary; the
// `braintrust.parent` baggage entry carries where the trace's rows go. The sending side puts
// it in baggage before `propagation.inject`; the receiving side's processor routes the spans
// of a trace whose incoming baggage names it (processor.ts), and `parentFromHeaders` turns
// the headers into the parent string Braintrust's own SDK takes (`traced({ parent })`).
import { type Context, context as otelContext, propagation } from "@opentelemetry/api";
import { parseParent } from "../config/parent.js";
import type { Attributes } from "../convert/types.js";
import { log } from "../log.js";

const PARENT_KEY = "braintrust.parent";

/** No parent span at all (SDK 1.x `parentSpanId`, 2.x+ `parentSpanContext`); a remote parent counts as a parent. */
export function isRootSpan(span: { parentSpanId?: unknown; parentSpanContext?: unknown }): boolean {
  return !span?.parentSpanId && !span?.parentSpanContext;
}

/** `ctx` (default: the active context) with `braintrust.parent` set in its baggage, other entries kept. */
export function addParentToBaggage(parent: string, ctx?: Context): Context {
  const base = ctx ?? otelContext.active();
  try {
    const baggage = propagation.getBaggage(base) ?? propagation.createBaggage();
    return propagation.setBaggage(base, baggage.setEntry(PARENT_KEY, { value: String(parent) }));
  } catch (err) {
    log("warn", "baggage", `could not add ${PARENT_KEY} to baggage: ${String(err)}`);
    return base;
  }
}

/**
 * `ctx` with the span's `braintrust.parent` attribute in baggage; undefined (with a diag
 * warning) when the span has none. The processor copies a parent's attribute to its
 * children at start, so any span under one that names a parent has it.
 */
export function addSpanParentToBaggage(span: unknown, ctx?: Context): Context | undefined {
  const attrs = (span as { attributes?: Attributes } | undefined)?.attributes;
  const parent = attrs?.[PARENT_KEY];
  if (typeof parent !== "string" || parent === "") {
    log("warn", "baggage-no-parent", `addSpanParentToBaggage: the span has no ${PARENT_KEY} attribute; set one on an ancestor (or the span), or call addParentToBaggage(parent)`);
    return undefined;
  }
  return addParentToBaggage(parent, ctx);
}

/** The `braintrust.parent` baggage entry of a span's start context, if any (never throws). */
export function baggageParent(ctx: Context): string | undefined {
  try {
    const value = propagation.getBaggage(ctx)?.getEntry(PARENT_KEY)?.value;
    return typeof value === "string" && value !== "" ? value : undefined;
  } catch {
    return undefined;
  }
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);
/** W3C Baggage limits: a longer header is read up to its last whole member within them. */
const MAX_BAGGAGE_BYTES = 8192;
const MAX_BAGGAGE_MEMBERS = 64;

/**
 * The parent string for Braintrust's SDK (`logger.traced(fn, { parent })`) from incoming W3C
 * headers: a `traceparent` and a `braintrust.parent` baggage entry. Header names match in any
 * case, and no global propagator is needed. Undefined (with a diag message) when either is
 * missing or malformed.
 */
export function parentFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  try {
    const traceparent = header(headers, "traceparent");
    const ids = traceparent === undefined ? undefined : parseTraceparent(traceparent);
    if (!ids) {
      log("warn", "parent-from-headers", "parentFromHeaders: no valid traceparent in the headers");
      return undefined;
    }
    const baggage = header(headers, "baggage");
    const value = baggage === undefined ? undefined : baggageEntry(baggage, PARENT_KEY);
    if (!value) {
      log("warn", "parent-from-headers", `parentFromHeaders: ${PARENT_KEY} not found in the baggage header; the sender must add it (addParentToBaggage / addSpanParentToBaggage) before injecting`);
      return undefined;
    }
    const parent = parseParent(value);
    if (!parent) {
      log("warn", "parent-from-headers", `parentFromHeaders: ${PARENT_KEY} ${JSON.stringify(value)} is not project_name:X, project_id:X or experiment_id:X`);
      return undefined;
    }
    return encodeSpanComponents(parent.kind, parent.value, ids.traceId, ids.spanId);
  } catch (err) {
    log("warn", "parent-from-headers", `parentFromHeaders: could not read the headers: ${String(err)}`);
    return undefined;
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== name) continue;
    const value = headers[key];
    if (typeof value === "string") return value;
    if (Array.isArray(value)) return value.join(",");
  }
  return undefined;
}

function parseTraceparent(text: string): { traceId: string; spanId: string } | undefined {
  const match = TRACEPARENT.exec(text.trim().toLowerCase());
  if (!match || match[1] === "ff") return undefined;
  // Version 00 has exactly four fields; later versions may append more.
  if (match[1] === "00" && text.trim().length !== 55) return undefined;
  const [, , traceId, spanId] = match;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId: traceId!, spanId: spanId! };
}

/** One entry of a W3C baggage header, percent-decoded; properties after `;` are ignored. */
export function baggageEntry(text: string, key: string): string | undefined {
  let bytes = 0;
  const members = text.split(",");
  for (let i = 0; i < members.length && i < MAX_BAGGAGE_MEMBERS; i++) {
    const member = members[i]!;
    bytes += Buffer.byteLength(member) + (i > 0 ? 1 : 0);
    if (bytes > MAX_BAGGAGE_BYTES) return undefined;
    const eq = member.indexOf("=");
    if (eq < 0 || member.slice(0, eq).trim() !== key) continue;
    const raw = member.slice(eq + 1).split(";")[0]!.trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// Braintrust's span-components format, version 4 (the SDK's `SpanComponentsV4`): bytes
// [4, object type, number of binary ids, (field id, id bytes)…] followed by JSON for the
// rest, base64-encoded. The ids come from `traceparent`, so they are always hex and binary.
const ENCODING_VERSION = 4;
const OBJECT_TYPE = { experiment_id: 1, project_id: 2, project_name: 2 } as const;
const SPAN_ID_FIELD = 3;
const ROOT_SPAN_ID_FIELD = 4;

function encodeSpanComponents(kind: keyof typeof OBJECT_TYPE, value: string, traceId: string, spanId: string): string {
  const json: Record<string, unknown> =
    kind === "project_name" ? { compute_object_metadata_args: { project_name: value } } : { object_id: value };
  // The SDK only writes span and root ids together with a row id; no row exists for a remote span.
  json.row_id = "otel";
  const head = Buffer.from([ENCODING_VERSION, OBJECT_TYPE[kind], 2, SPAN_ID_FIELD]);
  return Buffer.concat([
    head,
    Buffer.from(spanId, "hex"),
    Buffer.from([ROOT_SPAN_ID_FIELD]),
    Buffer.from(traceId, "hex"),
    Buffer.from(JSON.stringify(json), "utf8"),
  ]).toString("base64");
}
