// Media in a row's messages (images, audio, documents as base64) found and replaced by
// Braintrust attachment references, in the shapes the converters write and the SDKs log.
// Pure: what becomes of each piece (a reference, a marker, or left inline) is the caller's
// `place`, and nothing here decodes, hashes or uploads.
//
// The reference goes where the bytes were, which is where Braintrust's UI looks in each
// shape: `image_url.url`, `input_audio.data`, `file.file_data`, Anthropic's `source.data`,
// Gemini's `inlineData.data`, Bedrock's `source.bytes`, the AI SDK's `image`/`data`, a
// semconv blob's `content`, or the whole value of a data URI. Every other field is kept.
import type { AttachmentReference, PlaceMedia } from "../delivery/attachment-reference.js";
import { mediaKind, sniffContentType } from "./media-types.js";

export type { AttachmentReference, FoundMedia, PlaceMedia } from "../delivery/attachment-reference.js";


const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+)((?:;[\w.+-]+=[^;,]*)*);base64,/i;
/** Not base64. A search for one character: a pattern over the whole run overflows the stack on megabytes. */
const NOT_BASE64 = /[^A-Za-z0-9+/_=-]/;
/** Deeper values are left as they are: real messages nest a few levels. */
const MAX_DEPTH = 64;

/**
 * True when a JSON text or string might hold media of at least `minChars` base64 characters.
 * Rows without media pay only this: any run that long covers one of the positions
 * minChars - 1, 2·minChars - 1, …, so only those are probed, each widened to its run, which
 * in prose ends within a word. A regular expression tried a match at every position.
 */
export function mayHoldMedia(text: string, minChars: number): boolean {
  const n = text.length;
  const need = Math.max(1, Math.floor(minChars));
  if (n < need) return false;
  for (let probe = need - 1; probe < n; probe += need) {
    if (!isBase64Char(text.charCodeAt(probe))) continue;
    let start = probe;
    while (start > 0 && probe - start < need && isBase64Char(text.charCodeAt(start - 1))) start--;
    let end = probe + 1;
    while (end < n && end - start < need && isBase64Char(text.charCodeAt(end))) end++;
    if (end - start >= need) return true;
  }
  return false;
}

/** The base64 alphabets (standard and URL-safe), by character code. */
const BASE64_CHARS = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_") BASE64_CHARS[c.charCodeAt(0)] = 1;

function isBase64Char(code: number): boolean {
  return code < 128 && BASE64_CHARS[code] === 1;
}

/** True when a value (parsed JSON, or attribute values) holds a string that `mayHoldMedia`. */
export function valueMayHoldMedia(value: unknown, minChars: number, depth = 0): boolean {
  if (typeof value === "string") return mayHoldMedia(value, minChars);
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) return value.some((v) => valueMayHoldMedia(v, minChars, depth + 1));
  for (const key in value) {
    if (valueMayHoldMedia((value as Record<string, unknown>)[key], minChars, depth + 1)) return true;
  }
  return false;
}

/**
 * `value` with its media replaced as `place` decides; unchanged parts are shared, changed
 * objects are copies (the span's own values are never written to). Returns `value` itself
 * when nothing changed.
 */
export function replaceMedia(value: unknown, place: PlaceMedia): unknown {
  return walk(value, place, 0);
}

function walk(value: unknown, place: PlaceMedia, depth: number): unknown {
  if (typeof value === "string") return dataUri(value, place, undefined) ?? value;
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = walk(value[i], place, depth + 1);
      if (next !== value[i]) (out ??= value.slice())[i] = next;
    }
    return out ?? value;
  }
  const object = value as Record<string, unknown>;
  const shaped = knownShape(object, place);
  const source = shaped ?? object;
  let out: Record<string, unknown> | undefined = shaped;
  for (const key of Object.keys(source)) {
    const child = source[key];
    if (isReference(child)) continue;
    const next = walk(child, place, depth + 1);
    if (next !== child) (out ??= { ...source })[key] = next;
  }
  return out ?? value;
}

