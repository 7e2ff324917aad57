// What every convention mapper shares: the draft being built and first-writer-wins
// setters. Mappers run in precedence order, so "first writer wins" *is* the precedence.
import { log } from "../log.js";
import type { Attributes, BraintrustEvent, SpanLike, SpanType } from "./types.js";

export interface Draft {
  /** `event.metadata` and `event.metrics` always exist here; empty ones are dropped at the end. */
  readonly event: BraintrustEvent & { metadata: Record<string, unknown> };
  /** The span's attributes. */
  readonly attrs: Attributes;
  /** `Object.keys(attrs)`, taken once for every mapper. */
  readonly keys: readonly string[];
  /** Attribute keys a mapper consumed (of those the span has); they are not copied into metadata. */
  readonly claimed: ClaimedKeys;
  /** Content given as valid JSON text may stay text (a RawJson), for the row serializer. */
  readonly keepJsonText: boolean;
}

export interface Mapper {
  readonly name: string;
  /** How the convention's attribute keys begin; every key `applies` looks for starts with one. */
  readonly prefixes: readonly string[];
  /**
   * A cheap test (a key present, the tracer name) so that unrelated spans skip the mapper.
   * `keyed`: some key of the span starts with one of `prefixes` (found in one pass for all
   * mappers); when false, no key-based test can pass, and a mapper for an absent convention costs nothing.
   */
  applies(span: SpanLike, attrs: Attributes, keyed: boolean): boolean;
  map(span: SpanLike, attrs: Attributes, draft: Draft): void;
}

type Field = "input" | "output" | "expected" | "error" | "tags" | "scores" | "context" | "origin";

const SPAN_TYPES: ReadonlySet<string> = new Set<SpanType>([
  "llm", "score", "function", "eval", "task", "tool", "automation", "facet", "preprocessor", "classifier", "review",
]);

/** Sets a top-level field unless an earlier (higher-precedence) mapper already did. */
export function setField(draft: Draft, field: Field, value: unknown): void {
  if (value === undefined || draft.event[field] !== undefined) return;
  (draft.event as unknown as Record<string, unknown>)[field] = value;
}

export function setMetadata(draft: Draft, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const metadata = draft.event.metadata;
  if (Object.prototype.hasOwnProperty.call(metadata, key)) return;
  // The schema types metadata.model as a string; any other value is kept as its text.
  setOwn(metadata, key, key === "model" && typeof value !== "string" ? modelText(value) : value);
}

