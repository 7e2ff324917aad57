import { describe, expect, it } from "vitest";
import { RawJson, rawJsonOf } from "../../src/convert/raw-json.js";

describe("rawJsonOf", () => {
  it("keeps valid JSON as its text, whitespace included", () => {
    const text = '[ {"role": "user", "content": "hi"} ]\n';
    const raw = rawJsonOf(text);
    expect(raw).toBeInstanceOf(RawJson);
    expect(raw?.text).toBe(text);
    expect(rawJsonOf('"just a string"')?.text).toBe('"just a string"');
    expect(rawJsonOf("null")?.text).toBe("null");
  });

  it("refuses what JSON.parse refuses", () => {
    for (const text of ["", "{", '{"a":}', "NaN", "undefined", "'x'", "[1,]", "\ufeff{}", '"tab\there"']) {
      expect(rawJsonOf(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it("refuses a lone surrogate, which UTF-8 cannot carry, but keeps an escaped one", () => {
    expect(rawJsonOf('"a\ud800b"')).toBeUndefined();
    expect(rawJsonOf('"\udc00"')).toBeUndefined();
    expect(rawJsonOf('"\\ud800"')?.text).toBe('"\\ud800"');
    expect(rawJsonOf('"😀"')?.text).toBe('"😀"');
  });

  it("leaves deep nesting to the parse-and-stringify path", () => {
    const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    expect(rawJsonOf(nested(256))).toBeInstanceOf(RawJson);
    expect(rawJsonOf(nested(257))).toBeUndefined();
    expect(rawJsonOf(`{"a":${nested(300)}}`)).toBeUndefined();
  });
});
