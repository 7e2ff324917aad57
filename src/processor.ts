// The OTel SpanProcessor face: converts each span as it ends and hands the row to delivery.
import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { BraintrustExporterOptions } from "./config.js";
import type { SpanLike } from "./convert/types.js";
import { parentSpanIdOf } from "./convert/span.js";
import { createCore, type ExporterCore } from "./core.js";
import type { DeliveryStats, FlushResult } from "./delivery/delivery.js";
import { log } from "./log.js";

export class BraintrustSpanProcessor implements SpanProcessor {
  private readonly core: ExporterCore;
  private readonly onBeforeExit: (() => void) | undefined;
  private shutdownPromise: Promise<void> | undefined;

  constructor(options?: BraintrustExporterOptions) {
    this.core = createCore(options);
    if (this.core.config?.flushOnExit) {
      this.onBeforeExit = () => {
        // beforeExit fires again after our flush drains; only flush while there is work.
        if (this.core.delivery.stats().queued > 0) void this.core.delivery.flush();
      };
      process.on("beforeExit", this.onBeforeExit);
    }
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.shutdownPromise) {
      this.core.delivery.drop("shutdown");
      return;
    }
    const like = span as unknown as SpanLike;
    this.core.pipeline.push(like);
    if (this.core.config?.flushOnRootEnd && safeIsRoot(like)) void this.core.delivery.flush();
  }

  /** Resolves (never rejects) once everything queued before the call is delivered or has failed. */
  async forceFlush(): Promise<void> {
    await this.core.delivery.flush();
  }

  /** Like forceFlush, with what the flush achieved. */
  flush(): Promise<FlushResult> {
    return this.core.delivery.flush();
  }

  shutdown(): Promise<void> {
    if (!this.shutdownPromise) {
      if (this.onBeforeExit) process.off("beforeExit", this.onBeforeExit);
      this.shutdownPromise = this.core.delivery.shutdown();
    }
    return this.shutdownPromise;
  }

  /** Resolves once the destination project is known; rejects with a clear reason (bad key, no project, …). */
  ready(): Promise<void> {
    return this.core.delivery.ready();
  }

  stats(): DeliveryStats {
    return this.core.delivery.stats();
  }
}

function safeIsRoot(span: SpanLike): boolean {
  try {
    return parentSpanIdOf(span) === undefined;
  } catch (err) {
    log("debug", "root-check", String(err));
    return false;
  }
}
