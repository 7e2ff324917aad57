// Queue → batch → transport, per destination. The state is small and explicit: the queue
// (one lane per destination), the scheduling timer, the batches in flight, and a closing
// flag. Every row ends in exactly one counter: sent, or one dropped reason.
import type { ExporterConfig } from "../config.js";
import { addSecret, log, redact } from "../log.js";
import type { Parent } from "../parent.js";
import { ENVELOPE_BYTES, batchBody, splitRows, takeBatch } from "./batch.js";
import { DestinationResolver, describeOutcome } from "./destination.js";
import { ByteBoundedQueue, type Lane } from "./queue.js";
import { type BackoffPolicy, DEFAULT_BACKOFF, type Outcome, sleep, withRetry } from "./retry.js";
import { Transport } from "./transport.js";
import { byteLength, formatBytes, truncateToFit } from "./truncate.js";

export type DropReason = "queueFull" | "tooLarge" | "rejected" | "shutdown" | "invalid" | "unresolved" | "timeout";

export interface DeliveryStats {
  queued: number;
  queuedBytes: number;
  /** Rows the API acknowledged. */
  sent: number;
  /** Insert requests sent again after a retryable failure. */
  retried: number;
  /** Rows lost, by reason; `tooLarge` also counts rows delivered with content truncated. */
  dropped: Record<DropReason, number>;
  lastError: string | undefined;
}

/** What one flush achieved: rows delivered and dropped between its start and end, and rows still queued. */
export interface FlushResult {
  sent: number;
  dropped: number;
  pending: number;
}

/** Knobs for tests and benchmarks; the defaults are what users get. */
export interface DeliveryOptions {
  backoff?: Partial<BackoffPolicy>;
}

interface Destination {
  readonly parent: Parent;
  readonly lane: Lane;
  insertPath: string | undefined;
  failed: boolean;
}

const MIN_BATCH_BYTES = 1024;
const noop = () => {};

