// Where a span's row goes: its own `braintrust.parent` attribute, else the destination it
// inherited from its parent span, else the configured default. Parsed destinations are
// cached, so the spans of one project share one `Parent` and parsing costs a Map lookup.
import { trace, type Context } from "@opentelemetry/api";
import type { Attributes } from "../convert/types.js";
import { log } from "../log.js";
import { type Parent, parseParent } from "../config/parent.js";

export const PARENT_ATTRIBUTE = "braintrust.parent";

const MAX_CACHED = 1_000;
const cache = new Map<string, Parent | null>();

/** The destination a span names for itself; undefined when none, or an invalid one (reported). */
export function ownDestination(attrs: Attributes | undefined): Parent | undefined {
  const value = attrs?.[PARENT_ATTRIBUTE];
  if (value === undefined) return undefined;
  if (typeof value !== "string") return invalid(value);
  const cached = cache.get(value);
  if (cached !== undefined) return cached ?? invalid(value);
  const parsed = parseParent(value) ?? null;
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(value, parsed);
  return parsed ?? invalid(value);
}

function invalid(value: unknown): undefined {
  log("warn", "bad-parent", `${PARENT_ATTRIBUTE} ${JSON.stringify(value)} is not project_name:X, project_id:X or experiment_id:X; the span goes to its inherited or default destination`);
  return undefined;
}

export interface ParentInContext {
  /** The parent's `braintrust.parent` as it is now (it may have been set after the parent started). */
  dest: Parent | undefined;
  /** The parent lives in another process (an incoming `traceparent`): the span is a local root. */
  remote: boolean;
}

const NONE: ParentInContext = Object.freeze({ dest: undefined, remote: false });

/** Whether the live span in the start context carries `braintrust.parent` (cheap pre-check). */
export function parentNamesDestination(parentContext: Context): boolean {
  const parent = trace.getSpan(parentContext) as unknown as { attributes?: Attributes } | undefined;
  return parent?.attributes?.[PARENT_ATTRIBUTE] !== undefined;
}

/** Reads the live parent span from the start context, when it is the span's parent. */
export function parentInContext(parentContext: Context, parentId: string): ParentInContext {
  const parent = trace.getSpan(parentContext);
  if (parent === undefined) return NONE;
  const context = parent.spanContext();
  if (context.spanId !== parentId) return NONE;
  if (context.isRemote) return { dest: undefined, remote: true };
  const attrs = (parent as unknown as { attributes?: Attributes }).attributes;
  if (attrs === undefined || attrs[PARENT_ATTRIBUTE] === undefined) return NONE;
  return { dest: ownDestination(attrs), remote: false };
}
