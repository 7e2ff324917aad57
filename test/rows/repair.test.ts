// Spliced text is checked for its shape only. Whatever text a span carries, its row is either
// exactly the parse-everything conversion, or not JSON at all and then repairable into that
// row with the text as a string: never a row with a field the span did not give it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toBraintrustEvent, toRowEvent } from "../../src/convert/index.js";
import { RawJson } from "../../src/convert/raw-json.js";
import { repairRow } from "../../src/rows/repair.js";
import { serializeRow } from "../../src/rows/serialize.js";
import { oneSpan } from "../helpers/spans.js";

/** Text made of JSON's own characters, so that shapes, escapes and near-misses are common. */
const jsonish = fc.oneof(
  fc.string({ unit: fc.constantFrom("{", "}", "[", "]", '"', "\\", ",", ":", " ", "a", "1", "0", "id", '"id"', "x", "\t", "\n", "u"), maxLength: 40 }),
  fc.json().map((text) => text),
  fc.tuple(fc.json(), fc.nat(), fc.constantFrom("\\", '"', ",", "}", "]", "{", "01", "\\x", "\u0001", ', "id": "x"')).map(([text, at, insert]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + insert + text.slice(i);
  }),
);

const plainRow = (span: ReturnType<typeof oneSpan>) => JSON.parse(JSON.stringify(toBraintrustEvent(span))) as Record<string, unknown>;

describe("rows with JSON text written verbatim", () => {
  it("are the plain conversion, or repairable into it with the text as a string; no field is ever added", () => {
    const rowOf = (text: string) => {
      const span = oneSpan({ "braintrust.input_json": text, "braintrust.output_json": '{"fine":1}', note: "n" });
      const event = toRowEvent(span);
      const spliced = event.input instanceof RawJson;
      return { row: serializeRow(event)!, plain: plainRow(span), spliced };
    };
    fc.assert(
      fc.property(jsonish, (text) => {
        const { row, plain, spliced } = rowOf(text);
        let parsed: Record<string, unknown> | undefined;
        try {
          parsed = JSON.parse(row) as Record<string, unknown>;
        } catch {
          parsed = undefined;
        }
        if (parsed) {
          // Verbatim keeps numbers as written, where the plain conversion rounds them to doubles.
          expect(parsed).toEqual(spliced ? { ...plain, input: JSON.parse(text) } : plain);
          expect(repairRow(row)).toBeUndefined();
          return;
        }
        const repaired = repairRow(row);
        expect(repaired, row).toBeDefined();
        expect(repaired!.fields).toEqual(["input"]);
        const fixed = JSON.parse(repaired!.row) as Record<string, unknown>;
        expect(fixed.input).toBe(text);
        // The plain conversion keeps text that is not JSON in metadata instead.
        const metadata = { ...(plain.metadata as Record<string, unknown>) };
        delete metadata["braintrust.input_json"];
        expect({ ...fixed, input: undefined, metadata: undefined }).toEqual({ ...plain, input: undefined, metadata: undefined });
        expect(fixed.metadata).toEqual(metadata);
      }),
      { numRuns: 1500 },
    );
  });

  it("repairs every field that is not valid JSON and leaves the valid ones as they were", () => {
    const row = '{"id":"a","span_attributes":{"name":"chat"},"span_id":"0123456789abcdef","input":[1,],"output":{"x": [true]},"expected":{"a" "b"}}';
    const repaired = repairRow(row)!;
    expect(repaired.fields).toEqual(["input", "expected"]);
    expect(repaired.span).toBe('"chat" (span_id 0123456789abcdef)');
    expect(JSON.parse(repaired.row)).toEqual({ id: "a", span_attributes: { name: "chat" }, span_id: "0123456789abcdef", input: "[1,]", output: { x: [true] }, expected: '{"a" "b"}' });
  });

  it("leaves alone a row whose fault is not in a verbatim field", () => {
    expect(repairRow('{"id":"a","metadata":{"k": nope},"input":{}}')).toBeUndefined();
    expect(repairRow('{"id":"a"')).toBeUndefined();
    expect(repairRow("[]")).toBeUndefined();
  });
});
