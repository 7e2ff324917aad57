// Queue → batch → sender, per destination. The state is small and explicit: the queue
// (one lane per destination), the scheduling timer, the batches in flight, and a closing
// flag. Every row ends in exactly one counter (stats.ts): sent, or one dropped reason.
import type { ExporterConfig } from "../config/config.js";
import { secretsOf } from "../config/secrets.js";
import { addSecret, counted, log, note, redact, warnOnce } from "../log.js";
import type { Parent } from "../config/parent.js";
import { TransportUploadPort } from "./attachment-http.js";
import { AttachmentUploads } from "./attachments.js";
import { takeBatch } from "./batch.js";
import { DestinationResolver, type Resolution } from "./destination.js";
import type { Verdict } from "./classify.js";
import { Limiter } from "./limiter.js";
import { safeUrl } from "./diagnosis.js";
import { ByteBoundedQueue, type Lane } from "./queue.js";
import type { DeliveryPort } from "./port.js";
import { ReadyGate } from "./ready.js";
import { type BackoffPolicy, DEFAULT_BACKOFF, sleep } from "./retry.js";
import type { EncodedRows } from "./encoded-rows.js";
import type { RowRepair } from "./row-repair.js";
import { Sender } from "./sender.js";
import { Counters, type DeliveryStats, type DropReason, type FlushResult } from "./stats.js";
import { Transport } from "./transport.js";
import { formatBytes } from "./truncate.js";

export type { DeliveryStats, DropReason, FlushResult } from "./stats.js";

export interface DeliveryOptions {
  /** For tests and benchmarks; the default is what users get. */
  backoff?: Partial<BackoffPolicy>;
  /**
   * Rewrites a row the API refused because JSON text it carried verbatim is not valid JSON
   * (rows/repair.ts, given by the layer that writes rows); without it such rows are refused.
   */
  repairRow?: RowRepair;
}

interface Destination {
  readonly parent: Parent;
  readonly lane: Lane;
  insertPath: string | undefined;
  /** Why no row can go there (unknown project, no access); its rows are dropped at once. */
  failed: string | undefined;
  /** Batches of its rows in flight. */
  sending: number;
  /** Its place in `order`. */
  slot: number;
  forgotten: boolean;
}

/**
 * Destinations kept at once. Each costs a lane, a lookup and bookkeeping for as long as it
 * is kept; names that come and go (a `braintrust.parent` per tenant, per user) would
 * otherwise grow memory without bound: 10k names once held 140 MB.
 */
export const MAX_DESTINATIONS = 1000;

const noop = () => {};

export class Delivery implements DeliveryPort {
  private readonly queue: ByteBoundedQueue;
  private readonly transport: Transport;
  private readonly resolver: DestinationResolver;
  private readonly sender: Sender;
  /** The one gate on requests in flight, and on batches under way. */
  private readonly limiter: Limiter;
  /** Media found in rows, uploaded as attachments; undefined with `attachments: false`. */
  readonly attachments: AttachmentUploads | undefined;
  private readonly counters = new Counters();
  private readonly destinations = new Map<string, Destination>();
  private readonly order: Destination[] = [];
  private readonly gate = new ReadyGate();
  /** The API URL as messages print it. */
  private readonly url: string;
  /** The key was rejected: nothing can be delivered, so nothing waits. */
  private fatal: { message: string; reason: DropReason } | undefined;
  private readonly cancel = new AbortController();
  private readonly repairRow: RowRepair | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private readonly waiters: (() => void)[] = [];
  private inflightRows = 0;
  private rr = 0;
  /** The destination rows last came for; `destinations` is kept in least-recently-used order. */
  private recent: Destination | undefined;
  private timer: NodeJS.Timeout | undefined;
  private kicked = false;
  /** The timer fired: send partial batches until the ready lanes are empty. */
  private due = false;
  private flushing = 0;
  private closing = false;
  private shutdownPromise: Promise<void> | undefined;

