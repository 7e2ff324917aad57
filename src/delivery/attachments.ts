// Attachment uploads: the owner of every piece of media between the row that found it and
// the object store. Its state: the content-hash cache (the same bytes get the same key and
// are uploaded once), the uploads waiting for or holding a slot, the rows waiting for their
// uploads, and the bytes all of these hold, against their own budget.
//
// A row never points at an attachment that was never stored: a row whose media is still
// uploading waits here, and goes to the queue once every upload it names has settled, with
// a marker in place of each reference whose upload failed. (The other way, a row sent at
// once and a merge row replacing the reference after a failure, would leave references
// dangling meanwhile, and a merge may land before its row when batches run at once.)
// Media past the budget becomes a marker at once; its row still goes, with its text.
import { randomUUID } from "node:crypto";
import type { Parent } from "../config/parent.js";
import { warnOnce } from "../log.js";
import { untilAborted } from "./abort.js";
import type { OrgAnswer } from "./attachment-org.js";
import type { AttachmentReference, FoundMedia, PlaceMedia } from "./attachment-reference.js";
import type { UploadPort } from "./attachment-http.js";
import { type UploadFailure, uploadAttachment } from "./attachment-upload.js";
import { contentHash, decodeBase64 } from "./attachment-bytes.js";
import { type MediaAbout, type Replacement, WHY, budgetFullMessage, failureMessage, marker, replaceReferences } from "./attachment-marker.js";
import type { BackoffPolicy } from "./retry.js";

export interface AttachmentOptions {
  readonly port: UploadPort;
  /** Media smaller than this stays inline. */
  readonly minBytes: number;
  /** Most bytes held by media waiting to upload and the rows waiting for them. */
  readonly maxBytes: number;
  /** Uploads in flight at once. */
  readonly maxUploads: number;
  /** How long an upload may take, retries included, from when its media was found. */
  readonly timeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly policy: BackoffPolicy;
  /** The org the destination's project belongs to, or why it cannot be known. Never rejects. */
  readonly orgId: (parent: Parent) => Promise<OrgAnswer>;
  /** Hands a row, its references settled, to the queue. */
  readonly release: (parent: Parent, json: string) => void;
}

/** Content hashes remembered, with their keys: a long chat resends the same images each turn. */
const MAX_REMEMBERED = 4096;

interface Upload {
  readonly key: string;
  readonly hash: string;
  readonly reference: AttachmentReference;
  readonly about: MediaAbout;
  /** The decoded bytes while the upload runs; dropped once it has settled. */
  data: Buffer | undefined;
  readonly parent: Parent;
  state: "uploading" | "stored" | "failed";
  marker: string | undefined;
  readonly rows: HeldRow[];
  readonly deadline: number;
}

interface HeldRow {
  readonly parent: Parent;
  json: string;
  /** Uploads not settled yet. */
  waiting: number;
  readonly uploads: RowMedia["uploads"];
  readonly bytes: number;
  readonly done: Promise<void>;
  settle: () => void;
}

/** What one row's media came to: each reference placed, with its upload. */
export class RowMedia {
  readonly uploads: { readonly upload: Upload; readonly reference: AttachmentReference }[] = [];
  constructor(
    readonly place: PlaceMedia,
    readonly parent: Parent,
  ) {}
}

export class AttachmentUploads {
  /** Least recently used first. Stored uploads stay while there is room; failed ones are forgotten. */
  private readonly known = new Map<string, Upload>();
  private readonly waiting: Upload[] = [];
  private readonly held = new Set<HeldRow>();
  private running = 0;
  private bytes = 0;
  private closed = false;
  private readonly stop = new AbortController();
  private readonly tasks = new Set<Promise<void>>();

  constructor(private readonly options: AttachmentOptions) {}

  /** Base64 runs shorter than this cannot be media worth an attachment. */
  get minChars(): number {
    return Math.max(16, Math.ceil((this.options.minBytes * 4) / 3));
  }

  /** Rows waiting for their uploads. */
  get heldRows(): number {
    return this.held.size;
  }

  /** A collector for one row's media, whose `place` decides each piece as it is found. */
  forRow(parent: Parent): RowMedia {
    const row: RowMedia = new RowMedia((media) => this.place(media, row), parent);
    return row;
  }

  private place(media: FoundMedia, row: RowMedia): AttachmentReference | string | undefined {
    if (media.bytes < this.options.minBytes || this.closed) return undefined;
    const hash = contentHash(media.base64);
    if (hash === undefined) return undefined;
    const seen = this.known.get(hash);
    if (seen && seen.state !== "failed") {
      this.known.delete(hash);
      this.known.set(hash, seen);
      // The same key, under the name and type this message gives it.
      const reference: AttachmentReference = { ...seen.reference, filename: media.filename, content_type: media.contentType };
      if (seen.state === "uploading") row.uploads.push({ upload: seen, reference });
      return reference;
    }
    // Only the decoded bytes are kept: `media.base64` may be a slice of the whole prompt's
    // text, which it would keep alive (every other image in it included) for as long as it is held.
    if (this.bytes + media.bytes > this.options.maxBytes) return this.budgetFull(media);
    const data = decodeBase64(media.base64, media.bytes);
    this.bytes += data.length;
    const key = randomUUID();
    const upload: Upload = {
      key,
      hash,
      reference: { type: "braintrust_attachment", key, filename: media.filename, content_type: media.contentType },
      about: { contentType: media.contentType, bytes: data.length },
      data,
      parent: row.parent,
      state: "uploading",
      marker: undefined,
      rows: [],
      deadline: Date.now() + this.options.timeoutMs,
    };
    this.remember(upload);
    row.uploads.push({ upload, reference: upload.reference });
    this.waiting.push(upload);
    this.pump();
    return upload.reference;
  }

