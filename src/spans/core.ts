// What the processor and the exporter both build from options: the config, the
// delivery and the span pipeline. A config that cannot work yields an inert core that
// says why once, rejects `ready()`, and counts every span it is handed as dropped.
import { type BraintrustExporterOptions, type ExporterConfig, resolveConfig } from "../config/config.js";
import { Delivery, type DeliveryStats, type DropReason, type FlushResult } from "../delivery/delivery.js";
import { addSecret, configureLogLevel, log, redact, warnOnce } from "../log.js";
import type { Parent } from "../config/parent.js";
import type { ExitTarget } from "../lifecycle/exit.js";
import { RowPipeline } from "../rows/pipeline.js";

export interface ExporterCore {
  readonly config: ExporterConfig | undefined;
  readonly delivery: Delivery;
  readonly pipeline: RowPipeline;
}

export function createCore(options: BraintrustExporterOptions | undefined): ExporterCore {
  let result;
  try {
    configureLogLevel(options?.env ?? process.env);
    if (typeof options?.apiKey === "string") addSecret(options.apiKey.trim());
    result = resolveConfig(options ?? {});
  } catch (err) {
    result = { ok: false as const, error: `invalid options: ${String(err)}`, warnings: [] };
  }
  for (const warning of result.warnings) log("warn", `config:${warning}`, warning);
  if (!result.ok) {
    warnOnce("config", `${result.error}. No spans will be sent.`);
    const delivery = new InertDelivery(`braintrust-otel-exporter: ${redact(result.error)}`) as unknown as Delivery;
    return { config: undefined, delivery, pipeline: new RowPipeline(INERT_CONFIG, delivery) };
  }
  addSecret(result.config.apiKey);
  const delivery = new Delivery(result.config);
  return { config: result.config, delivery, pipeline: new RowPipeline(result.config, delivery) };
}

/** What the exit hooks (lifecycle/exit.ts) need of a face: its delivery, plus spans not yet turned into rows. */
export function exitTarget(delivery: Delivery, flushOnExit: boolean, pending?: { readonly size: number; drain(): void }): ExitTarget {
  const waiting = () => pending?.size ?? 0;
  return {
    flushOnExit,
    undelivered: () => waiting() + delivery.undelivered(),
    queued: () => waiting() + delivery.queued(),
    flushWithin: (ms) => {
      pending?.drain();
      return delivery.flushWithin(ms);
    },
    abandon: () => {
      pending?.drain();
      return delivery.abandon();
    },
    failure: () => delivery.failure(),
  };
}

// Only its `parent` is read, and only to hand to InertDelivery.enqueue, which ignores it.
const INERT_CONFIG = { parent: { kind: "project_name", value: "", key: "project_name:" } as Parent } as ExporterConfig;

class InertDelivery {
  private readonly dropped: Record<DropReason, number> = {
    queueFull: 0, tooLarge: 0, rejected: 0, shutdown: 0, invalid: 0, unresolved: 0, timeout: 0,
  };
  private readonly failure: Promise<void>;

  constructor(private readonly error: string) {
    this.failure = Promise.reject(new Error(error));
    this.failure.catch(() => {}); // rejected for whoever asks, never unhandled
  }
  enqueue(_parent: Parent, _json: string): void {
    this.dropped.unresolved++;
  }
  offer(_parent: Parent, _json: string): boolean {
    this.dropped.unresolved++;
    return true;
  }
  async room(): Promise<boolean> {
    return false;
  }
  drop(reason: DropReason, count = 1): void {
    this.dropped[reason] += count;
  }
  async flush(): Promise<FlushResult> {
    return { sent: 0, dropped: 0, pending: 0 };
  }
  async shutdown(): Promise<void> {}
  ready(): Promise<void> {
    return this.failure;
  }
  stats(): DeliveryStats {
    return { queued: 0, queuedBytes: 0, sent: 0, retried: 0, dropped: { ...this.dropped }, lastError: this.error };
  }
}
