// The local object store for attachments: what `/attachment` registers, the bytes the
// signed PUT stores, and the status the client reports. Bounded: past `maxBytes` the oldest
// objects are forgotten. In memory by default; with a data file, in a folder beside it
// (`<data file>.attachments/`), one file per object and one for its metadata, so they
// survive a restart. URLs are signed with a secret of this process, so links from an
// earlier run stop working, as presigned URLs expire.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface AttachmentStatus {
  upload_status: "uploading" | "done" | "error";
  error_message?: string;
}

export interface AttachmentMeta {
  key: string;
  filename: string;
  content_type: string;
  org_id: string;
  status: AttachmentStatus;
  /** Set once the bytes are stored. */
  bytes?: number;
}

export const DEFAULT_MAX_ATTACHMENT_BYTES = 512 * 1024 * 1024;

export class AttachmentStore {
  private readonly metas = new Map<string, AttachmentMeta>();
  /** In memory only: the bytes by key, oldest first. */
  private readonly blobs = new Map<string, Buffer>();
  private stored = 0;
  private readonly secret = randomBytes(32);

  constructor(
    private readonly maxBytes = DEFAULT_MAX_ATTACHMENT_BYTES,
    private readonly dir?: string,
  ) {
    if (dir) this.load(dir);
  }

  /** Registers an attachment about to be uploaded (again, when its key is known). */
  register(meta: Omit<AttachmentMeta, "status" | "bytes">): AttachmentMeta {
    const existing = this.metas.get(meta.key);
    const next: AttachmentMeta = { ...meta, status: existing?.bytes !== undefined ? existing.status : { upload_status: "uploading" }, ...(existing?.bytes !== undefined ? { bytes: existing.bytes } : {}) };
    this.metas.set(meta.key, next);
    this.saveMeta(next);
    return next;
  }

  meta(key: string): AttachmentMeta | undefined {
    return this.metas.get(key);
  }

  /** Keys with stored bytes, oldest first. */
  keys(): string[] {
    return [...this.metas.values()].filter((m) => m.bytes !== undefined).map((m) => m.key);
  }

  /** A signature for `op` on `key` (what the signed URLs and the upload header carry). */
  sign(op: "put" | "get" | "put-header", key: string): string {
    return createHmac("sha256", this.secret).update(`${op}\n${key}`).digest("base64url");
  }

  verify(op: "put" | "get" | "put-header", key: string, signature: string | undefined): boolean {
    if (!signature) return false;
    const expected = Buffer.from(this.sign(op, key));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Stores the bytes of a registered key; false when they can never fit. */
  put(key: string, bytes: Buffer): boolean {
    const meta = this.metas.get(key);
    if (!meta || bytes.length > this.maxBytes) return false;
    this.remove(key);
    while (this.stored + bytes.length > this.maxBytes) {
      const oldest = this.keys()[0];
      if (oldest === undefined) break;
      this.remove(oldest);
      this.metas.delete(oldest);
    }
    if (this.dir) writeFileSync(this.blobPath(key), bytes, { mode: 0o600 });
    else this.blobs.set(key, bytes);
    this.stored += bytes.length;
    meta.bytes = bytes.length;
    // Re-inserted: the Map's order is the order objects were stored in.
    this.metas.delete(key);
    this.metas.set(key, meta);
    this.saveMeta(meta);
    return true;
  }

  get(key: string): Buffer | undefined {
    const meta = this.metas.get(key);
    if (meta?.bytes === undefined) return undefined;
    if (!this.dir) return this.blobs.get(key);
    try {
      return readFileSync(this.blobPath(key));
    } catch {
      return undefined;
    }
  }

  setStatus(key: string, status: AttachmentStatus): AttachmentMeta | undefined {
    const meta = this.metas.get(key);
    if (!meta) return undefined;
    meta.status = status;
    this.saveMeta(meta);
    return meta;
  }

  private remove(key: string): void {
    const meta = this.metas.get(key);
    if (meta?.bytes === undefined) return;
    this.stored -= meta.bytes;
    delete meta.bytes;
    this.blobs.delete(key);
    if (this.dir) {
      rmSync(this.blobPath(key), { force: true });
      rmSync(this.metaPath(key), { force: true });
    }
  }

  private name(key: string): string {
    return createHash("sha256").update(key).digest("hex").slice(0, 40);
  }

  private blobPath(key: string): string {
    return join(this.dir!, `${this.name(key)}.bin`);
  }

  private metaPath(key: string): string {
    return join(this.dir!, `${this.name(key)}.json`);
  }

  private saveMeta(meta: AttachmentMeta): void {
    if (!this.dir) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(this.metaPath(meta.key), JSON.stringify(meta), { mode: 0o600 });
  }

  /** Objects an earlier run stored, oldest first; a file that is not one of ours is left alone. */
  private load(dir: string): void {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith(".json"));
    } catch {
      return;
    }
    const found: { meta: AttachmentMeta; at: number }[] = [];
    for (const name of names) {
      try {
        const path = join(dir, name);
        const meta = JSON.parse(readFileSync(path, "utf8")) as AttachmentMeta;
        if (typeof meta?.key !== "string") continue;
        found.push({ meta, at: statSync(path).mtimeMs });
      } catch {
        // not ours, or torn by a crash: skipped
      }
    }
    for (const { meta } of found.sort((a, b) => a.at - b.at)) {
      this.metas.set(meta.key, meta);
      if (meta.bytes !== undefined) this.stored += meta.bytes;
    }
  }
}
