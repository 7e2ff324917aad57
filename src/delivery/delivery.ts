// The delivery the processor calls: a thin coordinator of the parts that own the work. Rows
// go into the queue (queue.ts), one lane per destination (destinations.ts); the schedule
// (schedule.ts) says which lane may send now and the limiter (limiter.ts) whether one more
// batch may start; the sender (sender.ts) takes a batch to the API. What is left here is what
// joins them: a lookup's answer, a refusal that fails a destination or the key, and flush
// and shutdown. Every row ends in exactly one counter (stats.ts): sent, or one dropped reason.
import type { ExporterConfig } from "../config/config.js";
import type { Parent } from "../config/parent.js";
import { secretsOf } from "../config/secrets.js";
import { addSecret, log, note } from "../log.js";
import { TransportUploadPort } from "./attachment-http.js";
import { AttachmentOrgs } from "./attachment-org.js";
import { AttachmentUploads } from "./attachments.js";
import { Batcher } from "./batch.js";
import type { Verdict } from "./classify.js";
import { DestinationResolver, type Resolution } from "./destination.js";
import { Destinations } from "./destinations.js";
import { type FlushParts, flushUntil, uploadsDeadline } from "./flush.js";
import { InFlight } from "./in-flight.js";
import { safeUrl } from "./diagnosis.js";
import { Limiter } from "./limiter.js";
import type { DeliveryPort } from "./port.js";
import { ByteBoundedQueue } from "./queue.js";
import { ReadyGate } from "./ready.js";
import { type BackoffPolicy, DEFAULT_BACKOFF } from "./retry.js";
import type { RowRepair } from "./row-repair.js";
import { Schedule, holdProcess } from "./schedule.js";
import { Sender } from "./sender.js";
import { Counters, type DeliveryStats, type DropReason, type FlushResult } from "./stats.js";
import { Transport } from "./transport.js";
import { formatBytes } from "./truncate.js";

export type { DeliveryStats, DropReason, FlushResult } from "./stats.js";
export { MAX_DESTINATIONS } from "./destinations.js";

export interface DeliveryOptions {
  /** For tests and benchmarks; the default is what users get. */
  backoff?: Partial<BackoffPolicy>;
  /**
   * Rewrites a row the API refused because JSON text it carried verbatim is not valid JSON
   * (rows/repair.ts, given by the layer that writes rows); without it such rows are refused.
   */
  repairRow?: RowRepair;
}

/** Attachment uploads worked at once: each has one request under way at most, so uploads never hold more of the limiter's slots. */
const MAX_UPLOADS = 4;
/** How long requests still in flight may take to settle once the pool is closed. */
const CLOSE_MS = 1000;

export class Delivery implements DeliveryPort {
  /** Media found in rows, uploaded as attachments; undefined with `attachments: false`. */
  readonly attachments: AttachmentUploads | undefined;
  private readonly queue: ByteBoundedQueue;
  private readonly transport: Transport;
  private readonly resolver: DestinationResolver;
  private readonly limiter: Limiter;
  private readonly sender: Sender;
  private readonly destinations: Destinations;
  private readonly schedule: Schedule;
  private readonly counters = new Counters();
  private readonly gate = new ReadyGate();
  /** The API URL as messages print it. */
  private readonly url: string;
  /** Aborted at shutdown: retry waits end, and their rows count as `shutdown`. */
  private readonly cancel = new AbortController();
  private readonly inflight: InFlight;
  /** What a flush works with. */
  private readonly parts: FlushParts;
  private closing = false;
  private shutdownPromise: Promise<void> | undefined;

  constructor(
    private readonly config: ExporterConfig,
    options: DeliveryOptions = {},
  ) {
    for (const secret of secretsOf(config)) addSecret(secret);
    this.url = safeUrl(config.apiUrl);
    this.queue = new ByteBoundedQueue(config.maxQueueSize, config.maxQueueBytes);
    const batches = new Batcher(config.maxExportBatchSize, config.maxBatchBytes, options.repairRow);
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
    this.limiter = new Limiter({ max: config.maxConcurrentRequests, backlog: () => this.destinations.anyFullBatch(), onChange: () => this.pump() });
    this.resolver = new DestinationResolver(this.transport, {
      limiter: this.limiter,
      orgName: config.orgName,
      policy,
      attemptTimeoutMs,
      url: this.url,
      onRetry: (parent, _outcome, verdict) => this.destinations.lookupFailed(parent, verdict),
      onResolved: (parent, resolution) => this.resolved(parent, resolution),
    });
    this.destinations = new Destinations({
      queue: this.queue,
      batches,
      counters: this.counters,
      gate: this.gate,
      defaultKey: config.parent.key,
      lookup: (parent) => this.resolver.request(parent),
      forget: (parent) => this.resolver.forget(parent),
      changed: () => this.schedule.changed(),
    });
    this.inflight = new InFlight(this.queue, () => this.pump());
    this.schedule = new Schedule(config.scheduledDelayMillis, this.destinations, () => this.pump());
    this.sender = new Sender(this.transport, this.counters, {
      batches,
      limiter: this.limiter,
      exportTimeoutMillis: config.exportTimeoutMillis,
      attemptTimeoutMs,
      orgName: config.orgName,
      policy,
      signal: this.cancel.signal,
      url: this.url,
      onFinal: (target, verdict) => this.insertRefused(target.parent, verdict),
    });
    const orgs = new AttachmentOrgs({
      get: (path, timeoutMs, signal) => this.limiter.run(() => this.transport.get(path, timeoutMs, signal), signal ? { signal } : {}),
      resolve: (parent) => this.resolver.resolve(parent),
      policy,
      attemptTimeoutMs,
      signal: this.cancel.signal,
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
          orgId: (parent) => orgs.orgId(parent),
          release: (parent, json) => {
            if (!this.admit(parent, json)) this.dropFull();
          },
        })
      : undefined;
    const { counters, destinations, schedule, inflight, attachments } = this;
    this.parts = { counters, destinations, schedule, inflight, attachments, pump: () => this.pump() };
    this.destinations.use(config.parent);
  }