export class Delivery {
  private readonly queue: ByteBoundedQueue;
  private readonly transport: Transport;
  private readonly resolver: DestinationResolver;
  private readonly policy: BackoffPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly destinations = new Map<string, Destination>();
  private readonly order: Destination[] = [];
  private readonly readyPromise: Promise<void>;
  private readonly cancel = new AbortController();
  private readonly inflight = new Set<Promise<void>>();
  private readonly waiters: (() => void)[] = [];
  private readonly dropped: Record<DropReason, number> = {
    queueFull: 0, tooLarge: 0, rejected: 0, shutdown: 0, invalid: 0, unresolved: 0, timeout: 0,
  };
  private sent = 0;
  private retried = 0;
  /** Rows wholly lost (tooLarge truncations that were still delivered are not). */
  private lost = 0;
  private lastError: string | undefined;
  /** Lowered after a 413, so later batches fit the server's real limit. */
  private batchCap: number;
  private active = 0;
  private inflightRows = 0;
  private rr = 0;
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
    addSecret(config.apiKey);
    this.queue = new ByteBoundedQueue(config.maxQueueSize, config.maxQueueBytes);
    this.batchCap = config.maxBatchBytes;
    this.policy = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.attemptTimeoutMs = Math.max(1000, Math.floor(config.exportTimeoutMillis / 3));
    this.transport = new Transport({
      apiUrl: config.apiUrl,
      apiKey: config.apiKey,
      headers: config.headers,
      maxConcurrent: config.maxConcurrentRequests,
    });
    this.resolver = new DestinationResolver(this.transport, {
      orgName: config.orgName,
      policy: this.policy,
      attemptTimeoutMs: this.attemptTimeoutMs,
      onRetry: (parent, outcome) => this.noteFailure(`resolving ${parent.key}`, outcome),
    });
    this.destination(config.parent);
    this.readyPromise = this.resolver.resolve(config.parent).then((r) => {
      if (!r.ok) throw new Error(`braintrust-otel-exporter: ${redact(r.message)}`);
    });
    // Nobody has to await ready(): its rejection must not become an unhandledRejection.
    this.readyPromise.catch(noop);
  }

  /** Hot path: must be synchronous, cheap, and never throw. `json` is one serialized event. */
  enqueue(parent: Parent, json: string): void {
    try {
      if (this.closing) return this.drop("shutdown");
      if (typeof json !== "string" || json.length === 0 || typeof parent?.key !== "string") return this.drop("invalid");
      const dest = this.destinations.get(parent.key) ?? this.destination(parent);
      if (dest.failed) return this.drop("unresolved");
      if (!this.queue.push(dest.lane, json)) {
        this.drop("queueFull");
        log("warn", "queue-full", `queue full (${this.config.maxQueueSize} rows / ${formatBytes(this.config.maxQueueBytes)}): new rows are dropped; ${this.dropped.queueFull} so far`);
        return;
      }
      if (dest.insertPath && (dest.lane.length >= this.config.maxExportBatchSize || dest.lane.bytes >= this.batchCap)) {
        this.kick();
      } else if (!this.timer) {
        this.arm();
      }
    } catch {
      // Never reaches the application; the row is lost and counted.
      this.dropped.invalid++;
      this.lost++;
    }
  }

  /** Counts rows lost before they reached the queue (conversion failure, after shutdown, …). */
  drop(reason: DropReason, count = 1): void {
    if (!(count > 0) || !(reason in this.dropped)) return;
    this.dropped[reason] += count;
    this.lost += count;
  }

  /** Delivers everything queued before the call, bounded by exportTimeoutMillis. Never rejects. */
  flush(): Promise<FlushResult> {
    return this.flushUntil(Date.now() + this.config.exportTimeoutMillis).catch(() => this.flushResult(this.sent, this.lost));
  }

  /** flush once, then close the pool; later enqueues count as dropped.shutdown. Never rejects. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.close().catch(noop);
    return this.shutdownPromise;
  }

  /** Resolves once the default destination is known; rejects with a clear message (401, 403, …). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  stats(): DeliveryStats {
    return {
      queued: this.queue.size,
      queuedBytes: this.queue.bytes,
      sent: this.sent,
      retried: this.retried,
      dropped: { ...this.dropped },
      lastError: this.lastError,
    };
  }

  private destination(parent: Parent): Destination {
    const dest: Destination = { parent, lane: this.queue.lane(parent.key), insertPath: undefined, failed: false };
    this.destinations.set(parent.key, dest);
    this.order.push(dest);
    void this.resolver.resolve(parent).then((r) => {
      if (r.ok) {
        dest.insertPath = r.insertPath;
        this.due = true; // its rows may have waited longer than scheduledDelayMillis
        this.pump();
        return;
      }
      dest.failed = true;
      if (this.closing) return; // shutdown counts the rows still queued
      const count = this.queue.clear(dest.lane);
      this.dropped.unresolved += count;
      this.lost += count;
      this.lastError = redact(r.message);
      log("error", `unresolved:${parent.key}`, `${r.message}; ${count} queued rows for ${parent.key} dropped, and later ones will be too`);
      this.notify();
    });
    return dest;
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
    // The transport caps requests in flight; a batch waiting out a backoff holds no request,
    // so a few more batches than that may be under way, keeping the pipe full under random faults.
    const maxBatches = this.config.maxConcurrentRequests * 2;
    while (this.active < maxBatches) {
      const dest = this.next();
      if (!dest) break;
      const batch = takeBatch(this.queue, dest.lane, this.config.maxExportBatchSize, this.batchCap);
      const truncated = new Set<string>(batch.truncated);
      this.dropped.tooLarge += batch.truncated.length + batch.dropped;
      this.lost += batch.dropped;
      if (batch.truncated.length + batch.dropped > 0) this.reportTruncation(dest, batch.truncated.length, batch.dropped);
      if (batch.rows.length > 0) this.start(dest, batch.rows, truncated);
    }
    if (!this.order.some((d) => d.insertPath && d.lane.length > 0)) this.due = false;
    if (this.queue.size > 0 && !this.timer && !this.due) this.arm();
    this.notify();
  }

  /** The next destination with a batch to send, round-robin so one busy project cannot starve another. */
  private next(): Destination | undefined {
    const partial = this.due || this.flushing > 0;
    for (let i = 0; i < this.order.length; i++) {
      const dest = this.order[(this.rr + i) % this.order.length]!;
      const { lane } = dest;
      if (!dest.insertPath || lane.length === 0) continue;
      if (partial || lane.length >= this.config.maxExportBatchSize || lane.bytes >= this.batchCap) {
        this.rr = (this.rr + i + 1) % this.order.length;
        return dest;
      }
    }
    return undefined;
  }

  private start(dest: Destination, rows: string[], truncated: Set<string>): void {
    this.active++;
    this.inflightRows += rows.length;
    const task: Promise<void> = this.deliver(dest, rows, Date.now() + this.config.exportTimeoutMillis, truncated)
      .catch((err) => log("error", "delivery-bug", `unexpected error while sending: ${String(err)}`))
      .finally(() => {
        this.active--;
        this.inflightRows -= rows.length;
        this.inflight.delete(task);
        this.pump();
      });
    this.inflight.add(task);
  }

  /** Sends rows with retries; a 413 splits them. Every row ends counted exactly once. */
  private async deliver(dest: Destination, rows: string[], deadline: number, truncated: Set<string>): Promise<void> {
    const body = batchBody(rows);
    const result = await withRetry((remaining) => this.insert(dest.insertPath!, body, remaining), {
      deadline,
      policy: this.policy,
      signal: this.cancel.signal,
      sleep,
      onRetry: (outcome) => {
        this.retried++;
        this.noteFailure(`inserting into ${dest.parent.key}`, outcome);
      },
    });
    switch (result.decision) {
      case "done":
        this.sent += rows.length;
        return;
      case "split":
        return this.split(dest, rows, deadline, truncated, byteLength(body));
      case "final":
        this.drop("rejected", rows.length);
        this.reportRejected(dest, result.outcome, rows.length);
        return;
      case "timeout":
        this.drop("timeout", rows.length);
        if (result.outcome) this.noteFailure(`inserting into ${dest.parent.key}`, result.outcome);
        log("warn", "timeout", `gave up on ${rows.length} rows for ${dest.parent.key} after exportTimeoutMillis (${this.config.exportTimeoutMillis} ms); last error: ${this.lastError ?? "none"}`);
        return;
      case "cancelled":
        this.drop("shutdown", rows.length);
        return;
    }
  }

  /** 413: halves are sent one after the other; a single row is truncated to half its size. */
  private async split(dest: Destination, rows: string[], deadline: number, truncated: Set<string>, bodyBytes: number): Promise<void> {
    this.batchCap = Math.max(MIN_BATCH_BYTES, Math.min(this.batchCap, Math.floor(bodyBytes / 2)));
    if (rows.length > 1) {
      const [first, second] = splitRows(rows);
      await this.deliver(dest, first, deadline, truncated);
      await this.deliver(dest, second, deadline, truncated);
      return;
    }
    const row = rows[0]!;
    const fitted = truncateToFit(row, Math.floor(bodyBytes / 2) - ENVELOPE_BYTES);
    if (!truncated.has(row)) this.dropped.tooLarge++;
    if (fitted === undefined) {
      this.lost++;
      this.reportTruncation(dest, 0, 1);
      return;
    }
    truncated.add(fitted);
    this.reportTruncation(dest, 1, 0);
    await this.deliver(dest, [fitted], deadline, truncated);
  }

  /** One attempt; a 2xx whose body is not `{row_ids}` may not have been stored, so it is retried (ids make that safe). */
  private async insert(path: string, body: string, remaining: number): Promise<Outcome> {
    const outcome = await this.transport.post(path, body, Math.min(remaining, this.attemptTimeoutMs));
    if (outcome.kind !== "ok") return outcome;
    try {
      if (Array.isArray((JSON.parse(outcome.body) as { row_ids?: unknown }).row_ids)) return outcome;
    } catch {
      // fall through
    }
    return { kind: "invalid", status: outcome.status, body: outcome.body.slice(0, 300) };
  }

  private async flushUntil(deadline: number): Promise<FlushResult> {
    const sent0 = this.sent;
    const lost0 = this.lost;
    const marks = this.order.map((d) => [d.lane, d.lane.taken + d.lane.length] as const);
    // Someone awaits this flush: keep the process up until it ends or its deadline passes
    // (unlike every other timer here, which never holds the process open).
    const keepAlive = setTimeout(noop, Math.max(0, deadline - Date.now()));
    this.flushing++;
    try {
      this.pump();
      while (marks.some(([lane, mark]) => lane.taken < mark)) {
        if (!(await this.progress(deadline))) return this.flushResult(sent0, lost0);
      }
      await settledBy([...this.inflight], deadline);
      return this.flushResult(sent0, lost0);
    } finally {
      this.flushing--;
      clearTimeout(keepAlive);
    }
  }

  private flushResult(sent0: number, lost0: number): FlushResult {
    return { sent: this.sent - sent0, dropped: this.lost - lost0, pending: this.queue.size + this.inflightRows };
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
    await this.flushUntil(Date.now() + this.config.exportTimeoutMillis);
    clearTimeout(this.timer);
    this.resolver.close();
    this.cancel.abort(); // retry waits end; their rows count as shutdown
    for (const dest of this.order) this.drop("shutdown", this.queue.clear(dest.lane));
    await this.transport.close();
    await settledBy([...this.inflight], Date.now() + 1000);
    this.notify();
  }

  private noteFailure(what: string, outcome: Outcome): void {
    this.lastError = redact(`${what}: ${describeOutcome(outcome)}`);
    log("warn", "retrying", `${this.lastError}; retrying`);
  }

  private reportRejected(dest: Destination, outcome: Outcome | undefined, count: number): void {
    const status = outcome?.kind === "http" ? outcome.status : 0;
    const detail = outcome ? describeOutcome(outcome) : "no answer";
    const org = this.config.orgName ? ` (org "${this.config.orgName}")` : "";
    const why =
      status === 401
        ? "the API key was rejected (401 Unauthorized); check the apiKey option or BRAINTRUST_API_KEY"
        : status === 403
          ? `the API key may not write to ${dest.parent.key}${org} (403 Forbidden)`
          : `the API refused the rows for ${dest.parent.key} (${detail})`;
    this.lastError = redact(why);
    log("error", `rejected:${status}:${dest.parent.key}`, `${why}; ${count} rows dropped, not retried`);
  }

  private reportTruncation(dest: Destination, truncated: number, dropped: number): void {
    const parts = [truncated ? `${truncated} truncated to fit (largest fields replaced by "[truncated …]")` : "", dropped ? `${dropped} dropped (too large even truncated)` : ""];
    log("warn", "too-large", `rows for ${dest.parent.key} larger than a request may be: ${parts.filter(Boolean).join(", ")}`);
  }
}

/** Waits for all `tasks` to settle, or until `deadline`, whichever is first. */
async function settledBy(tasks: Promise<unknown>[], deadline: number): Promise<void> {
  const stop = new AbortController();
  await Promise.race([Promise.allSettled(tasks), sleep(deadline - Date.now(), stop.signal)]);
  stop.abort();
}
