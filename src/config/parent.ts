// Where rows go, in the `@braintrust/otel` string form: `project_name:X`, `project_id:X`, `experiment_id:X`.

export type ParentKind = "project_name" | "project_id" | "experiment_id";

export interface Parent {
  readonly kind: ParentKind;
  readonly value: string;
  /** `kind:value`, the same string users write; used as the grouping key for batches. */
  readonly key: string;
}

const KINDS: ReadonlySet<string> = new Set<ParentKind>(["project_name", "project_id", "experiment_id"]);

/** Parses `kind:value`; undefined for anything else (the caller decides how loudly to complain). */
export function parseParent(text: unknown): Parent | undefined {
  if (typeof text !== "string") return undefined;
  const colon = text.indexOf(":");
  if (colon <= 0) return undefined;
  const kind = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  if (!KINDS.has(kind) || value === "") return undefined;
  return makeParent(kind as ParentKind, value);
}

export function makeParent(kind: ParentKind, value: string): Parent {
  return { kind, value, key: `${kind}:${value}` };
}