function isReference(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "braintrust_attachment";
}

/** A whole-value data URI as a reference (or marker); undefined when `text` is not one, or stays. */
function dataUri(text: string, place: PlaceMedia, filename: string | undefined): AttachmentReference | string | undefined {
  if (text.length < 16 || !text.startsWith("data:") && !text.startsWith("DATA:")) return undefined;
  const m = DATA_URI.exec(text);
  if (!m) return undefined;
  const contentType = m[1]!.toLowerCase();
  const name = filename ?? nameParam(m[2]!);
  return found(text.slice(m[0].length), contentType, name, place);
}

function nameParam(params: string): string | undefined {
  const m = /;name=([^;,]+)/i.exec(params);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
}

/** Base64 (or a data URI) given with what the shape says of its type and name. */
function bytesField(value: unknown, contentType: string | undefined, filename: string | undefined, place: PlaceMedia): AttachmentReference | string | undefined {
  if (typeof value !== "string") return undefined;
  if (value.startsWith("data:")) return dataUri(value, place, filename);
  return found(value, contentType, filename, place);
}

/**
 * `declared` is what the shape says of the type; a bare modality ("image") or nothing is
 * completed from the bytes' signature, else the bytes are an opaque file.
 */
function found(base64: string, declared: string | undefined, filename: string | undefined, place: PlaceMedia): AttachmentReference | string | undefined {
  if (base64.length < 8 || !isBase64(base64)) return undefined;
  const contentType = declared && declared.includes("/") ? declared.toLowerCase() : sniffContentType(base64) ?? "application/octet-stream";
  const name = filename && filename.trim() !== "" ? filename.trim() : defaultName(contentType);
  return place({ base64, contentType, filename: name, bytes: decodedBytes(base64) });
}

function isBase64(text: string): boolean {
  if (NOT_BASE64.test(text)) return false;
  const pad = text.indexOf("=");
  return pad === -1 || (pad >= text.length - 2 && (pad === text.length - 1 || text.charCodeAt(text.length - 1) === 61));
}

/** The size of the bytes `base64` encodes. */
function decodedBytes(base64: string): number {
  let length = base64.length;
  while (length > 0 && base64.charCodeAt(length - 1) === 61 /* = */) length--;
  return Math.floor((length * 3) / 4);
}

