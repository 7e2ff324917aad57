// The OTel SpanProcessor face. onStart lets the judge note what a span's descendants will
// need; onEnd asks it whether and where the span becomes a row, and leaves the row for
// right after the current event-loop turn (pending-rows.ts). Both run inside the app's
// calls: they stay cheap and never throw.
import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { BraintrustExporterOptions } from "../config/config.js";
import { quotedName } from "../convert/span.js";
import type { SpanLike } from "../convert/types.js";
import type { RowOrder } from "../rows/pipeline.js";
import type { DeliveryStats, FlushResult } from "../delivery/stats.js";
import type { ExitTarget } from "../lifecycle/exit.js";
import { watchExit } from "../lifecycle/exit.js";
import { errorMessage, log } from "../log.js";
import { ExporterCore, exitTarget } from "./core.js";
import { BraintrustLogRecordProcessor } from "./log-records.js";
import { PendingRows } from "./pending-rows.js";
import { RecordBook, type RecordStats } from "./record-book.js";
import { TraceBook } from "./trace-book.js";

export class BraintrustSpanProcessor implements SpanProcessor {
  private readonly core: ExporterCore;
  /** What onStart saw: parent links and destinations, for the judge. */
  private readonly book = new TraceBook();
  /** Kept spans whose rows are built right after the current event-loop turn, not inside span.end(). */
  private readonly pending: PendingRows;
  /** Held here: the exit hooks keep only a weak reference, so a dropped processor is collected. */
  private readonly exit: ExitTarget | undefined;
  private readonly unwatchExit: (() => void) | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private rootFlush: Promise<unknown> | undefined;
  private rootFlushAgain = false;
  /**
   * While the trace book is empty (no filter and no start rows, which note every span, and
   * nothing routed), a span's order depends on the span alone: onEnd stores the span and the
   * order is made when it is converted (`judgeLate`). Set by the first end, once the config
   * is settled, unless it wants a root's end seen at once (flushOnRootEnd).
   */
  private plainEnds = false;
  /** GenAI log records waiting for their spans; made with `logRecordProcessor`. */
  private records: RecordBook | undefined;
  private logFace: BraintrustLogRecordProcessor | undefined;

  constructor(options?: BraintrustExporterOptions) {
    this.core = new ExporterCore(options ?? {}, { book: this.book, seesStarts: true });
    // Rows are built once the config is settled: spans wait here only after a settled onEnd.
    this.pending = new PendingRows({ push: (order) => this.core.pipeline?.push(order) }, (span) => this.judgeLate(span));
    const config = this.core.config;
    if (config) {
      this.exit = exitTarget(this.core, config.flushOnExit, this.pending);
      this.unwatchExit = watchExit(this.exit);
    }
  }

  /**
   * An OTel `LogRecordProcessor` for a `LoggerProvider` (or NodeSDK's `logRecordProcessors`):
   * GenAI message records (OpenTelemetry's own GenAI instrumentations write prompts and
   * completions as log records) fold into their span's row; a record that comes after the
   * row left is sent as a merge row; other records are ignored. The same object every time.
   */
  get logRecordProcessor(): BraintrustLogRecordProcessor {
    if (this.logFace === undefined) {
      const records = new RecordBook({ send: (order) => this.core.pipeline?.push(order) });
      this.records = records;
      this.pending.fold = (order) => records.fold(order);
      this.logFace = new BraintrustLogRecordProcessor(records, this);
    }
    return this.logFace;
  }

  onStart(span: Span, parentContext: Context): void {
    if (this.shutdownPromise) return;
    try {
      // A start row needs the destination now.
      if (this.core.config?.logSpanStart) this.core.settle();
      const start = this.core.startJudge?.noteStart(span as unknown as SpanLike, parentContext);
      if (start) this.core.pipeline?.pushStart(start);
    } catch (err) {
      log("warn", "on-start", `could not note a started span: ${errorMessage(err)}`);
    }
  }

  onEnd(span: ReadableSpan): void {
    if (this.plainEnds && this.book.size === 0 && this.shutdownPromise === undefined) {
      this.pending.addEnded(span as unknown as SpanLike);
      return;
    }
    const { config, judge, delivery } = this.core.settle();
    if (this.shutdownPromise) {
      delivery.drop("shutdown");
      return;
    }
    if (!judge || !config) {
      delivery.drop("unresolved");
      return;
    }
    this.plainEnds = !config.flushOnRootEnd;
    const like = span as unknown as SpanLike;
    let root = false;
    try {
      const order = judge.ended(like);
      // A root the filter left out still ends the request: flushOnRootEnd flushes its rows.
      root = judge.lastEndedRoot;
      if (order) this.pending.add(order);
      else this.records?.dropped(like);
    } catch (err) {
      delivery.drop("invalid");
      log("warn", "on-end", `span ${quotedName(like)} was dropped: ${errorMessage(err)}`);
    }
    if (root && config.flushOnRootEnd) this.flushForRoot();
  }

  /** The order of a span stored bare at its end; undefined (counted) when it cannot be judged. */
  private judgeLate(span: SpanLike): RowOrder | undefined {
    try {
      const order = this.core.judge?.ended(span);
      if (order === undefined) this.records?.dropped(span);
      return order;
    } catch (err) {
      this.core.delivery.drop("invalid");
      log("warn", "on-end", `span ${quotedName(span)} was dropped: ${errorMessage(err)}`);
      return undefined;
    }
  }

  /** Resolves (never rejects) once everything queued before the call is delivered or has failed. */
  async forceFlush(): Promise<void> {
    await this.flush();
  }

  /**
   * At most one flush started by a root's end runs at a time; roots that end meanwhile ask
   * for one more after it. During an outage each flush waits out its deadline, so one flush
   * per root would keep as many waiting as roots end within a deadline, each with its timer
   * and promises: here one waits at a time, whatever the rate of roots.
   */
  private flushForRoot(): void {
    if (this.rootFlush) {
      this.rootFlushAgain = true;
      return;
    }
    this.rootFlush = this.flush().finally(() => {
      this.rootFlush = undefined;
      if (this.rootFlushAgain && !this.shutdownPromise) {
        this.rootFlushAgain = false;
        this.flushForRoot();
      }
    });
  }

  /** Like forceFlush, with what the flush achieved. */
  flush(): Promise<FlushResult> {
    this.pending.drain();
    this.records?.flushLate();
    return this.core.delivery.flush();
  }

  shutdown(): Promise<void> {
    if (!this.shutdownPromise) {
      this.pending.drain();
      this.records?.clear();
      // Unwatched once it is done: until then, an exit cut short still says what was lost.
      this.shutdownPromise = this.core.delivery.shutdown().finally(() => this.unwatchExit?.());
    }
    return this.shutdownPromise;
  }

  /** Resolves once the destination project is known; rejects with a clear reason (bad key, no project, …). */
  ready(): Promise<void> {
    return this.core.delivery.ready();
  }

  /**
   * Delivery counters, plus `filtered`: spans left out by `filterAISpans` / `customFilter`;
   * and, once `logRecordProcessor` is in use, `logRecords`: GenAI log records joined to their
   * span's row, sent late as a merge row, matched to no row, or evicted over the byte budget.
   */
  stats(): DeliveryStats & { filtered: number; logRecords?: RecordStats } {
    this.pending.drain();
    this.records?.flushLate();
    const stats = { ...this.core.delivery.stats(), filtered: this.core.judge?.filtered ?? 0 };
    return this.records ? { ...stats, logRecords: { ...this.records.stats } } : stats;
  }
}
