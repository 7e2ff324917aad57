// The shape of JSON text, without parsing it: where strings, arrays and objects begin and end.
// It decides what may be written into a row verbatim, where JSON.parse only to validate would
// weigh as much as the rest of an LLM span's conversion (bench/json-shape.ts compares the two).
// String contents are jumped over with indexOf, so a chat transcript costs a few native
// searches, not a loop over its characters.
//
// Safety rests on one property: text accepted here is one value with balanced strings and
// brackets, so whatever follows it in a row is read as the row's, never as the text's. If the
// text is not valid JSON inside (a bad escape, a raw control character, a bare word), the
// row itself is not valid JSON and the API refuses it with a 400, which delivery isolates
// (rows/repair.ts sends that text as a string). It can never add or change another field.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** JSON's whitespace: space, tab, line feed, carriage return (nothing else, not even U+00A0). */
function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** The index just past the string whose opening quote is at `at`; -1 when it never closes. */
function stringEnd(text: string, at: number): number {
  let close = text.indexOf('"', at + 1);
  while (close !== -1 && text.charCodeAt(close - 1) === BACKSLASH) {
    // The quote is escaped when an odd number of backslashes precede it. Each run of
    // backslashes is counted once, so this stays linear.
    let slashes = 1;
    for (let k = close - 2; k > at && text.charCodeAt(k) === BACKSLASH; k--) slashes++;
    if ((slashes & 1) === 0) break;
    close = text.indexOf('"', close + 1);
  }
  return close === -1 ? -1 : close + 1;
}

/**
 * The index just past the array or object whose opening bracket is at `at`; -1 when it never
 * closes, a string in it never closes, or it nests deeper than `maxDepth`. Mismatched
 * brackets (`[}`) still count as closing: JSON.parse refuses them, and so does the API.
 */
function containerEnd(text: string, at: number, maxDepth: number): number {
  let depth = 0;
  const length = text.length;
  for (let i = at; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const end = stringEnd(text, i);
      if (end === -1) return -1;
      i = end - 1;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > maxDepth) return -1;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Whether `text` is exactly one array, object or string, with only whitespace around it,
 * nesting at most `maxDepth` deep. Other values (numbers, true, false, null) answer false:
 * they are short, and JSON.parse decides them exactly.
 */
export function isOneStructuredValue(text: string, maxDepth: number): boolean {
  const length = text.length;
  let i = 0;
  while (i < length && isJsonSpace(text.charCodeAt(i))) i++;
  const code = text.charCodeAt(i);
  const end = code === QUOTE ? stringEnd(text, i) : code === OPEN_BRACE || code === OPEN_BRACKET ? containerEnd(text, i, maxDepth) : -1;
  if (end === -1) return false;
  for (let k = end; k < length; k++) if (!isJsonSpace(text.charCodeAt(k))) return false;
  return true;
}

/** Where one member of an object is in the text: its key (decoded) and its value's range, whitespace included. */
export interface Member {
  key: string;
  start: number;
  end: number;
}

/**
 * The top-level members of the object `text`, located by shape only, so that an object whose
 * values are not all valid JSON can still be taken apart. Undefined when it is not shaped as
 * one object of `"key": value` members. Rare path (repairing a refused row): clarity first.
 */
export function objectMembers(text: string): Member[] | undefined {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
  i = skipSpace(text, i + 1);
  const members: Member[] = [];
  if (text.charCodeAt(i) === CLOSE_BRACE) return skipSpace(text, i + 1) === text.length ? members : undefined;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, i);
    if (keyEnd === -1) return undefined;
    let key: unknown;
    try {
      key = JSON.parse(text.slice(i, keyEnd));
    } catch {
      return undefined;
    }
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== 0x3a) return undefined; // ':'
    // The value's range includes the whitespace around it: spliced text keeps its own.
    const start = i + 1;
    const end = valueEnd(text, skipSpace(text, start));
    if (end === -1) return undefined;
    i = skipSpace(text, end);
    members.push({ key: key as string, start, end: i });
    const next = text.charCodeAt(i);
    if (next === CLOSE_BRACE) return skipSpace(text, i + 1) === text.length ? members : undefined;
    if (next !== 0x2c) return undefined; // ','
    i = skipSpace(text, i + 1);
  }
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && isJsonSpace(text.charCodeAt(at))) at++;
  return at;
}

/** The end of the value at `at`: a string, a container, or a scalar's run of characters. */
function valueEnd(text: string, at: number): number {
  const code = text.charCodeAt(at);
  if (code === QUOTE) return stringEnd(text, at);
  if (code === OPEN_BRACE || code === OPEN_BRACKET) return containerEnd(text, at, Infinity);
  let i = at;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x2c || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === QUOTE || c === OPEN_BRACE || c === OPEN_BRACKET || isJsonSpace(c)) break;
    i++;
  }
  return i === at ? -1 : i;
}
