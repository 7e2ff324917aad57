// The inverse of splicing, for a row the API refused: JSON text written into a row verbatim
// (serialize.ts) is only checked for its shape on the app's thread, so text that is not valid
// JSON inside reaches the API, which answers 400. Delivery then asks for the row again with
// that text as a JSON string: the span arrives, and the reader sees exactly what it carried.
import { objectMembers } from "../convert/json-shape.js";
import { type RepairedRow, isJson } from "../delivery/row-repair.js";

/** The fields serialize.ts may write verbatim. */
const SPLICED = new Set(["input", "output", "expected"]);

/**
 * `row` with each verbatim field that is not valid JSON replaced by its text as a string;
 * undefined when `row` needs no such repair (or no repair makes it valid JSON).
 */
export function repairRow(row: string): RepairedRow | undefined {
  const members = objectMembers(row);
  if (!members) return undefined;
  let out = "";
  let copied = 0;
  const fields: string[] = [];
  for (const member of members) {
    if (!SPLICED.has(member.key)) continue;
    const text = row.slice(member.start, member.end);
    if (isJson(text)) continue;
    out += row.slice(copied, member.start) + JSON.stringify(text);
    copied = member.end;
    fields.push(member.key);
  }
  if (fields.length === 0) return undefined;
  out += row.slice(copied);
  let parsed: { span_id?: unknown; span_attributes?: { name?: unknown } };
  try {
    parsed = JSON.parse(out) as typeof parsed;
  } catch {
    return undefined;
  }
  const name = typeof parsed.span_attributes?.name === "string" ? `"${parsed.span_attributes.name}"` : "(unnamed)";
  const id = typeof parsed.span_id === "string" ? ` (span_id ${parsed.span_id})` : "";
  return { row: out, fields, span: `${name}${id}` };
}