  /** Sends `json` (the row `row` was collected for) to the queue now, or once its uploads have settled. */
  send(row: RowMedia, json: string): void {
    const pending = row.uploads.filter((u) => u.upload.state === "uploading");
    const failed = row.uploads.filter((u) => u.upload.state === "failed").map(replacement);
    if (pending.length === 0) return this.options.release(row.parent, replaceReferences(json, failed));
    if (this.closed || this.bytes + json.length > this.options.maxBytes) {
      const markers = pending.map((u) => ({ reference: u.reference, marker: this.budgetFull(u.upload.about) }));
      return this.options.release(row.parent, replaceReferences(json, [...failed, ...markers]));
    }
    this.bytes += json.length;
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const held: HeldRow = { parent: row.parent, json: replaceReferences(json, failed), waiting: 0, uploads: pending, bytes: json.length, done, settle };
    this.held.add(held);
    const waitedFor = new Set(pending.map((u) => u.upload));
    held.waiting = waitedFor.size;
    for (const upload of waitedFor) upload.rows.push(held);
  }

  /** Resolves once the rows held now have gone to the queue (true), or at `deadline` (false). */
  async settled(deadline: number): Promise<boolean> {
    if (this.held.size === 0) return true;
    const rows = [...this.held].map((row) => row.done);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      timer.unref();
    });
    try {
      return await Promise.race([Promise.all(rows).then(() => true as const), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Shutdown: waits for the rows held now until `deadline`, then ends the uploads still
   * under way; their rows go with a marker in place of each reference not stored.
   */
  async close(deadline: number): Promise<void> {
    this.closed = true;
    await this.settled(deadline);
    this.stop.abort();
    for (const upload of this.waiting.splice(0)) this.settle(upload, { ok: false, cause: "timeout", detail: "the exporter shut down first" });
    for (const upload of [...this.known.values()]) {
      if (upload.state === "uploading") this.settle(upload, { ok: false, cause: "timeout", detail: "the exporter shut down first" });
    }
    await Promise.allSettled([...this.tasks]);
    await this.options.port.close();
  }

  private remember(upload: Upload): void {
    this.known.delete(upload.hash);
    this.known.set(upload.hash, upload);
    if (this.known.size <= MAX_REMEMBERED) return;
    for (const [hash, old] of this.known) {
      if (this.known.size <= MAX_REMEMBERED) break;
      if (old.state !== "uploading") this.known.delete(hash);
    }
  }

  private pump(): void {
    while (this.running < this.options.maxUploads && this.waiting.length > 0) {
      const upload = this.waiting.shift()!;
      this.running++;
      const task = this.run(upload).finally(() => {
        this.running--;
        this.tasks.delete(task);
        this.pump();
      });
      this.tasks.add(task);
    }
  }

  private async run(upload: Upload): Promise<void> {
    try {
      // A project lookup that never ends (an unreachable API) must not hold shutdown: close() aborts `stop`.
      const org = await untilAborted(this.options.orgId(upload.parent), this.stop.signal);
      if (upload.state !== "uploading") return;
      if (!org) return this.settle(upload, { ok: false, cause: "timeout", detail: "the exporter shut down first" });
      if (!org.ok) return this.settle(upload, { ok: false, cause: "api", detail: `no org id is known for ${upload.parent.key}: ${org.detail}` });
      const { orgId } = org;
      const { key, reference, data } = upload;
      if (!data) return;
      const result = await uploadAttachment(this.options.port, { key, body: data, filename: reference.filename, contentType: reference.content_type, orgId }, {
        deadline: upload.deadline,
        policy: this.options.policy,
        attemptTimeoutMs: this.options.attemptTimeoutMs,
        signal: this.stop.signal,
      });
      this.settle(upload, result);
    } catch (err) {
      this.settle(upload, { ok: false, cause: "api", detail: `unexpected error: ${String(err)}` });
    }
  }

  private settle(upload: Upload, result: { ok: true } | { ok: false; cause: UploadFailure; detail: string }): void {
    if (upload.state !== "uploading") return;
    this.bytes -= upload.about.bytes;
    upload.data = undefined;
    if (result.ok) {
      upload.state = "stored";
    } else {
      upload.state = "failed";
      upload.marker = marker(upload.about, WHY[result.cause]);
      if (this.known.get(upload.hash) === upload) this.known.delete(upload.hash);
      this.failed(result.cause, result.detail);
    }
    for (const row of upload.rows.splice(0)) {
      if (--row.waiting > 0) continue;
      this.held.delete(row);
      this.bytes -= row.bytes;
      const failed = row.uploads.filter((u) => u.upload.state === "failed").map(replacement);
      try {
        this.options.release(row.parent, replaceReferences(row.json, failed));
      } finally {
        row.settle();
      }
    }
  }

  private budgetFull(media: MediaAbout): string {
    warnOnce("attachment-budget", budgetFullMessage(this.options.maxBytes, media), "warn");
    return marker(media, "attachment budget full");
  }

  /** Said once per cause, naming it: one outage fails many uploads. */
  private failed(cause: UploadFailure, detail: string): void {
    warnOnce(`attachment-${cause}`, failureMessage(cause, detail), "warn");
  }
}

function replacement({ upload, reference }: RowMedia["uploads"][number]): Replacement {
  return { reference, marker: upload.marker ?? marker(upload.about, "not stored") };
}

