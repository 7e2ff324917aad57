// Braintrust's own attributes (`braintrust.*`), the explicit form that beats every convention.
import { log } from "../log.js";
import {
  type Draft,
  type Mapper,
  claim,
  isPlainObject,
  isSpanType,
  parseJsonAttr,
  parseMaybeJson,
  setField,
  setMetadata,
  setMetric,
  setOwn,
} from "./mapper.js";
import { rawJsonOf } from "./raw-json.js";
import type { Attributes } from "./types.js";

const CONTENT = [
  ["input", "braintrust.input_json", "braintrust.input"],
  ["output", "braintrust.output_json", "braintrust.output"],
  ["expected", "braintrust.expected_json", "braintrust.expected"],
] as const;

const CALLER = [
  ["caller_functionname", "code.function.name", "code.function"],
  ["caller_filename", "code.file.path", "code.filepath"],
  ["caller_lineno", "code.line.number", "code.lineno"],
] as const;

export const braintrustMapper: Mapper = {
  name: "braintrust",
  prefixes: ["braintrust.", "code."],
  // Without such keys there is nothing to map.
  applies: (_span, _attrs, keyed) => keyed,
  map(_span, attrs, draft) {
    for (const [field, jsonKey, legacyKey] of CONTENT) {
      const content = attrs[jsonKey] === undefined ? NOT_JSON : jsonContent(attrs[jsonKey], jsonKey, draft);
      // As on Braintrust's server, text that is not JSON stays in metadata under its own key,
      // and the field is left to the other conventions.
      if (content !== NOT_JSON) {
        setField(draft, field, content);
        claim(draft, jsonKey);
      }
      if (attrs[legacyKey] !== undefined) {
        setField(draft, field, parseMaybeJson(attrs[legacyKey]));
        claim(draft, legacyKey);
      }
    }
    const metadata = objectAttr(attrs, "braintrust.metadata", draft);
    if (metadata) for (const key of Object.keys(metadata)) setMetadata(draft, key, metadata[key]);

    const metrics = objectAttr(attrs, "braintrust.metrics", draft);
    if (metrics) for (const key of Object.keys(metrics)) setMetric(draft, key, metrics[key]);

    const scores = objectAttr(attrs, "braintrust.scores", draft);
    if (scores) setField(draft, "scores", validScores(scores));

    const spanAttributes = objectAttr(attrs, "braintrust.span_attributes", draft);
    if (spanAttributes) mapSpanAttributes(spanAttributes, draft);

    if (attrs["braintrust.tags"] !== undefined) {
      setField(draft, "tags", tagsOf(attrs["braintrust.tags"]));
      claim(draft, "braintrust.tags");
    }
    if (attrs["braintrust.origin"] !== undefined) {
      setField(draft, "origin", parseJsonAttr(attrs["braintrust.origin"], "braintrust.origin"));
      claim(draft, "braintrust.origin");
    }
    const context = objectAttr(attrs, "braintrust.context_json", draft) ?? {};
    for (const [target, key, legacyKey] of CALLER) {
      const value = attrs[key] ?? attrs[legacyKey];
      if (value !== undefined && context[target] === undefined) setOwn(context, target, value);
      claim(draft, key, legacyKey);
    }
    if (Object.keys(context).length > 0) setField(draft, "context", context);
    // Routing, not content: the processor reads it to pick the destination. The escape hatch
    // is read by the converter itself.
    claim(draft, "braintrust.parent", "braintrust.otel.preserve_attributes");
  },
};

const NOT_JSON = Symbol("not JSON");

/**
 * A `*_json` content attribute: its text as is when the draft may keep it and it is shaped
 * as one JSON value (raw-json.ts; if it is not valid inside, delivery sends it as a string),
 * else parsed; NOT_JSON (with a warning) when it is text that does not parse.
 */
function jsonContent(value: unknown, key: string, draft: Draft): unknown {
  const raw = draft.keepJsonText && typeof value === "string" ? rawJsonOf(value) : undefined;
  if (raw) return raw;
  const parsed = parseJsonAttr(value, key);
  return typeof value === "string" && parsed === value ? NOT_JSON : parsed;
}

/** A JSON-object attribute; anything else is reported and kept in metadata under its own key. */
function objectAttr(attrs: Attributes, key: string, draft: Draft): Record<string, unknown> | undefined {
  const raw = attrs[key];
  if (raw === undefined) return undefined;
  const value = parseJsonAttr(raw, key);
  if (isPlainObject(value)) {
    claim(draft, key);
    return value;
  }
  if (typeof raw !== "string" || value !== raw) {
    log("warn", `not-an-object:${key}`, `attribute ${key} should be a JSON object; kept in metadata`);
  }
  return undefined;
}

function mapSpanAttributes(value: Record<string, unknown>, draft: Draft): void {
  const target = draft.event.span_attributes;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (key === "type") {
      if (isSpanType(v)) target.type = v; // explicit beats the root default set from the span
      else if (v !== null) log("warn", "span-type", `braintrust.span_attributes.type ${JSON.stringify(v)} is not a Braintrust span type; ignored`);
    } else if (key === "name") {
      if (typeof v === "string" && v !== "") target.name = v;
    } else {
      setOwn(target, key, v);
    }
  }
}

/** Scores are numbers in 0..1 or null; others are dropped with a warning. */
function validScores(scores: Record<string, unknown>): Record<string, number | null> | undefined {
  const out: Record<string, number | null> = {};
  let any = false;
  for (const key of Object.keys(scores)) {
    const v = scores[key];
    if (v === null || (typeof v === "number" && v >= 0 && v <= 1)) {
      setOwn(out, key, v);
      any = true;
    } else {
      log("warn", "score-range", `score ${JSON.stringify(key)} = ${String(v)} is not a number in 0..1; dropped`);
    }
  }
  return any ? out : undefined;
}

function tagsOf(raw: unknown): string[] | undefined {
  const value = parseMaybeJson(raw);
  if (!Array.isArray(value)) return typeof value === "string" && value !== "" ? [value] : undefined;
  const tags = value.filter((t): t is string => typeof t === "string");
  return tags.length > 0 ? tags : undefined;
}