  constructor(
    private readonly config: ExporterConfig,
    options: DeliveryOptions = {},
  ) {
    for (const secret of secretsOf(config)) addSecret(secret);
    this.url = safeUrl(config.apiUrl);
    this.repairRow = options.repairRow;
    this.queue = new ByteBoundedQueue(config.maxQueueSize, config.maxQueueBytes);
    const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
    // A hung request gets a third of the deadline, so a retry on a fresh socket still has time.
    const attemptTimeoutMs = Math.max(1000, Math.floor(config.exportTimeoutMillis / 3));
    this.transport = new Transport({
      apiUrl: config.apiUrl,
      apiKey: config.apiKey,
      headers: config.headers,
      maxConcurrent: config.maxConcurrentRequests,
      ...(config.compression ? { compression: config.compression } : {}),
      proxy: config.proxy,
      ...(config.dispatcher ? { dispatcher: config.dispatcher } : {}),
    });
    this.limiter = new Limiter({ max: config.maxConcurrentRequests, backlog: () => this.hasFullBatch(), onChange: () => this.pump() });
    this.resolver = new DestinationResolver(this.transport, {
      limiter: this.limiter,
      orgName: config.orgName,
      policy,
      attemptTimeoutMs,
      url: this.url,
      onRetry: (parent, _outcome, verdict) => this.lookupFailed(parent, verdict),
      onResolved: (parent, resolution) => this.resolved(parent, resolution),
    });
    this.sender = new Sender(this.transport, this.counters, {
      maxBatchBytes: config.maxBatchBytes,
      exportTimeoutMillis: config.exportTimeoutMillis,
      attemptTimeoutMs,
      orgName: config.orgName,
      policy,
      signal: this.cancel.signal,
      url: this.url,
      onFinal: (target, verdict) => this.insertRefused(target.parent, verdict),
      limiter: this.limiter,
      ...(options.repairRow ? { repairRow: options.repairRow } : {}),
    });
    this.attachments = config.attachments
      ? new AttachmentUploads({
          port: new TransportUploadPort(this.transport, this.limiter),
          minBytes: config.attachmentMinBytes,
          maxBytes: config.maxAttachmentBytes,
          maxUploads: MAX_UPLOADS,
          timeoutMs: config.exportTimeoutMillis,
          attemptTimeoutMs,
          policy,
          orgId: (parent) => this.orgId(parent),
          release: (parent, json) => {
            if (!this.admit(parent, json)) this.dropFull();
          },
        })
      : undefined;
    this.destination(config.parent);
  }

  /** The org of `parent`'s project, else of the default destination's (an experiment's rows). */
  private async orgId(parent: Parent): Promise<string | undefined> {
    const own = await this.resolver.resolve(parent);
    if (own.ok && own.orgId) return own.orgId;
    if (parent.key === this.config.parent.key) return undefined;
    const fallback = await this.resolver.resolve(this.config.parent);
    return fallback.ok ? fallback.orgId : undefined;
  }

  /** Hot path: must be synchronous, cheap, and never throw. `json` is one serialized event. */
  enqueue(parent: Parent, json: string): void {
    if (!this.offer(parent, json)) this.dropFull();
  }

  /**
   * `enqueue`, except that a row the full queue cannot take now is handed back (false) instead
   * of dropped: the caller may wait for `room()` and offer it again. Every other outcome
   * (queued, or dropped for another reason, or too big for even an empty queue) is true.
   */
  offer(parent: Parent, json: string): boolean {
    if (this.closing) return this.refuse("shutdown");
    return this.admit(parent, json);
  }

