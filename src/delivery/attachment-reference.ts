// What a row holds in place of media (Braintrust's attachment reference), and what the row
// step hands the uploads for each piece of media it finds.

export interface AttachmentReference {
  readonly type: "braintrust_attachment";
  readonly key: string;
  readonly filename: string;
  readonly content_type: string;
}

/** One piece of media found in a row. */
export interface FoundMedia {
  /** The bytes as base64 (standard or URL-safe alphabet, padding optional). */
  readonly base64: string;
  readonly contentType: string;
  readonly filename: string;
  /** The decoded size in bytes. */
  readonly bytes: number;
}

/** A reference to put in place of the media, a marker string, or undefined to leave it inline. */
export type PlaceMedia = (media: FoundMedia) => AttachmentReference | string | undefined;
