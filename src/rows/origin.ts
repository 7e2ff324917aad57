// `context.span_origin` on every row: which exporter wrote it (name, version), which OTel
// instrumentation scope created the span, and where it ran (config/environment.ts), as
// Braintrust's SDKs record provenance. A span whose resource names a Braintrust SDK
// (`braintrust.sdk.name` / `.version`) is credited to that SDK. What the span's own
// `braintrust.context_json` says about its origin wins, key by key.
import type { SpanEnvironment } from "../config/environment.js";
import type { BraintrustEvent, SpanLike } from "../convert/types.js";
import { PACKAGE_NAME, PACKAGE_VERSION } from "./version.js";

interface SpanOrigin {
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

/** Distinct origins remembered as text; more (a scope per request?) start the memory over. */
const MAX_ORIGINS = 256;

/**
 * `"context":{"span_origin":…}` as JSON text, for a row that has no context of its own (the
 * common case): the origin depends only on the resource's SDK, the scope and the
 * environment, so its text is made once per combination instead of an object per row.
 */
export class OriginTexts {
  private readonly texts = new Map<string, string>();
  // The last combination seen, compared value by value: spans come in runs of one tracer.
  private lastSdkName: unknown;
  private lastSdkVersion: unknown;
  private lastScopeName: unknown;
  private lastScopeVersion: unknown;
  private lastText = "";

  constructor(private readonly environment: SpanEnvironment | undefined) {}

  /** The member for the row of `span`, `"context":{…}` without a comma. */
  contextOf(span: SpanLike): string {
    const resource = span.resource?.attributes;
    const sdkName = resource?.["braintrust.sdk.name"];
    const sdkVersion = resource?.["braintrust.sdk.version"];
    const scope = span.instrumentationScope ?? span.instrumentationLibrary;
    const scopeName = scope?.name;
    const scopeVersion = scope?.version;
    if (
      this.lastText !== "" &&
      sdkName === this.lastSdkName &&
      sdkVersion === this.lastSdkVersion &&
      scopeName === this.lastScopeName &&
      scopeVersion === this.lastScopeVersion
    ) {
      return this.lastText;
    }
    const key = JSON.stringify([keyPart(sdkName), keyPart(sdkVersion), keyPart(scopeName), keyPart(scopeVersion)]);
    let text = this.texts.get(key);
    if (text === undefined) {
      text = `"context":${JSON.stringify({ span_origin: originOf(span, this.environment) })}`;
      if (this.texts.size >= MAX_ORIGINS) this.texts.clear();
      this.texts.set(key, text);
    }
    this.lastSdkName = sdkName;
    this.lastSdkVersion = sdkVersion;
    this.lastScopeName = scopeName;
    this.lastScopeVersion = scopeVersion;
    this.lastText = text;
    return text;
  }
}

/** Only strings count in an origin (originOf); anything else is keyed as absent. */
function keyPart(value: unknown): string | null {
  return typeof value === "string" ? value : null;
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
