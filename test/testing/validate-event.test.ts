import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { validateInsertEvent, validateInsertRequest } from "braintrust-otel-exporter/testing";
import { describeWithSpec, loadSpecValidators } from "../helpers/spec.js";

const GOOD: Record<string, unknown>[] = [
  {},
  {
    id: "r1",
    span_id: "s1",
    root_span_id: "s0",
    span_parents: ["s0"],
    created: "2025-01-02T03:04:05.678Z",
    input: [{ role: "user", content: "hi" }],
    output: null,
    error: "TypeError: boom",
    scores: { accuracy: 0.5, skipped: null, perfect: 1 },
    metadata: { model: "gpt-4o", provider: "openai", anything: { nested: true } },
    metrics: { start: 1.5, end: 2.25, prompt_tokens: 10, completion_tokens: 5, tokens: 15, time_to_first_token: 0.1 },
    tags: ["a", "b"],
    context: { caller_functionname: "f", caller_filename: "x.ts", caller_lineno: 3, other: [1] },
    span_attributes: { name: "chat", type: "llm", purpose: "scorer", extra: 1 },
    origin: { object_type: "experiment", object_id: "1b4e28ba-2fa1-41d2-883f-0016d3cca427", id: "x" },
    _is_merge: true,
    _merge_paths: [["input"], ["metadata", "a"]],
    _array_delete: [{ path: ["tags"], delete: ["a"] }],
    facets: { topic: "x", none: null },
    unknown_field: { allowed: true },
  },
  { metrics: { start: null, tokens: null, caller_lineno: "anything" }, span_attributes: { type: null }, metadata: null },
  { created: "2025-01-02T03:04:05+02:00", scores: null, tags: null, span_parents: null, id: null },
];

const BAD: [Record<string, unknown>, string][] = [
  [{ metrics: { cost: null } }, "/metrics/cost"],
  [{ metrics: { prompt_tokens: 1.5 } }, "/metrics/prompt_tokens"],
  [{ metrics: { tokens: "3" } }, "/metrics/tokens"],
  [{ metrics: { start: "1" } }, "/metrics/start"],
  [{ metrics: [] }, "/metrics"],
  [{ span_attributes: { type: "agent" } }, "/span_attributes/type"],
  [{ span_attributes: { name: 3 } }, "/span_attributes/name"],
  [{ scores: { s: 1.01 } }, "/scores/s"],
  [{ scores: { s: -0.1 } }, "/scores/s"],
  [{ scores: { s: "1" } }, "/scores/s"],
  [{ tags: ["a", 1] }, "/tags/1"],
  [{ span_parents: "s0" }, "/span_parents"],
  [{ metadata: { model: 4 } }, "/metadata/model"],
  [{ metadata: "x" }, "/metadata"],
  [{ context: { caller_lineno: 1.5 } }, "/context/caller_lineno"],
  [{ created: "yesterday" }, "/created"],
  [{ created: "2025-01-02T03:04:05" }, "/created"],
  [{ id: 5 }, "/id"],
  [{ _is_merge: "yes" }, "/_is_merge"],
  [{ _merge_paths: [["a", 1]] }, "/_merge_paths/0/1"],
  [{ _array_delete: [{ path: ["tags"] }] }, "/_array_delete/0"],
  [{ origin: { object_type: "experiment", id: "x" } }, "/origin"],
  [{ origin: { object_type: "nope", object_id: "1b4e28ba-2fa1-41d2-883f-0016d3cca427", id: "x" } }, "/origin/object_type"],
  [{ facets: { a: 1 } }, "/facets/a"],
];

