// The OTel SpanExporter face, for BatchSpanProcessor, SimpleSpanProcessor or NodeSDK's
// `traceExporter`: the same conversion, filtering, routing and delivery as the processor.
//
// An exporter only sees spans after they end, children before their parents, and never
// sees them start. Each batch is indexed before any span in it is judged, so parents in
// the same batch (or an earlier one) are known. A kept span whose parent has not been
// exported yet names it anyway and pins it: that parent is kept when it arrives, so no
// row is ever orphaned. Routing is inherited from ancestors exported in the same batch
// or earlier; the processor, which sees spans start, inherits exactly.
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { BraintrustExporterOptions } from "./config.js";
import { parentSpanIdOf } from "./convert/span.js";
import type { SpanLike } from "./convert/types.js";
import { createCore, type ExporterCore } from "./core.js";
import type { DeliveryStats } from "./delivery/delivery.js";
import { createSpanFilter, type SpanFilter } from "./filter.js";
import { errorMessage, log } from "./log.js";
import type { Parent } from "./parent.js";
import { ownDestination } from "./routing.js";
import { DROPPED, inheritedDestination, isLocalRoot, keptAncestor, OPEN, TraceBook } from "./trace-book.js";

// The values of ExportResultCode in @opentelemetry/core, which is not a dependency of ours.
const SUCCESS = 0;
const FAILED = 1;

export class BraintrustExporter implements SpanExporter {
  private readonly core: ExporterCore;
  private readonly filter: SpanFilter | undefined;
  private readonly book = new TraceBook();
  private shutdownPromise: Promise<void> | undefined;
  private filtered = 0;

  constructor(options?: BraintrustExporterOptions) {
    this.core = createCore(options);
    this.filter = this.core.config ? createSpanFilter(this.core.config) : undefined;
  }

  export(spans: ReadableSpan[], resultCallback: (result: { code: number; error?: Error }) => void): void {
    if (this.shutdownPromise) {
      this.core.delivery.drop("shutdown", spans.length);
      resultCallback({ code: FAILED, error: new Error("braintrust-otel-exporter: exporter is shut down") });
      return;
    }
    if (!this.core.config) {
      // Inert (no key, bad options): say so to the span processor instead of claiming success.
      this.core.delivery.drop("unresolved", spans.length);
      this.core.delivery.ready().catch((err: unknown) => resultCallback({ code: FAILED, error: err instanceof Error ? err : new Error(String(err)) }));
      return;
    }
    try {
      this.emit(spans as unknown as SpanLike[]);
    } catch (err) {
      log("warn", "export", `a batch could not be processed: ${errorMessage(err)}`);
    }
    this.core.delivery.flush().then(
      (result) => resultCallback(result.dropped > 0 || result.pending > 0 ? failed(result.dropped, result.pending) : { code: SUCCESS }),
      (err: unknown) => resultCallback({ code: FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
    );
  }

  private emit(spans: SpanLike[]): void {
    const config = this.core.config!;
    for (const span of spans) {
      try {
        this.index(span);
      } catch {
        // judged (and reported) below
      }
    }
    for (const span of spans) {
      try {
        this.emitOne(span, config.parent);
      } catch (err) {
        this.core.delivery.drop("invalid");
        log("warn", "on-end", `span ${JSON.stringify(String(span?.name))} was dropped: ${errorMessage(err)}`);
      }
    }
  }

  private index(span: SpanLike): void {
    const { traceId, spanId } = span.spanContext();
    const placeholder = this.book.get(traceId, spanId);
    this.book.add(traceId, spanId, {
      parentId: parentSpanIdOf(span),
      dest: ownDestination(span.attributes),
      live: span,
      state: OPEN,
      pinned: placeholder?.pinned === true,
      started: false,
      root: isLocalRoot(span),
    });
  }

  private emitOne(span: SpanLike, fallback: Parent): void {
    const { traceId, spanId } = span.spanContext();
    const note = this.book.end(traceId, spanId);
    const parentId = note ? note.parentId : parentSpanIdOf(span);
    let keptParent: string | undefined;
    if (this.filter) {
      const root = note ? note.root : isLocalRoot(span);
      if (!root && !note?.pinned && !this.filter(span)) {
        if (note) note.state = DROPPED;
        this.filtered++;
        return;
      }
      keptParent = keptAncestor(this.book, this.filter, traceId, parentId, true);
      if (keptParent === parentId) keptParent = undefined;
    }
    const dest = inheritedDestination(this.book, traceId, note) ?? fallback;
    this.core.pipeline.push(span, dest, keptParent, false);
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
    return { ...this.core.delivery.stats(), filtered: this.filtered };
  }
}

function failed(dropped: number, pending: number) {
  return { code: FAILED, error: new Error(`braintrust-otel-exporter: ${dropped} rows dropped, ${pending} not delivered in time`) };
}
