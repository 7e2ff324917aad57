// The OTel SpanExporter face, for BatchSpanProcessor, SimpleSpanProcessor or NodeSDK's
// `traceExporter`: the same judge, conversion and delivery as the processor.
//
// An exporter only sees spans after they end, children before their parents, and never
// sees them start. Each batch is indexed before any span in it is judged, so parents in
// the same batch (or an earlier one) are known; see judge.ts for what that means for
// filtering and routing.
//
// Back-pressure: BatchSpanProcessor's forceFlush hands over every batch it holds at once
// (its whole queue, in exports of maxExportBatchSize), which may be more than the queue's byte
// budget. Instead of dropping what does not fit, an export waits for room, within its
// deadline, and calls back only when its rows are delivered: BatchSpanProcessor then paces
// itself, and memory stays bounded by its own queue plus ours. Exports are converted one after
// another, in the order they came, and in slices of at most about a millisecond, so that no
// batch holds the event loop for the whole of its conversion.
import { setImmediate as nextTurn } from "node:timers/promises";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { BraintrustExporterOptions } from "../config/config.js";
import { quotedName } from "../convert/span.js";
import type { SpanLike } from "../convert/types.js";
import type { DeliveryPort } from "../delivery/port.js";
import type { DeliveryStats } from "../delivery/stats.js";
import type { RowPipeline } from "../rows/pipeline.js";
import { counted, errorMessage, log } from "../log.js";
import { batchProcessorsOf, globalProvider, processorOf } from "../lifecycle/batch-processors.js";
import type { ExitTarget, Upstream } from "../lifecycle/exit.js";
import { watchExit } from "../lifecycle/exit.js";
import { ExporterCore, exitTarget } from "./core.js";
import type { SpanJudge } from "./judge.js";
import { BraintrustLogRecordProcessor } from "./log-records.js";
import { RecordBook, type RecordStats } from "./record-book.js";
import { Slice } from "./slice.js";
import { TraceBook } from "./trace-book.js";

// The values of ExportResultCode in @opentelemetry/core, which is not a dependency of ours.
const SUCCESS = 0;
const FAILED = 1;

export class BraintrustExporter implements SpanExporter {
  private readonly core: ExporterCore;
  /** The spans exported so far, indexed per batch, for the judge. */
  private readonly book = new TraceBook();
  private shutdownPromise: Promise<void> | undefined;
  /** The last export still converting: the next one starts after it. */
  private converting: Promise<void> | undefined;
  /** Held here: the exit hooks keep only a weak reference, so a dropped exporter is collected. */
  private readonly exit: ExitTarget | undefined;
  private readonly unwatchExit: (() => void) | undefined;
  /** Whether any span was ever handed over; until then, spans may wait in a processor unseen. */
  private handedSpans = false;
  /** The span processor of the provider whose spans this exports, to find the batch processor that feeds it. */
  private feeder: WeakRef<object> | undefined;
  /** GenAI log records waiting for their spans' export; made with `logRecordProcessor`. */
  private records: RecordBook | undefined;
  private logFace: BraintrustLogRecordProcessor | undefined;

  constructor(options?: BraintrustExporterOptions) {
    this.core = new ExporterCore(options ?? {}, { book: this.book, seesStarts: false });
    const config = this.core.config;
    if (config) {
      this.exit = { ...exitTarget(this.core, config.flushOnExit), upstream: () => this.upstream() };
      this.unwatchExit = watchExit(this.exit);
    }
  }

  /**
   * An OTel `LogRecordProcessor` for a `LoggerProvider` (or NodeSDK's `logRecordProcessors`):
   * GenAI message records are held until their span is exported and fold into its row; a
   * record that comes after the export is sent as a merge row. The same object every time.
   */
  get logRecordProcessor(): BraintrustLogRecordProcessor {
    if (this.logFace === undefined) {
      this.records = new RecordBook({ send: (order) => this.core.pipeline?.push(order) });
      this.logFace = new BraintrustLogRecordProcessor(this.records, this);
    }
    return this.logFace;
  }

