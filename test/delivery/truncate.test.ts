import { describe, expect, it } from "vitest";
import { formatBytes, truncateToFit, truncationMarker } from "../../src/delivery/truncate.js";

const base = {
  id: "row-1",
  span_id: "s1",
  root_span_id: "r1",
  span_parents: ["p1"],
  created: "2025-01-01T00:00:00.000Z",
  metrics: { start: 1, end: 2, tokens: 3 },
  span_attributes: { name: "chat", type: "llm" },
};

describe("formatBytes", () => {
  it("uses decimal units with one decimal", () => {
    expect(formatBytes(12)).toBe("12 B");
    expect(formatBytes(8_200_000)).toBe("8.2 MB");
    expect(formatBytes(1_500)).toBe("1.5 KB");
    expect(formatBytes(999_999)).toBe("1.0 MB");
    expect(truncationMarker(8_200_000)).toBe("[truncated 8.2 MB]");
  });
});

describe("truncateToFit", () => {
  it("returns the row itself when it already fits", () => {
    const json = JSON.stringify({ ...base, input: "small" });
    expect(truncateToFit(json, 10_000)).toBe(json);
  });

  it("replaces the largest field with a marker naming its size, and the result fits", () => {
    const json = JSON.stringify({ ...base, input: "i".repeat(2_000), output: "o".repeat(1_000_000) });
    const out = truncateToFit(json, 10_000)!;
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(10_000);
    const row = JSON.parse(out);
    expect(row.output).toBe("[truncated 1.0 MB]");
    expect(row.input).toBe("i".repeat(2_000)); // small enough to keep
    expect(row).toMatchObject(base); // ids, links, metrics and type survive
  });

  it("truncates several fields when one is not enough, largest first", () => {
    const json = JSON.stringify({ ...base, input: "i".repeat(6_000), output: "o".repeat(7_000), expected: "e".repeat(100) });
    const out = truncateToFit(json, 1_000)!;
    const row = JSON.parse(out);
    expect(row.output).toBe("[truncated 7.0 KB]");
    expect(row.input).toBe("[truncated 6.0 KB]");
    expect(row.expected).toBe("e".repeat(100));
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(1_000);
  });

  it("keeps metadata an object, cutting its largest value first", () => {
    const json = JSON.stringify({ ...base, metadata: { model: "gpt-4o", blob: "b".repeat(50_000) } });
    const row = JSON.parse(truncateToFit(json, 2_000)!);
    expect(row.metadata).toEqual({ model: "gpt-4o", blob: "[truncated 50.0 KB]" });
  });

  it("replaces a metadata object of many small keys by a marker object", () => {
    const metadata = Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`key${i}`, i]));
    const row = JSON.parse(truncateToFit(JSON.stringify({ ...base, metadata }), 1_000)!);
    expect(row.metadata).toEqual({ truncated: expect.stringMatching(/^\[truncated \d+\.\d KB\]$/) });
  });

  it("counts UTF-8 bytes, not characters", () => {
    const json = JSON.stringify({ ...base, output: "日".repeat(1_000) }); // 3 000 bytes of output
    expect(json.length).toBeLessThan(2_000);
    const out = truncateToFit(json, 2_000)!;
    expect(JSON.parse(out).output).toBe("[truncated 3.0 KB]");
  });

  it("gives up (undefined) when even the kept fields do not fit, or the row is not a JSON object", () => {
    const json = JSON.stringify({ ...base, span_parents: Array.from({ length: 500 }, (_, i) => `parent-${i}`) });
    expect(truncateToFit(json, 500)).toBeUndefined();
    expect(truncateToFit("x".repeat(100), 10)).toBeUndefined();
    expect(truncateToFit(JSON.stringify(["a".repeat(100)]), 10)).toBeUndefined();
  });
});
