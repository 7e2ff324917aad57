// Text from a server or from row data, made safe and measurable for a terminal.
// Safe: control characters could move the cursor, ring the bell, retitle the window
// or recolour the rest of the screen, and bidi overrides could make printed text read
// differently from what it is. Measurable: CJK and emoji take two columns, combining
// marks none, so cutting lines by string length would wrap them.

/** C0, DEL and C1 controls: newlines, ESC (ANSI sequences), BEL, CSI … */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;
/** Bidi embeddings, overrides, isolates and marks (Trojan Source). */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One line of inert text: controls become a space, bidi controls are removed. */
export function terminalSafe(text: string): string {
  return text.replace(BIDI, "").replace(CONTROLS, " ");
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const ZERO_WIDTH = /^(?:\p{Mn}|\p{Me}|\p{Cf}|[\u200b\u2060\ufeff])+$/u;
const EMOJI = /\p{Extended_Pictographic}/u;
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}|\ufe0f/u;
const ALL_ASCII = /^[\u0020-\u007e]*$/;

/** East Asian Wide and Fullwidth ranges (UAX #11), the ones text actually uses. */
function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xa960 && code <= 0xa97f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Columns one grapheme (a user-perceived character) takes. */
function graphemeColumns(grapheme: string): number {
  if (ZERO_WIDTH.test(grapheme)) return 0;
  const first = grapheme.codePointAt(0)!;
  if (isWide(first)) return 2;
  if (EMOJI.test(grapheme) && (EMOJI_PRESENTATION.test(grapheme) || grapheme.length > 2)) return 2;
  return 1;
}

/** Terminal columns the text takes (on one line; run it through terminalSafe first). */
export function columns(text: string): number {
  if (ALL_ASCII.test(text)) return text.length;
  let n = 0;
  for (const { segment } of segmenter.segment(text)) n += graphemeColumns(segment);
  return n;
}

/** The text cut to at most `max` columns, ending in "…" when cut; never splits a character. */
export function cutToColumns(text: string, max: number): string {
  if (max <= 0) return "";
  if (ALL_ASCII.test(text)) return text.length <= max ? text : text.slice(0, max - 1) + "…";
  if (columns(text) <= max) return text;
  let out = "";
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = graphemeColumns(segment);
    if (used + w > max - 1) break;
    out += segment;
    used += w;
  }
  return out + "…";
}