  // The methods of DeliveryPort are documented there (port.ts).
  enqueue(parent: Parent, json: string): void {
    if (!this.offer(parent, json)) this.dropFull();
  }

  offer(parent: Parent, json: string): boolean {
    if (this.closing) return this.refuse("shutdown");
    return this.admit(parent, json);
  }

  /** `offer`, also while closing: rows that waited for their attachments are sent by the final flush. */
  private admit(parent: Parent, json: string): boolean {
    try {
      const fatal = this.destinations.fatal;
      if (fatal) return this.refuse(fatal.reason);
      if (typeof json !== "string" || json.length === 0 || typeof parent?.key !== "string") return this.refuse("invalid");
      const dest = this.destinations.use(parent);
      if (dest.failed) return this.refuse("unresolved");
      if (this.queue.push(dest.lane, json)) {
        this.schedule.queued(dest);
        return true;
      }
      if (this.queue.size > 0 || this.queue.inFlightBytes > 0) {
        // The caller waits for room: send what is queued now, partial batches too.
        this.schedule.hurry();
        return false;
      }
      // Nothing queued or in flight: no wait can make room for it.
      this.dropFull();
      return true;
    } catch {
      // Never reaches the application; the row is lost and counted.
      return this.refuse("invalid");
    }
  }

  /** Resolves once rows have left the queue or requests have finished since the call. */
  async room(deadline: number): Promise<boolean> {
    if (this.closing) return false;
    return (await this.schedule.progress(deadline)) && !this.closing;
  }

  private refuse(reason: DropReason): true {
    this.drop(reason);
    return true;
  }

  private dropFull(): void {
    this.drop("queueFull");
    log("warn", "queue-full", `queue full (${this.config.maxQueueSize} rows / ${formatBytes(this.config.maxQueueBytes)}): new rows are dropped; ${this.counters.dropped.queueFull} so far`);
  }

  drop(reason: DropReason, count = 1): void {
    this.counters.drop(reason, count);
  }

  flush(withinMs = this.config.exportTimeoutMillis): Promise<FlushResult> {
    const deadline = Date.now() + Math.max(0, Math.min(withinMs, this.config.exportTimeoutMillis));
    return flushUntil(this.parts, deadline).catch(() => ({ sent: 0, dropped: 0, pending: this.queue.size }));
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.close().catch(() => {});
    return this.shutdownPromise;
  }

  ready(): Promise<void> {
    return this.gate.wait();
  }

  undelivered(): number {
    return this.queued() + this.inflight.rows;
  }

  queued(): number {
    return this.queue.size + (this.attachments?.heldRows ?? 0);
  }

  abandon(): number {
    const count = this.destinations.clearAll();
    this.drop("shutdown", count);
    this.schedule.changed();
    return count + this.inflight.rows;
  }

  stats(): DeliveryStats {
    const stats = this.counters.snapshot(this.queue.size, this.queue.bytes);
    // A rejected key is why nothing gets through, whatever failed since.
    const fatal = this.destinations.fatal;
    if (fatal) stats.lastError = fatal.message;
    return stats;
  }

  /** Starts the sends the schedule and the limiter allow. */
  private pump(): void {
    if (this.cancel.signal.aborted) return;
    while (this.limiter.mayStartBatch(this.inflight.size)) {
      const dest = this.schedule.next();
      if (!dest) break;
      const rows = this.sender.take(this.queue, dest);
      const target = { parent: dest.parent, insertPath: dest.insertPath! };
      if (rows.length > 0) this.inflight.start(dest, rows, () => this.sender.send(target, rows));
    }
    this.schedule.pumped(this.queue.size);
  }

  private async close(): Promise<void> {
    this.closing = true;
    // The caller awaits the whole close, not just its flush: hold the process until the pool
    // is closed too, within a bound.
    const release = holdProcess(this.config.exportTimeoutMillis + CLOSE_MS);
    try {
      const deadline = Date.now() + this.config.exportTimeoutMillis;
      await this.attachments?.close(uploadsDeadline(deadline));
      await flushUntil(this.parts, deadline);
      this.schedule.stop();
      this.resolver.close();
      this.cancel.abort(); // retry waits end; their rows count as shutdown
      this.limiter.open(); // requests waiting for a slot go ahead, and find the transport closed
      this.drop("shutdown", this.destinations.clearAll());
      await this.transport.close();
      await this.inflight.settled(Date.now() + CLOSE_MS);
      this.schedule.changed();
    } finally {
      release();
    }
  }

  /** A lookup's answer: a destination found may send its rows now, which may have waited longer than scheduledDelayMillis. */
  private resolved(parent: Parent, r: Resolution): void {
    try {
      if (!this.destinations.resolved(parent, r)) return;
      note("info", `sending rows for ${(r.ok && r.label) || parent.key} to ${this.url}`);
      this.schedule.hurry(true);
    } catch (err) {
      log("error", "delivery-bug", `unexpected error after resolving ${parent.key}: ${String(err)}`);
    }
  }

  /** The sender's verdict on a batch the API refused for good (it counted that batch itself). */
  private insertRefused(parent: Parent, { action, message }: Verdict): void {
    const dest = this.destinations.get(parent.key);
    if (action === "keyRejected") this.destinations.rejectKey(message, "rejected");
    else if (action === "failDestination" && dest) this.destinations.fail(dest, message);
  }
}
