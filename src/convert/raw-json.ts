// JSON text that a span already carries (`braintrust.input_json`, …), kept as text for the
// row pipeline, which writes it into the row verbatim. Parsing it into objects only to
// serialize them again was half the cost of an LLM span's row, whose bytes are mostly this.
// The public `toBraintrustEvent` never returns one: its output stays plain values.

/** Valid JSON text, to be written into a row as the JSON value it is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * Deeper nesting is left to the parse-and-stringify path, which replaces what JSON.stringify
 * cannot serialize (a few thousand levels, fewer on a deep stack) with a marker. Real content
 * nests a few levels; this keeps well clear of the limit, and the check's own recursion short.
 */
const MAX_DEPTH = 256;

// Node 20 has String.prototype.isWellFormed (ES2024); the ES2022 typings we build with do not.
type MaybeWellFormed = string & { isWellFormed?(): boolean };

/**
 * `text` as a RawJson when writing it verbatim sends the same value as parsing and
 * re-serializing would: JSON.parse accepts it (no validator written in JS is faster, or
 * exactly as strict), it has no lone surrogate (JSON.stringify escapes one; verbatim, the
 * UTF-8 encoder would replace it with U+FFFD), and it does not nest too deep for
 * JSON.stringify. Otherwise undefined: parse it as before.
 * Verbatim text keeps its whitespace and its numbers as written, where a parse would round
 * them to doubles (and JSON.stringify write one beyond a double's range as null).
 */
export function rawJsonOf(text: string): RawJson | undefined {
  // Without isWellFormed (older runtimes) nothing is spliced. It is O(1) for one-byte strings.
  if ((text as MaybeWellFormed).isWellFormed?.() !== true) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  // A level of nesting takes two characters, so a short text cannot be too deep.
  if (text.length > 2 * MAX_DEPTH && !nestedWithin(value, MAX_DEPTH)) return undefined;
  return new RawJson(text);
}

/** Whether `value` (parsed JSON) nests at most `levels` deep; the recursion is bounded by `levels`. */
function nestedWithin(value: unknown, levels: number): boolean {
  if (typeof value !== "object" || value === null) return true;
  if (levels === 0) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!nestedWithin(value[i], levels - 1)) return false;
    return true;
  }
  for (const key in value) if (!nestedWithin((value as Record<string, unknown>)[key], levels - 1)) return false;
  return true;
}
