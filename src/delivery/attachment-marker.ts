// A row's JSON text with references to attachments that were not stored replaced by their
// markers. The row was serialized once, with the references as JSON.stringify wrote them;
// each key is a fresh unique id, so its reference's text occurs only where it was placed.
// A mask that rewrote a reference (another key order, extra fields) is handled by parsing
// the row once, which only such rows pay. The markers and the one line said per cause of
// failure are written here too.
import type { AttachmentReference, FoundMedia } from "./attachment-reference.js";
import type { UploadFailure } from "./attachment-upload.js";
import { formatBytes } from "./truncate.js";

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

/** What a marker names of a piece of media: its type and its decoded size. */
export type MediaAbout = Pick<FoundMedia, "contentType" | "bytes">;

export const WHY: Record<UploadFailure, string> = {
  api: "the API refused it",
  store: "the object store refused it",
  timeout: "upload timed out",
};

/** What stands in the row for media that was not uploaded: its type, its size and why. */
export function marker(media: MediaAbout, why: string): string {
  return `[${media.contentType} ${formatBytes(media.bytes)} not uploaded: ${why}]`;
}

/** Said once, when media first passes the budget. */
export function budgetFullMessage(maxBytes: number, media: MediaAbout): string {
  return `media waiting to be uploaded passed maxAttachmentBytes (${formatBytes(maxBytes)}): media past it is replaced by a marker such as ${JSON.stringify(marker(media, "attachment budget full"))}, and its row is sent with its text. Raise maxAttachmentBytes, or check that uploads get through`;
}

/** Said once per cause of failure, naming it. */
export function failureMessage(cause: UploadFailure, detail: string): string {
  const what: Record<UploadFailure, string> = {
    api: `the API refused to store an attachment (POST /attachment): ${detail}`,
    store: `the object store refused an attachment upload (PUT to the signed URL): ${detail}`,
    timeout: `an attachment upload did not finish in time: ${detail}`,
  };
  return `${what[cause]}. Rows are still sent, with a marker such as "[image/png 1.2 MB not uploaded: ${WHY[cause]}]" in place of each attachment not stored; set attachments: false (BRAINTRUST_ATTACHMENTS=false) to keep media inline instead`;
}
