// JSON text that a span already carries (`braintrust.input_json`, …), kept as text for the
// row pipeline, which writes it into the row verbatim: an LLM span's row is mostly this text,
// and parsing it into objects only to serialize them again, or only to validate it, would be
// most of the row's cost (bench/README.md: `floor` against `floor-splice`, and
// bench/json-shape.ts).
// The public `toBraintrustEvent` never returns one: its output stays plain values.
import { isOneStructuredValue } from "./json-shape.js";

/** Text shaped as one JSON value (json-shape.ts), to be written into a row as that value. */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * Deeper nesting is left to the parse-and-stringify path, which replaces what JSON.stringify
 * cannot serialize (a few thousand levels, fewer on a deep stack) with a marker. Real content
 * nests a few levels; this keeps well clear of the limit, and of any server's.
 */
const MAX_DEPTH = 256;

// Node 20 has String.prototype.isWellFormed (ES2024); the ES2022 typings we build with do not.
type MaybeWellFormed = string & { isWellFormed?(): boolean };

/**
 * `text` as a RawJson when it may be written verbatim: it is shaped as exactly one array,
 * object or string (so it cannot spill into the row's other fields), nests at most MAX_DEPTH
 * deep, and has no lone surrogate (JSON.stringify escapes one; verbatim, the UTF-8 encoder
 * would replace it with U+FFFD). Otherwise undefined: parse it as before. Numbers, booleans
 * and null at the top level are parsed too: they are short, and a bare word must not pass.
 *
 * Its shape is checked, not its validity: text that is not valid JSON inside makes its row
 * refused with a 400, and delivery then sends that row with the text as a string. Verbatim
 * text keeps its whitespace and its numbers as written, where a parse would round them to
 * doubles (and JSON.stringify write one beyond a double's range as null).
 */
export function rawJsonOf(text: string): RawJson | undefined {
  // Without isWellFormed (older runtimes) nothing is spliced. It is O(1) for one-byte strings.
  if ((text as MaybeWellFormed).isWellFormed?.() !== true) return undefined;
  return isOneStructuredValue(text, MAX_DEPTH) ? new RawJson(text) : undefined;
}

