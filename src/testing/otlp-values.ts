// Values in OTLP/JSON form (as sent, or as otlp-proto.ts decodes protobuf), shared by the
// trace and log parsers: ids in hex (or base64), times as decimal nanosecond strings
// (numbers and {low, high} pairs are accepted too), attributes as AnyValue.
import type { AttributeValue, Attributes, HrTime } from "../convert/types.js";

type Json = Record<string, unknown>;

/** A request, or one item of it, that is not OTLP; the message says what is wrong, for the 400. */
export class OtlpError extends Error {}

export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

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
