// One batch's journey to the API: cut from its lane, retried per the policy, split in halves
// on 413 (a lone row is truncated instead), narrowed down on 400 (isolate.ts), and every row
// counted exactly once at the end, with a clear message when the API refuses them. How rows
// are fitted or repaired is the batcher's (batch.ts), given once; requests go through the
// limiter, like every other request.
import { counted, fail, log, note, redact } from "../log.js";
import type { Parent } from "../config/parent.js";
import { isolateRefused } from "./isolate.js";
import { type Context, type Verdict as Classified, classify, gaveUpAt } from "./classify.js";
import type { Limiter } from "./limiter.js";
import { type BackoffPolicy, type Outcome, withRetry } from "./retry.js";
import type { Batcher } from "./batch.js";
import { EncodedRows } from "./encoded-rows.js";
import type { ByteBoundedQueue, Lane } from "./queue.js";
import type { Counters } from "./stats.js";
import type { Transport } from "./transport.js";

export interface Target {
  readonly parent: Parent;
  readonly insertPath: string;
}

export interface SenderOptions {
  /** What a request may hold, and how a row is fitted or repaired. */
  batches: Batcher;
  exportTimeoutMillis: number;
  attemptTimeoutMs: number;
  orgName: string | undefined;
  policy: BackoffPolicy;
  /** Aborted at shutdown: retry waits end, and their rows count as `shutdown`. */
  signal: AbortSignal;
  /** The API URL as messages print it. */
  url?: string;
  /** Told when the API refused a batch for good (the batch is already counted), with what the refusal means. */
  onFinal?: (target: Target, verdict: Classified) => void;
  /** The one gate on requests in flight; retry waits are spent in it too, holding no slot. */
  limiter: Limiter;
}

export class Sender {
  private readonly retryWait = (ms: number, signal?: AbortSignal) => this.options.limiter.backOff(ms, signal);

  constructor(
    private readonly transport: Transport,
    private readonly counters: Counters,
    private readonly options: SenderOptions,
  ) {}

  /** The next batch of a destination's lane; rows too large for any request are truncated or dropped (counted, said). */
  take(queue: ByteBoundedQueue, from: { readonly parent: Parent; readonly lane: Lane }): EncodedRows {
    const batch = this.options.batches.take(queue, from.lane);
    this.counters.drop("tooLarge", batch.dropped);
    if (batch.truncated + batch.dropped > 0) this.reportTooLarge(from, batch.truncated, batch.dropped);
    return batch.encoded;
  }

  /** Sends `rows` within exportTimeoutMillis. Never rejects. */
  async send(target: Target, rows: EncodedRows): Promise<void> {
    try {
      await this.deliver(target, rows, Date.now() + this.options.exportTimeoutMillis);
    } catch (err) {
      log("error", "delivery-bug", `unexpected error while sending: ${String(err)}`);
    }
  }

  /**
   * One batch's journey. While isolating a 400 (isolate.ts), a batch refused with a 400 is
   * handed back uncounted ("refused") for the isolation to decide.
   */
  private async deliver(target: Target, rows: EncodedRows, deadline: number, isolating = false): Promise<"refused" | "settled"> {
    const body = rows.body;
    const started = Date.now();
    const result = await withRetry((_remaining, cut) => this.insert(target, body, rows.length, cut), {
      deadline,
      policy: this.options.policy,
      signal: this.options.signal,
      sleep: this.retryWait,
      onRetry: (outcome, delayMs) => {
        this.counters.retried++;
        this.noteFailure(classify(outcome, this.context(target)), delayMs);
      },
    });
    switch (result.decision) {
      case "done":
        this.counters.sent += rows.length;
        if (rows.truncated) this.counters.truncated += rows.length;
        note("debug", `sent ${counted(rows.length, "row")} (${body.length} bytes) to ${target.parent.key} in ${Date.now() - started} ms`);
        break;
      case "split":
        await this.split(target, rows, deadline);
        break;
      case "final":
        if (classify(result.outcome).action === "isolate") {
          if (isolating) return "refused";
          await isolateRefused(rows, result.outcome, {
            send: (part) => this.deliver(target, part, deadline, true),
            refuse: (part, outcome) => this.refuse(target, part, outcome),
            repair: this.options.batches.repairRow,
          });
          break;
        }
        this.refuse(target, rows, result.outcome);
        break;
      case "timeout": {
        this.counters.drop("timeout", rows.length);
        const why = gaveUpAt(result.outcome, result.times, this.url, this.options.exportTimeoutMillis);
        this.counters.lastError = redact(`inserting into ${target.parent.key}: ${why}`);
        fail("timeout", `gave up on ${counted(rows.length, "row")} for ${target.parent.key}: ${why} (exportTimeoutMillis)`);
        break;
      }
      case "cancelled":
        this.counters.drop("shutdown", rows.length);
        break;
    }
    return "settled";
  }