  /** `offer`, also while closing: rows that waited for their attachments are sent by the final flush. */
  private admit(parent: Parent, json: string): boolean {
    try {
      if (this.fatal) return this.refuse(this.fatal.reason);
      if (typeof json !== "string" || json.length === 0 || typeof parent?.key !== "string") return this.refuse("invalid");
      const dest = this.destinations.get(parent.key) ?? this.destination(parent);
      if (dest.failed) return this.refuse("unresolved");
      if (dest !== this.recent) this.touch(dest);
      if (!this.queue.push(dest.lane, json)) {
        if (this.queue.size > 0 || this.queue.inFlightBytes > 0) {
          // The caller waits for room: send what is queued now, partial batches too, rather
          // than at the next scheduled send.
          this.due = true;
          this.kick();
          return false;
        }
        // Nothing queued or in flight: no wait can make room for it.
        this.dropFull();
        return true;
      }
      if (dest.insertPath && (dest.lane.length >= this.config.maxExportBatchSize || dest.lane.bytes >= this.sender.batchCap)) {
        this.kick();
      } else if (!this.timer) {
        this.arm();
      }
    } catch {
      // Never reaches the application; the row is lost and counted.
      this.counters.drop("invalid");
    }
    return true;
  }

  /**
   * Resolves once rows have left the queue or requests have finished since the call (there
   * may be room for an offer now): true; false at `deadline` or when shutting down.
   */
  async room(deadline: number): Promise<boolean> {
    if (this.closing) return false;
    return (await this.progress(deadline)) && !this.closing;
  }

  private refuse(reason: DropReason): true {
    this.drop(reason);
    return true;
  }

  private dropFull(): void {
    this.drop("queueFull");
    log("warn", "queue-full", `queue full (${this.config.maxQueueSize} rows / ${formatBytes(this.config.maxQueueBytes)}): new rows are dropped; ${this.counters.dropped.queueFull} so far`);
  }

  /** Counts rows lost before they reached the queue (conversion failure, after shutdown, …). */
  drop(reason: DropReason, count = 1): void {
    this.counters.drop(reason, count);
  }

  /** Delivers everything queued before the call, within `withinMs` (never longer than exportTimeoutMillis). Never rejects. */
  flush(withinMs = this.config.exportTimeoutMillis): Promise<FlushResult> {
    const deadline = Date.now() + Math.max(0, Math.min(withinMs, this.config.exportTimeoutMillis));
    return this.flushUntil(deadline).catch(() => ({ sent: 0, dropped: 0, pending: this.queue.size }));
  }

  /** flush once, then close the pool; later enqueues count as dropped.shutdown. Never rejects. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.close().catch(noop);
    return this.shutdownPromise;
  }

  /**
   * Resolves once the default destination is verified; rejects with the cause and its fix
   * (a rejected key, an unknown project, an unreachable URL) by the end of the next attempt.
   */
  ready(): Promise<void> {
    return this.gate.wait();
  }

  /** Rows not yet delivered: queued, or in a request still under way. */
  undelivered(): number {
    return this.queue.size + this.inflightRows + (this.attachments?.heldRows ?? 0);
  }

  /** Rows waiting for a send to start (or for their attachments). */
  queued(): number {
    return this.queue.size + (this.attachments?.heldRows ?? 0);
  }

  /** The process is ending: drops what is still queued, counted as `shutdown`; returns how many. */
  abandon(): number {
    let count = 0;
    for (const dest of this.order) count += this.queue.clear(dest.lane);
    this.drop("shutdown", count);
    this.notify();
    return count + this.inflightRows;
  }

  stats(): DeliveryStats {
    const stats = this.counters.snapshot(this.queue.size, this.queue.bytes);
    // A rejected key is why nothing gets through, whatever failed since.
    if (this.fatal) stats.lastError = this.fatal.message;
    return stats;
  }

  /** Moves `dest` to the most recently used end of `destinations` (a Map keeps insertion order). */
  private touch(dest: Destination): void {
    this.destinations.delete(dest.parent.key);
    this.destinations.set(dest.parent.key, dest);
    this.recent = dest;
  }

  private destination(parent: Parent): Destination {
    if (this.destinations.size >= MAX_DESTINATIONS) this.evict();
    const dest: Destination = { parent, lane: this.queue.lane(parent.key), insertPath: undefined, failed: undefined, sending: 0, slot: this.order.length, forgotten: false };
    this.destinations.set(parent.key, dest);
    this.order.push(dest);
    this.resolver.request(parent);
    return dest;
  }