function modelText(value: unknown): string {
  if (typeof value !== "object") return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Metrics must be finite numbers, never null; token counts are integers. A value that
 * is not a usable number is left out rather than sent as 0 or null.
 */
export function setMetric(draft: Draft, key: string, value: unknown): void {
  const metrics = draft.event.metrics;
  if (Object.prototype.hasOwnProperty.call(metrics, key)) return;
  const n = toNumber(value);
  if (n === undefined) return;
  setOwn(metrics, key, key.endsWith("tokens") ? Math.round(n) : n);
}

/** Each metric from the first of its source attributes the span has; every source present is claimed. */
export function mapMetricSources(attrs: Attributes, draft: Draft, table: ReadonlyArray<readonly [string, readonly string[]]>): void {
  for (const [metric, sources] of table) {
    for (const key of sources) {
      if (attrs[key] === undefined) continue;
      setMetric(draft, metric, attrs[key]);
      claim(draft, key);
    }
  }
}

export function setType(draft: Draft, type: unknown): void {
  const attrs = draft.event.span_attributes;
  if (attrs.type !== undefined || typeof type !== "string" || !SPAN_TYPES.has(type)) return;
  attrs.type = type as SpanType;
}

export function isSpanType(value: unknown): value is SpanType {
  return typeof value === "string" && SPAN_TYPES.has(value);
}

/** True when any of `keys` is present: a cheap `applies` test by direct lookups, with no key scan. */
export function hasAny(attrs: Attributes, keys: readonly string[]): boolean {
  for (const key of keys) if (attrs[key] !== undefined) return true;
  return false;
}

/**
 * Marks attribute keys as consumed (one the span lacks changes nothing). The arity is
 * fixed: this runs a few dozen times per span, and should allocate nothing.
 */
export function claim(draft: Draft, a: string, b?: string, c?: string, d?: string): void {
  const claimed = draft.claimed;
  claimed.add(a);
  if (b !== undefined) claimed.add(b);
  if (c !== undefined) claimed.add(c);
  if (d !== undefined) claimed.add(d);
}

/** `claim` for a list, which can be long (indexed attribute families). */
export function claimAll(draft: Draft, keys: readonly string[]): void {
  for (let i = 0; i < keys.length; i++) draft.claimed.add(keys[i]!);
}

const SCANNED_KEYS = 24;

/**
 * The span's keys that mappers consumed. A span has a few keys, and mappers claim a few dozen,
 * mostly absent: for up to SCANNED_KEYS keys, a flag per key found by scanning interned strings
 * is cheaper than looking each claim up in the attributes and hashing it into a set made per
 * span. More keys: a set. A claimed key the span lacks changes nothing either way.
 */
export class ClaimedKeys {
  private readonly flags: Uint8Array | undefined;
  private readonly set: Set<string> | undefined;
  constructor(private readonly keys: readonly string[]) {
    if (keys.length <= SCANNED_KEYS) this.flags = new Uint8Array(keys.length);
    else this.set = new Set();
  }
  add(key: string): void {
    if (this.flags === undefined) {
      this.set!.add(key);
      return;
    }
    const i = this.keys.indexOf(key);
    if (i >= 0) this.flags[i] = 1;
  }
  delete(key: string): void {
    if (this.flags === undefined) {
      this.set!.delete(key);
      return;
    }
    const i = this.keys.indexOf(key);
    if (i >= 0) this.flags[i] = 0;
  }
  has(key: string): boolean {
    if (this.flags === undefined) return this.set!.has(key);
    const i = this.keys.indexOf(key);
    return i >= 0 && this.flags[i] === 1;
  }
  /** Whether `keys[i]` was claimed. */
  at(i: number): boolean {
    return this.flags === undefined ? this.set!.has(this.keys[i]!) : this.flags[i] === 1;
  }
}

/** True when an earlier mapper already set the field: a candidate need not be parsed at all. */
export function isSet(draft: Draft, field: "input" | "output"): boolean {
  return draft.event[field] !== undefined;
}

export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A JSON-typed attribute: parsed when it is valid JSON, kept as the string (with a warning) when not. */
export function parseJsonAttr(value: unknown, key: string): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch (err) {
    log("warn", `invalid-json:${key}`, `attribute ${key} is not valid JSON (${(err as Error).message}); kept as a string`);
    return value;
  }
}

/**
 * A value its emitter wrote with JSON.stringify (so a string result is `"text"` in quotes):
 * decoded, or kept as it is when it is not JSON after all. No warning: plain text is allowed.
 */
export function fromJsonText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Plain attributes that may or may not hold JSON: parse objects and arrays, keep anything else as it is. */
export function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const first = value.charCodeAt(0);
  if (first !== 123 /* { */ && first !== 91 /* [ */) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `key.startsWith(prefix)`, as a loop the compiler inlines: startsWith is a call per key here,
 * and the most-checked prefixes share their start (`gen_ai.`), so it compares from the end.
 */
export function hasPrefix(key: string, prefix: string): boolean {
  if (key.length < prefix.length) return false;
  for (let i = prefix.length - 1; i >= 0; i--) if (key.charCodeAt(i) !== prefix.charCodeAt(i)) return false;
  return true;
}

/** Assigns without ever touching a prototype, even for a `__proto__` key from user data. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