describe("validateInsertEvent", () => {
  it("accepts well-formed events, unknown fields and nulls where the spec allows them", () => {
    for (const event of GOOD) expect(validateInsertEvent(event), JSON.stringify(event)).toEqual([]);
  });

  it("rejects each malformed field with its JSON pointer", () => {
    for (const [event, path] of BAD) {
      const problems = validateInsertEvent(event);
      expect(problems.length, JSON.stringify(event)).toBeGreaterThan(0);
      expect(problems[0]!.startsWith(`${path}: `), problems[0]).toBe(true);
    }
  });

  it("rejects the deprecated _parent_id, which the spec still allows", () => {
    expect(validateInsertEvent({ _parent_id: "abc" })).toEqual([
      "/_parent_id: is deprecated and not accepted; log span_id, root_span_id and span_parents instead",
    ]);
  });

  it("rejects non-objects and escapes keys in paths", () => {
    expect(validateInsertEvent(null)).toEqual(["/: must be object"]);
    expect(validateInsertEvent([1])).toEqual(["/: must be object"]);
    expect(validateInsertEvent({ metrics: { "a/b": null } })[0]).toMatch(/^\/metrics\/a~1b: /);
  });

  it("checks a whole request and reports every bad event", () => {
    expect(validateInsertRequest({ events: [] })).toEqual([]);
    expect(validateInsertRequest({})).toEqual(["/: must have required property 'events'"]);
    expect(validateInsertRequest({ events: {} })).toEqual(["/events: must be array"]);
    const problems = validateInsertRequest({ events: [{ tags: 1 }, {}, { metrics: { x: null } }] });
    expect(problems.map((p) => p.split(":")[0])).toEqual(["/events/0/tags", "/events/2/metrics/x"]);
  });
});

/**
 * Where the problems are, two levels deep (`/metrics/cost`), so one bad value cannot
 * hide a disagreement on another. Ajv's extra notes on a failed nullable `anyOf` go.
 */
function badPaths(problems: string[]): string[] {
  const located = problems
    .filter((p) => !/: must (be null|match a schema in anyOf)$/.test(p))
    .map((p) => p.split(": ")[0]!.split("/").slice(0, 3).join("/"));
  return [...new Set(located)].sort();
}

describeWithSpec("agreement with the official spec", await loadSpecValidators(), (spec) => {
  it("gives the same verdict as the spec's InsertProjectLogsEvent and InsertExperimentEvent", () => {
    for (const event of GOOD) {
      expect(spec.insertProjectLogsEvent(event), JSON.stringify(event)).toEqual([]);
      expect(spec.insertExperiment({ events: [event] })).toEqual([]);
    }
    for (const [event] of BAD) {
      expect(spec.insertProjectLogsEvent(event).length, JSON.stringify(event)).toBeGreaterThan(0);
      expect(spec.insertExperiment({ events: [event] }).length).toBeGreaterThan(0);
    }
  });

  it("agrees on random events built from the spec's own field names and edge values", () => {
    const scalar = fc.constantFrom<unknown>(
      null, true, 0, 1, 0.5, 1.5, -1, 2, "", "x", "llm", "scorer", "experiment",
      "2025-01-02T03:04:05Z", "2025-02-30T00:00:00Z", "2025-01-02 03:04:05+01:00", "2025-01-02T03:04:05",
      "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
    );
    const keys = fc.constantFrom(
      "model", "name", "type", "purpose", "start", "end", "prompt_tokens", "tokens", "cost", "caller_lineno",
      "caller_filename", "object_type", "object_id", "id", "path", "delete", "a",
    );
    const value = fc.letrec<{ value: unknown }>((tie) => ({
      // Objects weigh most: that is where the spec's rules live.
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        { arbitrary: scalar, weight: 2 },
        { arbitrary: fc.array(tie("value"), { maxLength: 3 }), weight: 1 },
        { arbitrary: fc.dictionary(keys, tie("value"), { maxKeys: 3 }), weight: 4 },
      ),
    })).value;
    const fields = fc.constantFrom(
      "input", "scores", "metadata", "tags", "metrics", "context", "span_attributes", "id", "created", "origin",
      "facets", "_object_delete", "_is_merge", "_merge_paths", "_array_delete", "span_id", "root_span_id",
      "span_parents", "unknown",
    );
    fc.assert(
      fc.property(fc.dictionary(fields, value, { maxKeys: 4 }), (event) => {
        const ours = badPaths(validateInsertEvent(event));
        const theirs = badPaths(spec.insertProjectLogsEvent(event));
        expect(ours, JSON.stringify(event)).toEqual(theirs);
      }),
      { numRuns: 10_000 },
    );
  });

  it("differs only where intended: the spec still accepts _parent_id", () => {
    expect(spec.insertProjectLogsEvent({ _parent_id: "abc" })).toEqual([]);
    expect(validateInsertEvent({ _parent_id: "abc" })).not.toEqual([]);
  });
});
