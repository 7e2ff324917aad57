// A row's JSON text with references to attachments that were not stored replaced by their
// markers. The row was serialized once, with the references as JSON.stringify wrote them;
// each key is a fresh unique id, so its reference's text occurs only where it was placed.
// A mask that rewrote a reference (another key order, extra fields) is handled by parsing
// the row once, which only such rows pay.
import type { AttachmentReference } from "./attachment-reference.js";

export interface Replacement {
  readonly reference: AttachmentReference;
  readonly marker: string;
}

export function replaceReferences(json: string, replacements: readonly Replacement[]): string {
  let out = json;
  const missed: Replacement[] = [];
  for (const r of replacements) {
    const text = JSON.stringify(r.reference);
    if (out.includes(text)) out = out.split(text).join(JSON.stringify(r.marker));
    else if (out.includes(JSON.stringify(r.reference.key))) missed.push(r);
  }
  if (missed.length === 0) return out;
  try {
    const markers = new Map(missed.map((r) => [r.reference.key, r.marker]));
    return JSON.stringify(JSON.parse(out, (_name, value: unknown) => {
      const ref = value as { type?: unknown; key?: unknown } | null;
      if (typeof ref === "object" && ref !== null && ref.type === "braintrust_attachment" && typeof ref.key === "string" && markers.has(ref.key)) {
        return markers.get(ref.key);
      }
      return value;
    }));
  } catch {
    return out;
  }
}
