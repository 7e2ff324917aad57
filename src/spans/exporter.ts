// The OTel SpanExporter face, for BatchSpanProcessor, SimpleSpanProcessor or NodeSDK's
// `traceExporter`: the same judge, conversion and delivery as the processor.
//
// An exporter only sees spans after they end, children before their parents, and never
// sees them start. Each batch is indexed before any span in it is judged, so parents in
// the same batch (or an earlier one) are known; see judge.ts for what that means for
// filtering and routing.
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { BraintrustExporterOptions } from "../config/config.js";
import type { SpanLike } from "../convert/types.js";
import type { DeliveryStats } from "../delivery/delivery.js";
import { errorMessage, log } from "../log.js";
import { createCore, type ExporterCore } from "./core.js";
import { createSpanFilter } from "./filter.js";
import { SpanJudge } from "./judge.js";
import { TraceBook } from "./trace-book.js";

// The values of ExportResultCode in @opentelemetry/core, which is not a dependency of ours.
const SUCCESS = 0;
const FAILED = 1;

export class BraintrustExporter implements SpanExporter {
  private readonly core: ExporterCore;
  /** The spans exported so far, indexed per batch, for the judge. */
  private readonly book = new TraceBook();
  private readonly judge: SpanJudge | undefined;
  private shutdownPromise: Promise<void> | undefined;

  constructor(options?: BraintrustExporterOptions) {
    this.core = createCore(options);
    const config = this.core.config;
    if (config) {
      this.judge = new SpanJudge(this.book, {
        filter: createSpanFilter(config),
        fallback: () => config.parent,
        logSpanStart: false,
        seesStarts: false,
        link: (order) => this.core.pipeline.pushLink(order),
      });
    }
  }

  export(spans: ReadableSpan[], resultCallback: (result: { code: number; error?: Error }) => void): void {
    if (this.shutdownPromise) {
      this.core.delivery.drop("shutdown", spans.length);
      resultCallback({ code: FAILED, error: new Error("braintrust-otel-exporter: exporter is shut down") });
      return;
    }
    if (!this.judge) {
      // Inert (no key, bad options): say so to the span processor instead of claiming success.
      this.core.delivery.drop("unresolved", spans.length);
      this.core.delivery.ready().catch((err: unknown) => resultCallback({ code: FAILED, error: err instanceof Error ? err : new Error(String(err)) }));
      return;
    }
    try {
      this.emit(this.judge, spans as unknown as SpanLike[]);
    } catch (err) {
      log("warn", "export", `a batch could not be processed: ${errorMessage(err)}`);
    }
    this.core.delivery.flush().then(
      (result) => resultCallback(result.dropped > 0 || result.pending > 0 ? failed(result.dropped, result.pending) : { code: SUCCESS }),
      (err: unknown) => resultCallback({ code: FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
    );
  }

  private emit(judge: SpanJudge, spans: SpanLike[]): void {
    for (const span of spans) {
      try {
        judge.noteEnded(span);
      } catch {
        // judged (and reported) below
      }
    }
    for (const span of spans) {
      try {
        const order = judge.ended(span);
        if (order) this.core.pipeline.push(order);
      } catch (err) {
        this.core.delivery.drop("invalid");
        log("warn", "on-end", `span ${JSON.stringify(String(span?.name))} was dropped: ${errorMessage(err)}`);
      }
    }
  }

  async forceFlush(): Promise<void> {
    await this.core.delivery.flush();
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.core.delivery.shutdown();
    return this.shutdownPromise;
  }

  ready(): Promise<void> {
    return this.core.delivery.ready();
  }

  /** Delivery counters, plus `filtered`: spans left out by `filterAISpans` / `customFilter`. */
  stats(): DeliveryStats & { filtered: number } {
    return { ...this.core.delivery.stats(), filtered: this.judge?.filtered ?? 0 };
  }
}

function failed(dropped: number, pending: number) {
  return { code: FAILED, error: new Error(`braintrust-otel-exporter: ${dropped} rows dropped, ${pending} not delivered in time`) };
}
