// `context.span_origin` on every row: which exporter wrote it (name, version), which OTel
// instrumentation scope created the span, and where it ran (config/environment.ts), as
// Braintrust's SDKs record provenance. A span whose resource names a Braintrust SDK
// (`braintrust.sdk.name` / `.version`) is credited to that SDK. What the span's own
// `braintrust.context_json` says about its origin wins, key by key.
import type { SpanEnvironment } from "../config/environment.js";
import type { BraintrustEvent, SpanLike } from "../convert/types.js";
import { PACKAGE_NAME, PACKAGE_VERSION } from "./version.js";

export interface SpanOrigin {
  name: string;
  version?: string;
  instrumentation?: { name: string; version?: string };
  environment?: SpanEnvironment;
  [key: string]: unknown;
}

/** The row's `context.span_origin`, merged into whatever context the row already has. */
export function addSpanOrigin(event: BraintrustEvent, span: SpanLike, environment: SpanEnvironment | undefined): void {
  const origin = originOf(span, environment);
  const context = event.context;
  const given = context?.span_origin;
  if (isObject(given)) Object.assign(origin, given);
  event.context = context === undefined ? { span_origin: origin } : { ...context, span_origin: origin };
}

function originOf(span: SpanLike, environment: SpanEnvironment | undefined): SpanOrigin {
  const resource = span.resource?.attributes;
  const sdkName = resource?.["braintrust.sdk.name"];
  const sdkVersion = resource?.["braintrust.sdk.version"];
  const origin: SpanOrigin =
    typeof sdkName === "string" && sdkName !== ""
      ? typeof sdkVersion === "string" && sdkVersion !== "" ? { name: sdkName, version: sdkVersion } : { name: sdkName }
      : { name: PACKAGE_NAME, version: PACKAGE_VERSION };
  const scope = span.instrumentationScope ?? span.instrumentationLibrary;
  if (scope && typeof scope.name === "string" && scope.name !== "") {
    origin.instrumentation = typeof scope.version === "string" && scope.version !== "" ? { name: scope.name, version: scope.version } : { name: scope.name };
  }
  // A copy per row: a mask or a later merge must never change another row's origin.
  if (environment !== undefined) origin.environment = { ...environment };
  return origin;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
