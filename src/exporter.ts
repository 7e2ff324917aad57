// The OTel SpanExporter face, for BatchSpanProcessor, SimpleSpanProcessor or NodeSDK's
// `traceExporter`: the same conversion and delivery as the processor.
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { BraintrustExporterOptions } from "./config.js";
import type { SpanLike } from "./convert/types.js";
import { createCore, type ExporterCore } from "./core.js";
import type { DeliveryStats } from "./delivery/delivery.js";

// The values of ExportResultCode in @opentelemetry/core, which is not a dependency of ours.
const SUCCESS = 0;
const FAILED = 1;

export class BraintrustExporter implements SpanExporter {
  private readonly core: ExporterCore;
  private shutdownPromise: Promise<void> | undefined;

  constructor(options?: BraintrustExporterOptions) {
    this.core = createCore(options);
  }

  export(spans: ReadableSpan[], resultCallback: (result: { code: number; error?: Error }) => void): void {
    if (this.shutdownPromise) {
      this.core.delivery.drop("shutdown", spans.length);
      resultCallback({ code: FAILED, error: new Error("braintrust-otel-exporter: exporter is shut down") });
      return;
    }
    for (const span of spans) this.core.pipeline.push(span as unknown as SpanLike);
    this.core.delivery.flush().then(
      (result) => resultCallback(result.dropped > 0 || result.pending > 0 ? failed(result.dropped, result.pending) : { code: SUCCESS }),
      (err: unknown) => resultCallback({ code: FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
    );
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

  stats(): DeliveryStats {
    return this.core.delivery.stats();
  }
}

function failed(dropped: number, pending: number) {
  return { code: FAILED, error: new Error(`braintrust-otel-exporter: ${dropped} rows dropped, ${pending} not delivered in time`) };
}
