// The row a span becomes on the wire: JSON content attributes written verbatim must give
// the same value as the public, parse-everything conversion.
import { describe, expect, it } from "vitest";
import { toBraintrustEvent, toRowEvent } from "../../src/convert/index.js";
import { RawJson } from "../../src/convert/raw-json.js";
import { serializeRow } from "../../src/rows/serialize.js";
import { oneSpan } from "../helpers/spans.js";

const wire = (attributes: Record<string, unknown>) => {
  const span = oneSpan(attributes as never);
  return { row: serializeRow(toRowEvent(span))!, plain: toBraintrustEvent(span) };
};

describe("serializeRow with JSON text content", () => {
  it("writes valid *_json attributes verbatim, as JSON values, never JSON-in-JSON", () => {
    const input = JSON.stringify([{ role: "user", content: "héllo \"quoted\" \u2028" }]);
    const output = '{ "answer": 42, "big": 12345678901234567890 }';
    const { row, plain } = wire({ "braintrust.input_json": input, "braintrust.output_json": output, "braintrust.expected_json": "null", note: "kept" });
    expect(row).toContain(`"input":${input}`);
    expect(row).toContain(`"output":${output}`);
    expect(JSON.parse(row)).toEqual(JSON.parse(JSON.stringify(plain)));
    expect(JSON.parse(row).expected).toBeNull();
  });

  it("parses what cannot go verbatim, exactly as the public conversion does", () => {
    for (const attributes of [
      { "braintrust.input_json": '{"a":' },
      { "braintrust.input_json": '"lone \ud800"' },
      { "braintrust.output_json": "[".repeat(300) + "]".repeat(300) },
    ]) {
      const { row, plain } = wire(attributes);
      expect(row).toBe(JSON.stringify(plain));
    }
  });

  it("leaves the public conversion plain", () => {
    const span = oneSpan({ "braintrust.input_json": '{"a":1}' } as never);
    expect(toBraintrustEvent(span).input).toEqual({ a: 1 });
    expect(toRowEvent(span).input).toBeInstanceOf(RawJson);
  });
});
