// What a piece of media is, for its reference: a type from the first bytes when the message
// does not say, and a file name from the type when it gives none.

/** Signatures of common media, as the base64 of their first bytes. */
const SIGNATURES: readonly (readonly [prefix: string, contentType: string])[] = [
  ["iVBORw0KGgo", "image/png"],
  ["/9j/", "image/jpeg"],
  ["R0lGODlh", "image/gif"],
  ["R0lGODdh", "image/gif"],
  ["JVBERi0", "application/pdf"],
  ["SUQz", "audio/mpeg"],
  ["//s", "audio/mpeg"],
  ["//u", "audio/mpeg"],
  ["T2dnUw", "audio/ogg"],
  ["ZkxhQw", "audio/flac"],
  ["GkXfo", "video/webm"],
];

/** The type the bytes' signature names, or undefined. */
export function sniffContentType(base64: string): string | undefined {
  for (const [prefix, type] of SIGNATURES) if (base64.startsWith(prefix)) return type;
  // RIFF containers: the format is at bytes 8–11 ("WEBP", "WAVE").
  if (base64.startsWith("UklGR")) {
    const head = Buffer.from(base64.slice(0, 16), "base64").toString("latin1");
    if (head.slice(8, 12) === "WEBP") return "image/webp";
    if (head.slice(8, 12) === "WAVE") return "audio/wav";
  }
  // ISO media: "ftyp" at bytes 4–7.
  if (base64.length >= 16 && Buffer.from(base64.slice(0, 16), "base64").toString("latin1").slice(4, 8) === "ftyp") return "video/mp4";
  return undefined;
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  "image/jpeg": "jpg",
  "image/svg+xml": "svg",
  "audio/mpeg": "mp3",
  "audio/x-wav": "wav",
  "audio/wave": "wav",
  "text/plain": "txt",
  "text/markdown": "md",
  "application/octet-stream": "bin",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
};

/** `image`, `audio`, `video` or `file`, and a file extension, for a default file name. */
export function mediaKind(contentType: string): { kind: string; extension: string } {
  const [top = "", sub = ""] = contentType.toLowerCase().split(";")[0]!.split("/");
  const kind = top === "image" || top === "audio" || top === "video" ? top : top === "application" && sub === "pdf" ? "document" : "file";
  const extension = EXTENSIONS[`${top}/${sub}`] ?? (/^[a-z0-9]{1,8}$/.test(sub) ? sub : "bin");
  return { kind, extension };
}