  /** The API refused `rows` for good: counted and said. */
  private refuse(target: Target, rows: EncodedRows, outcome: Outcome): void {
    this.counters.drop("rejected", rows.length);
    this.reportRejected(target, outcome, rows.length);
  }

  /** 413: the halves go one after the other; a lone row is truncated to half its size and tried again. */
  private async split(target: Target, rows: EncodedRows, deadline: number): Promise<void> {
    const bodyBytes = rows.body.length;
    this.options.batches.refused(bodyBytes);
    if (rows.length > 1) {
      const [first, second] = rows.split();
      await this.deliver(target, first, deadline);
      await this.deliver(target, second, deadline);
      return;
    }
    const fitted = this.options.batches.fit(rows.text(0), Math.floor(bodyBytes / 2));
    if (fitted === undefined) {
      this.counters.drop("tooLarge");
      this.reportTooLarge(target, 0, 1);
      return;
    }
    this.reportTooLarge(target, 1, 0);
    await this.deliver(target, EncodedRows.fromText([fitted], true), deadline);
  }

  /**
   * One attempt, which `cut` (the deadline) aborts. A 2xx whose body is not `{row_ids}` may
   * not have been stored, so it is retried (ids make that safe).
   */
  private insert(target: Target, body: Uint8Array, count: number, cut: AbortSignal): Promise<Outcome> {
    return this.options.limiter.run(() => this.attempt(target, body, count, cut), { signal: cut });
  }

  private async attempt(target: Target, body: Uint8Array, count: number, cut: AbortSignal): Promise<Outcome> {
    const outcome = await this.transport.post(target.insertPath, body, this.options.attemptTimeoutMs, cut);
    if (outcome.kind !== "ok") return outcome;
    let rowIds: unknown;
    try {
      rowIds = (JSON.parse(outcome.body) as { row_ids?: unknown }).row_ids;
    } catch {
      // not JSON: unreadable
    }
    if (!Array.isArray(rowIds)) return { kind: "invalid", status: outcome.status, body: outcome.body.slice(0, 300) };
    if (rowIds.length !== count) this.reportRowIds(target, outcome.status, rowIds.length, count);
    return outcome;
  }

  /**
   * A 2xx whose row_ids do not number the rows sent came from something that is not the
   * insert route (a proxy's canned answer, a wrong apiUrl path): the rows may be lost.
   */
  private reportRowIds(target: Target, status: number, acknowledged: number, sent: number): void {
    this.counters.lastError = redact(`inserting into ${target.parent.key}: HTTP ${status} acknowledged ${acknowledged} row ids for ${sent} rows sent`);
    log("warn", `row-ids:${target.parent.key}`, `${this.counters.lastError}; they may not have been stored: check that apiUrl points at the Braintrust API`);
  }

  /** A failed attempt that will be retried: WARN, rate-limited; every one at DEBUG. */
  private noteFailure(verdict: Classified, delayMs: number): void {
    this.counters.lastError = redact(verdict.message);
    note("debug", `retrying in ${delayMs} ms: ${this.counters.lastError}`);
    log("warn", "retrying", `${this.counters.lastError}; retrying`);
  }

  private get url(): string {
    return this.options.url ?? "the API";
  }

  private context(target: Target): Context {
    return { op: "insert", parent: target.parent, orgName: this.options.orgName, url: this.url };
  }

  private reportTooLarge(target: { parent: Parent }, truncated: number, dropped: number): void {
    const parts = [
      truncated ? `${truncated} truncated to fit (largest fields replaced by "[truncated …]")` : "",
      dropped ? `${dropped} dropped (too large even truncated)` : "",
    ];
    log("warn", "too-large", `rows for ${target.parent.key} larger than a request may be: ${parts.filter(Boolean).join(", ")}`);
  }

  private reportRejected(target: Target, outcome: Outcome, count: number): void {
    const verdict = classify(outcome, this.context(target));
    const status = outcome.kind === "http" ? outcome.status : 0;
    this.counters.lastError = redact(verdict.message);
    // A rejected key or a failed destination is said once, by whoever stops its later rows.
    const saidByOwner = this.options.onFinal !== undefined && (verdict.action === "keyRejected" || verdict.action === "failDestination");
    if (!saidByOwner) fail(`rejected:${status}:${target.parent.key}`, `${verdict.message}; ${counted(count, "row")} dropped, not retried`);
    this.options.onFinal?.(target, verdict);
  }
}