  /** A lookup's answer, for the destination that asked (a forgotten one hears nothing). */
  private resolved(parent: Parent, r: Resolution): void {
    const dest = this.destinations.get(parent.key);
    if (!dest || dest.forgotten) return;
    const isDefault = parent.key === this.config.parent.key;
    try {
      if (r.ok) {
        dest.insertPath = r.insertPath;
        note("info", `sending rows for ${r.label ?? parent.key} to ${this.url}`);
        if (isDefault) this.gate.succeeded();
        this.due = true; // its rows may have waited longer than scheduledDelayMillis
        this.pump();
        return;
      }
      if (r.stopped) {
        dest.failed = r.message; // shutdown counts the rows still queued
        if (isDefault) this.gate.failed(r.message);
        return;
      }
      if (r.keyRejected) this.keyRejected(r.message, "unresolved");
      else this.destinationFailed(dest, r.message);
    } catch (err) {
      log("error", "delivery-bug", `unexpected error after resolving ${parent.key}: ${String(err)}`);
    }
  }

  /**
   * Forgets the least recently used destination (never the default one, nor one with rows
   * in flight); its queued rows count as queueFull: they are what the bound let go.
   */
  private evict(): void {
    let oldest: Destination | undefined;
    for (const dest of this.destinations.values()) {
      if (dest.sending > 0 || dest.parent.key === this.config.parent.key) continue;
      oldest = dest;
      break;
    }
    if (!oldest) return;
    if (this.recent === oldest) this.recent = undefined;
    oldest.forgotten = true;
    this.destinations.delete(oldest.parent.key);
    // Its place goes to the last one: O(1), and round-robin stays fair enough.
    const last = this.order.pop()!;
    if (last !== oldest) {
      this.order[oldest.slot] = last;
      last.slot = oldest.slot;
    }
    if (this.order.length > 0) this.rr %= this.order.length;
    this.resolver.forget(oldest.parent);
    const count = this.queue.forget(oldest.lane);
    this.counters.drop("queueFull", count);
    log(
      "warn",
      "destination-evicted",
      `more than ${MAX_DESTINATIONS} destinations in use: forgot the least recently used, ${oldest.parent.key}${count > 0 ? `, and dropped its ${count} queued rows` : ""}; rows for it later are sent after a new lookup`,
    );
    this.notify();
  }

  /**
   * A lookup attempt failed and will be retried. The first that looks like a setup mistake
   * is said even without a diag logger: a wrong URL or proxy must not go unnoticed.
   */
  private lookupFailed(parent: Parent, { message, misconfigured }: Verdict): void {
    this.counters.lastError = redact(message);
    if (parent.key === this.config.parent.key) this.gate.attemptFailed(message);
    note("debug", `retrying: ${message}`);
    if (misconfigured) warnOnce("unreachable", `${message}; rows wait in the queue while it retries in the background`, "warn");
    else log("warn", "retrying", `${message}; retrying`);
  }

  /** No row can go to `dest` (unknown project, no access): its rows are dropped now, and later ones on arrival. */
  private destinationFailed(dest: Destination, message: string): void {
    if (dest.failed) return;
    dest.failed = message;
    const count = this.queue.clear(dest.lane);
    this.counters.drop("unresolved", count);
    this.counters.lastError = redact(message);
    if (dest.parent.key === this.config.parent.key) this.gate.failed(message);
    warnOnce(`unresolved:${dest.parent.key}`, `${message}. No rows for ${dest.parent.key} will be sent: ${droppedAsTheyCome("unresolved", count)}`);
    this.notify();
  }

