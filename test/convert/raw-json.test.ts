import { describe, expect, it } from "vitest";
import { RawJson, rawJsonOf } from "../../src/convert/raw-json.js";

describe("rawJsonOf", () => {
  it("keeps valid JSON as its text, whitespace included", () => {
    const text = '[ {"role": "user", "content": "hi"} ]\n';
    const raw = rawJsonOf(text);
    expect(raw).toBeInstanceOf(RawJson);
    expect(raw?.text).toBe(text);
    expect(rawJsonOf('"just a string"')?.text).toBe('"just a string"');
  });

  it("refuses text that is not shaped as one array, object or string", () => {
    for (const text of ["", " ", "{", "[[]", '"open', '{"a":"}', "}", "NaN", "undefined", "'x'", "\ufeff{}", "hello", "1", "true", "null", '{"a":1} x', '"a" "b"', "[] []"]) {
      expect(rawJsonOf(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it("never takes text that would spill into the row's other fields", () => {
    for (const text of ['{"a":1}, "id":"x", "b":{"c":2}', '1, "id":"x"', '"x", "id":"y"', '[1], "span_id": "z"', '{"a":"\\"}, "id":"x", "b":{"c":"\\"}']) {
      expect(rawJsonOf(text), text).toBeUndefined();
    }
  });

  it("checks the shape only: what is whole but invalid inside is kept (a 400 isolates its row)", () => {
    for (const text of ["[1,]", '"tab\there"', '{"a": hello}', '["\\x"]', '{"a" "b"}', "[}", '{"n": 01}']) {
      expect(rawJsonOf(text)?.text, JSON.stringify(text)).toBe(text);
    }
  });

  it("follows escapes: an escaped quote does not end a string, an escaped backslash does not escape it", () => {
    expect(rawJsonOf('{"a":"say \\"hi\\" \\\\"}')?.text).toBe('{"a":"say \\"hi\\" \\\\"}');
    expect(rawJsonOf('["\\\\"]')).toBeInstanceOf(RawJson);
    expect(rawJsonOf('["\\"]')).toBeUndefined();
    expect(rawJsonOf('"]\\"["')).toBeInstanceOf(RawJson);
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
