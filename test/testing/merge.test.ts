import { describe, expect, it } from "vitest";
import { deepMerge, deleteFromArray } from "../../src/testing/merge.js";

describe("deepMerge", () => {
  it("merges objects key by key and replaces everything else, arrays included", () => {
    const existing = { input: { a: 5, b: 10 }, tags: ["x"], output: "old", n: { deep: { keep: 1, swap: 1 } } };
    const merged = deepMerge(existing, { input: { b: 11, c: 20 }, tags: ["y"], output: { now: "object" }, n: { deep: { swap: 2 } } });
    expect(merged).toEqual({ input: { a: 5, b: 11, c: 20 }, tags: ["y"], output: { now: "object" }, n: { deep: { keep: 1, swap: 2 } } });
  });

  it("does not descend below a merge path (the spec's example)", () => {
    const existing = { id: "foo", input: { a: { b: 10 }, c: { d: 20 } }, output: { a: 20 } };
    const incoming = { input: { a: { q: 30 }, c: { e: 30 }, bar: "baz" }, output: { d: 40 } };
    expect(deepMerge(existing, incoming, [["input", "a"], ["output"]])).toEqual({
      id: "foo",
      input: { a: { q: 30 }, c: { d: 20, e: 30 }, bar: "baz" },
      output: { d: 40 },
    });
  });

  it("leaves both arguments untouched", () => {
    const existing = { m: { a: 1 } };
    const incoming = { m: { b: 2 } };
    deepMerge(existing, incoming);
    expect(existing).toEqual({ m: { a: 1 } });
    expect(incoming).toEqual({ m: { b: 2 } });
  });
});

describe("deleteFromArray", () => {
  it("removes values from a nested array, compared as JSON", () => {
    const row = { metadata: { categories: ["a", { k: 1 }, "b"] }, tags: ["a"] };
    expect(deleteFromArray(row, ["metadata", "categories"], ["a", { k: 1 }])).toEqual({ metadata: { categories: ["b"] }, tags: ["a"] });
  });

  it("ignores paths that do not lead to an array", () => {
    const row = { tags: "a", metadata: 3 };
    expect(deleteFromArray(row, ["tags"], ["a"])).toBe(row);
    expect(deleteFromArray(row, ["metadata", "x"], ["a"])).toBe(row);
    expect(deleteFromArray(row, [], ["a"])).toBe(row);
  });
});