  /** A 401: no destination will take rows with this key, so every queued row is dropped and nothing waits. */
  private keyRejected(message: string, reason: DropReason): void {
    if (this.fatal) return;
    this.fatal = { message, reason };
    let count = 0;
    for (const dest of this.order) count += this.queue.clear(dest.lane);
    this.counters.drop(reason, count);
    this.counters.lastError = redact(message);
    this.gate.failed(message);
    warnOnce("key-rejected", `${message}. No rows will be sent: ${droppedAsTheyCome(reason, this.counters.dropped[reason])}`);
    this.notify();
  }

  /** The sender's verdict on a batch the API refused for good (it counted that batch itself). */
  private insertRefused(parent: Parent, { action, message }: Verdict): void {
    const dest = this.destinations.get(parent.key);
    if (action === "keyRejected") this.keyRejected(message, "rejected");
    else if (action === "failDestination" && dest) this.destinationFailed(dest, message);
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = true;
      this.pump();
    }, this.config.scheduledDelayMillis);
    this.timer.unref();
  }

  /** A full batch is waiting: send it soon, but never from inside the caller's onEnd. */
  private kick(): void {
    if (this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      this.pump();
    }).unref();
  }

  /** Starts as many sends as the concurrency limit allows. */
  private pump(): void {
    if (this.cancel.signal.aborted) return;
    while (this.limiter.mayStartBatch(this.inflight.size)) {
      const dest = this.next();
      if (!dest) break;
      const batch = takeBatch(this.queue, dest.lane, this.config.maxExportBatchSize, this.sender.batchCap, this.repairRow);
      this.counters.drop("tooLarge", batch.dropped);
      if (batch.truncated.length + batch.dropped > 0) this.sender.reportTooLarge(dest, batch.truncated.length, batch.dropped);
      if (batch.encoded.length > 0) this.start(dest, batch.encoded);
    }
    if (!this.order.some((d) => d.insertPath && d.lane.length > 0)) this.due = false;
    if (this.queue.size > 0 && !this.timer && !this.due) this.arm();
    this.notify();
  }

  /** Whether some destination has a full batch waiting (whatever the timer says). */
  private hasFullBatch(): boolean {
    for (const dest of this.order) {
      const { lane } = dest;
      if (dest.insertPath && (lane.length >= this.config.maxExportBatchSize || lane.bytes >= this.sender.batchCap)) return true;
    }
    return false;
  }

  /** The next destination with a batch to send, round-robin so one busy project cannot starve another. */
  private next(): Destination | undefined {
    const partial = this.due || this.flushing > 0;
    for (let i = 0; i < this.order.length; i++) {
      const dest = this.order[(this.rr + i) % this.order.length]!;
      const { lane } = dest;
      if (!dest.insertPath || lane.length === 0) continue;
      if (partial || lane.length >= this.config.maxExportBatchSize || lane.bytes >= this.sender.batchCap) {
        this.rr = (this.rr + i + 1) % this.order.length;
        return dest;
      }
    }
    return undefined;
  }

  private start(dest: Destination, rows: EncodedRows): void {
    dest.sending++;
    this.inflightRows += rows.length;
    // The body is memory the queue no longer counts, until the send is done with it.
    this.queue.inFlightBytes += rows.body.length;
    const task: Promise<void> = this.sender
      .send({ parent: dest.parent, insertPath: dest.insertPath! }, rows)
      .finally(() => {
        dest.sending--;
        this.inflightRows -= rows.length;
        this.queue.inFlightBytes -= rows.body.length;
        this.inflight.delete(task);
        this.pump();
      });
    this.inflight.add(task);
  }

  private async flushUntil(deadline: number): Promise<FlushResult> {
    const sent0 = this.counters.sent;
    const lost0 = this.counters.lost;
    // Rows waiting for their attachments join the queue first; the rest of the time sends them.
    if (this.attachments?.heldRows) await this.attachments.settled(uploadsDeadline(deadline));
    const marks = this.order.map((d) => [d.lane, d.lane.taken + d.lane.length] as const);
    // Someone awaits this flush: keep the process up until it ends or its deadline passes
    // (unlike every other timer here, which never holds the process open). It outlasts the
    // deadline a little: the unref'd timers that end the wait at the deadline must still
    // fire, or the loop empties first and the awaiting code never resumes.
    const keepAlive = setTimeout(noop, Math.max(0, deadline - Date.now()) + KEEP_ALIVE_MARGIN_MS);
    this.flushing++;
    try {
      this.pump();
      while (marks.some(([lane, mark]) => lane.taken < mark)) {
        if (!(await this.progress(deadline))) return this.flushResult(sent0, lost0, marks, true);
      }
      const settled = await settledBy([...this.inflight], deadline);
      return this.flushResult(sent0, lost0, marks, !settled);
    } finally {
      this.flushing--;
      clearTimeout(keepAlive);
    }
  }

  /**
   * `pending` counts only this flush's own rows: those queued before it that are still
   * queued, plus (when it ran out of time) the rows in flight. Rows other callers queued
   * meanwhile are theirs, so overlapping exports do not fail each other.
   */
  private flushResult(sent0: number, lost0: number, marks: readonly (readonly [Lane, number])[], timedOut: boolean): FlushResult {
    const { sent, lost } = this.counters;
    let pending = timedOut ? this.inflightRows : 0;
    for (const [lane, mark] of marks) pending += Math.max(0, mark - lane.taken);
    return { sent: sent - sent0, dropped: lost - lost0, pending };
  }

  /** Waits for the next change in the queue or in flight; false once the deadline has passed. */
  private async progress(deadline: number): Promise<boolean> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return false;
    await settledBy([new Promise<void>((resolve) => this.waiters.push(resolve))], deadline);
    return Date.now() < deadline;
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async close(): Promise<void> {
    this.closing = true;
    // The caller awaits the whole close, not just its flush: hold the process until the pool
    // is closed too, within a bound.
    const keepAlive = setTimeout(noop, this.config.exportTimeoutMillis + CLOSE_MS + KEEP_ALIVE_MARGIN_MS);
    try {
      const deadline = Date.now() + this.config.exportTimeoutMillis;
      await this.attachments?.close(uploadsDeadline(deadline));
      await this.flushUntil(deadline);
      clearTimeout(this.timer);
      this.resolver.close();
      this.cancel.abort(); // retry waits end; their rows count as shutdown
      this.limiter.open(); // requests waiting for a slot go ahead, and find the transport closed
      for (const dest of this.order) this.drop("shutdown", this.queue.clear(dest.lane));
      await this.transport.close();
      await settledBy([...this.inflight], Date.now() + CLOSE_MS);
      this.notify();
    } finally {
      clearTimeout(keepAlive);
    }
  }
}