  export(spans: ReadableSpan[], resultCallback: (result: { code: number; error?: Error }) => void): void {
    if (!this.handedSpans && spans.length > 0) {
      this.handedSpans = true;
      const feeder = processorOf(spans[0]);
      if (feeder) this.feeder = new WeakRef(feeder);
    }
    const { config, judge, pipeline, delivery } = this.core.settle();
    if (this.shutdownPromise) {
      delivery.drop("shutdown", spans.length);
      resultCallback({ code: FAILED, error: new Error("braintrust-otel-exporter: exporter is shut down") });
      return;
    }
    if (!judge || !config || !pipeline) {
      // Inert (no key, bad options): say so to the span processor instead of claiming success.
      delivery.drop("unresolved", spans.length);
      delivery.ready().catch((err: unknown) => resultCallback({ code: FAILED, error: err instanceof Error ? err : new Error(String(err)) }));
      return;
    }
    const deadline = Date.now() + config.exportTimeoutMillis;
    const run = () => this.emit(judge, pipeline, delivery, spans as unknown as SpanLike[], deadline);
    // An idle exporter starts converting at once (the first slice runs inside this call).
    const converted = this.converting ? this.converting.then(run) : run();
    const tail = converted.then(() => {
      if (this.converting === tail) this.converting = undefined;
    });
    this.converting = tail;
    converted
      .then(() => this.core.delivery.flush())
      .then(
        (result) => resultCallback(result.dropped > 0 || result.pending > 0 ? failed(result.dropped, result.pending) : { code: SUCCESS }),
        (err: unknown) => resultCallback({ code: FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
      );
  }

  /** Judges, converts and queues one export's spans, waiting for room in the queue by `deadline`. Never rejects. */
  private async emit(judge: SpanJudge, pipeline: RowPipeline, delivery: DeliveryPort, spans: SpanLike[], deadline: number): Promise<void> {
    try {
      // Indexing the batch counts toward the slices too: it is one step per span as well.
      const slice = new Slice();
      slice.start();
      for (let i = 0; i < spans.length; i++) {
        try {
          judge.noteEnded(spans[i]!);
        } catch {
          // judged (and reported) below
        }
        if (i + 1 < spans.length && !slice.fits()) {
          await nextTurn();
          slice.start();
        }
      }
      for (let i = 0; i < spans.length; i++) {
        const span = spans[i]!;
        let json: string | undefined;
        let order;
        try {
          order = judge.ended(span);
          if (order === undefined) this.records?.dropped(span);
          else if (this.records !== undefined) order = this.records.fold(order);
          json = order ? pipeline.row(order) : undefined;
        } catch (err) {
          delivery.drop("invalid");
          log("warn", "on-end", `span ${quotedName(span)} was dropped: ${errorMessage(err)}`);
        }
        if (order !== undefined && json !== undefined) {
          while (!delivery.offer(order.destination, json)) {
            if (!(await delivery.room(deadline))) {
              delivery.enqueue(order.destination, json); // counted as dropped (full, or shut down)
              break;
            }
            slice.start();
          }
        }
        if (i + 1 < spans.length && !slice.fits()) {
          await nextTurn();
          slice.start();
        }
      }
    } catch (err) {
      log("warn", "export", `a batch could not be processed: ${errorMessage(err)}`);
    }
  }

  /** The span processors that feed this exporter, for the exit flush (lifecycle/exit.ts). */
  private upstream(): Upstream {
    const processors = batchProcessorsOf(this, [globalProvider(), this.feeder?.deref()]);
    return { processors, unseen: processors.length === 0 && !this.handedSpans };
  }

  async forceFlush(): Promise<void> {
    await this.flush();
  }

  /** The converting export, late log records' merge rows, then the delivery's flush. */
  async flush(): Promise<void> {
    await this.converting;
    this.records?.flushLate();
    await this.core.delivery.flush();
  }

  shutdown(): Promise<void> {
    // Exports handed over before the shutdown are converted first (each within its deadline).
    this.shutdownPromise ??= Promise.resolve(this.converting)
      .then(() => this.records?.clear())
      .then(() => this.core.delivery.shutdown())
      .finally(() => this.unwatchExit?.());
    return this.shutdownPromise;
  }

  ready(): Promise<void> {
    return this.core.delivery.ready();
  }

  /** Delivery counters, plus `filtered` (spans left out by the filter) and, with `logRecordProcessor`, `logRecords`. */
  stats(): DeliveryStats & { filtered: number; logRecords?: RecordStats } {
    this.records?.flushLate();
    const stats = { ...this.core.delivery.stats(), filtered: this.core.judge?.filtered ?? 0 };
    return this.records ? { ...stats, logRecords: { ...this.records.stats } } : stats;
  }
}

function failed(dropped: number, pending: number) {
  return { code: FAILED, error: new Error(`braintrust-otel-exporter: ${counted(dropped, "row")} dropped, ${pending} not delivered in time`) };
}
