// Attachment references in rows, as views show them: `[image/png 293 KB]` in a terminal, the
// image, player or link in the web viewer. A reference says its key, name and type; its size
// is known only to whoever asked the store (tail annotates references it looked up with `size`).

export interface AttachmentRef {
  type: "braintrust_attachment";
  key: string;
  filename: string;
  content_type: string;
  /** Bytes, when a view looked it up. */
  size?: number;
}

/** True for `{type: "braintrust_attachment", key, …}`. */
function isAttachmentRef(value: unknown): value is AttachmentRef {
  const v = value as Partial<AttachmentRef> | null;
  return typeof v === "object" && v !== null && v.type === "braintrust_attachment" && typeof v.key === "string";
}

/** The references in `value`, in order (each object searched a few levels down). */
export function attachmentRefs(value: unknown, depth = 0, out: AttachmentRef[] = []): AttachmentRef[] {
  if (isAttachmentRef(value)) {
    out.push(value);
    return out;
  }
  if (typeof value !== "object" || value === null || depth > 32) return out;
  for (const child of Array.isArray(value) ? value : Object.values(value)) attachmentRefs(child, depth + 1, out);
  return out;
}

/** `[image/png 293 KB]`, or `[image/png image.png]` while its size is not known. */
export function attachmentLabel(ref: AttachmentRef): string {
  const type = typeof ref.content_type === "string" ? ref.content_type : "file";
  if (typeof ref.size === "number") return `[${type} ${formatSize(ref.size)}]`;
  return `[${type}${typeof ref.filename === "string" ? ` ${ref.filename}` : ""}]`;
}

function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const [value, unit] = bytes < 1e6 ? [bytes / 1e3, "KB"] : bytes < 1e9 ? [bytes / 1e6, "MB"] : [bytes / 1e9, "GB"];
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}