/** Attachment uploads running at once; each holds its media's bytes until it is done. */
const MAX_UPLOADS = 4;

/** Uploads get two thirds of a flush's time: the rows that waited for them still have to be sent. */
function uploadsDeadline(deadline: number): number {
  const now = Date.now();
  return now + Math.max(0, Math.floor(((deadline - now) * 2) / 3));
}

/**
 * Said once, while rows may still be on their way (ending spans, rows not yet converted): the
 * figure is what is dropped so far, and the counter is where the rest will show.
 */
function droppedAsTheyCome(reason: DropReason, sofar: number): string {
  return `each row is dropped as it comes and counted in stats().dropped.${reason}${sofar > 0 ? ` (${counted(sofar, "row")} so far)` : ""}`;
}

/** How long requests still in flight may take to settle once the pool is closed. */
const CLOSE_MS = 1000;
/** How long a wait that someone awaits holds the process past its own deadline. */
const KEEP_ALIVE_MARGIN_MS = 1000;

/** Waits for all `tasks` to settle (true), or until `deadline` (false), whichever is first. */
async function settledBy(tasks: Promise<unknown>[], deadline: number): Promise<boolean> {
  const stop = new AbortController();
  const settled = await Promise.race([
    Promise.allSettled(tasks).then(() => true),
    sleep(deadline - Date.now(), stop.signal).then(() => false),
  ]);
  stop.abort();
  return settled;
}