function defaultName(contentType: string): string {
  const { kind, extension } = mediaKind(contentType);
  return `${kind}.${extension}`;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * The object with the media of a known shape replaced (a copy), or undefined when it is not
 * one of them. Shapes whose bytes are a plain data URI (OpenAI `image_url.url`, OpenInference
 * image URLs) need nothing here: every whole-value data URI is found by the walk.
 */
function knownShape(o: Record<string, unknown>, place: PlaceMedia): Record<string, unknown> | undefined {
  // OpenAI: {type: "input_audio", input_audio: {data, format}}
  const audio = obj(o.input_audio);
  if (audio) {
    const format = str(audio.format);
    return nested(o, "input_audio", audio, "data", bytesField(audio.data, format ? audioType(format) : undefined, undefined, place));
  }
  // OpenAI: {type: "file", file: {file_data, filename}}
  const file = obj(o.file);
  if (file && typeof file.file_data === "string") {
    return nested(o, "file", file, "file_data", bytesField(file.file_data, undefined, str(file.filename), place));
  }
  // Anthropic: {type: "image" | "document", source: {type: "base64", media_type, data}}
  const source = obj(o.source);
  if (source && source.type === "base64") {
    return nested(o, "source", source, "data", bytesField(source.data, str(source.media_type), str(o.title), place));
  }
  // Bedrock Converse: {image | document | audio | video: {format, name?, source: {bytes}}}
  for (const block of ["image", "document", "audio", "video"] as const) {
    const b = obj(o[block]);
    const s = obj(b?.source);
    if (b && s && s.bytes !== undefined) {
      const bytes = Array.isArray(s.bytes) ? byteArrayBase64(s.bytes) : s.bytes;
      const format = str(b.format);
      const type = format ? bedrockType(block, format) : undefined;
      const name = str(b.name);
      const replaced = bytesField(bytes, type, name && format && !name.includes(".") ? `${name}.${format}` : name, place);
      if (replaced === undefined) return undefined;
      return { ...o, [block]: { ...b, source: { ...s, bytes: replaced } } };
    }
  }
  // Gemini: {inlineData: {mimeType, data, displayName?}} / {inline_data: {mime_type, data}}
  for (const field of ["inlineData", "inline_data"] as const) {
    const inline = obj(o[field]);
    if (inline) return nested(o, field, inline, "data", bytesField(inline.data, str(inline.mimeType) ?? str(inline.mime_type), str(inline.displayName) ?? str(inline.display_name), place));
  }
  // GenAI semconv: {type: "blob", mime_type, modality, content}
  if (o.type === "blob" && typeof o.content === "string") {
    return replaced(o, "content", bytesField(o.content, str(o.mime_type) ?? modalityType(o.modality), undefined, place));
  }
  // AI SDK: {type: "image", image, mediaType | mimeType} and {type: "file", data, mediaType | mimeType, filename}
  if (o.type === "image" && typeof o.image === "string") {
    return replaced(o, "image", bytesField(o.image, str(o.mediaType) ?? str(o.mimeType), undefined, place));
  }
  if (o.type === "file" && typeof o.data === "string") {
    return replaced(o, "data", bytesField(o.data, str(o.mediaType) ?? str(o.mimeType), str(o.filename), place));
  }
  // Outputs: OpenAI audio answers {audio: {data, transcript}}, generated images {b64_json}.
  const answer = obj(o.audio);
  if (answer && typeof answer.data === "string" && !o.type) {
    return nested(o, "audio", answer, "data", bytesField(answer.data, str(answer.format) ? audioType(str(answer.format)!) : undefined, undefined, place));
  }
  if (typeof o.b64_json === "string") return replaced(o, "b64_json", bytesField(o.b64_json, undefined, undefined, place));
  if (o.type === "image_generation_call" && typeof o.result === "string") return replaced(o, "result", bytesField(o.result, undefined, undefined, place));
  return undefined;
}

function replaced(o: Record<string, unknown>, field: string, value: AttachmentReference | string | undefined): Record<string, unknown> | undefined {
  return value === undefined ? undefined : { ...o, [field]: value };
}

function nested(o: Record<string, unknown>, field: string, inner: Record<string, unknown>, key: string, value: AttachmentReference | string | undefined): Record<string, unknown> | undefined {
  return value === undefined ? undefined : { ...o, [field]: { ...inner, [key]: value } };
}

function byteArrayBase64(bytes: unknown[]): string | undefined {
  if (bytes.length === 0 || !bytes.every((b) => typeof b === "number" && b >= 0 && b <= 255 && Number.isInteger(b))) return undefined;
  return Buffer.from(bytes as number[]).toString("base64");
}

function audioType(format: string): string {
  const f = format.toLowerCase();
  if (f === "mp3") return "audio/mpeg";
  if (f === "pcm16" || f === "pcm") return "audio/pcm";
  return `audio/${f}`;
}

function bedrockType(block: "image" | "document" | "audio" | "video", format: string): string {
  const f = format.toLowerCase();
  if (block === "document") {
    const documents: Record<string, string> = {
      pdf: "application/pdf", csv: "text/csv", doc: "application/msword", txt: "text/plain", html: "text/html", md: "text/markdown",
      docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      xls: "application/vnd.ms-excel", xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    return documents[f] ?? "application/octet-stream";
  }
  if (block === "audio") return audioType(f);
  if (block === "image" && f === "jpg") return "image/jpeg";
  return `${block}/${f}`;
}

function modalityType(modality: unknown): string | undefined {
  return typeof modality === "string" && ["image", "audio", "video"].includes(modality) ? modality : undefined;
}
