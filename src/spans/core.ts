// What the processor and the exporter both build from options: the config, the
// delivery and the span pipeline. A config that cannot work yields an inert core that
// says why once, rejects `ready()`, and counts every span it is handed as dropped.
//
// Apps often load dotenv after their instrumentation file has run. So when the key or the
// project is missing at construction (and `env` is not given), the environment is read again
// at first use: the first span end, export, flush, `ready()` or `stats()`. Until then the
// faces work from a provisional config: the options and what the environment said at
// construction, without a key. `process.env` itself is never written.
import { type BraintrustExporterOptions, type ExporterConfig, resolveConfig } from "../config/config.js";
import { currentDirectory, type Env, withEnvFile } from "../config/env.js";
import type { Parent } from "../config/parent.js";
import { Delivery, type DeliveryStats, type DropReason, type FlushResult } from "../delivery/delivery.js";
import { addSecret, configureLogLevel, log, redact, warnOnce } from "../log.js";
import type { ExitTarget } from "../lifecycle/exit.js";
import { RowPipeline } from "../rows/pipeline.js";
import { repairRow } from "../rows/repair.js";

/** What the faces, the row pipeline and the exit hooks use of a delivery. */
type DeliveryFace = Pick<Delivery,
  "attachments" | "enqueue" | "offer" | "room" | "drop" | "flush" | "flushWithin" | "shutdown" | "ready" | "stats" | "undelivered" | "queued" | "abandon" | "failure">;

export interface ExporterCore {
  /** The config in force: provisional until settled when the first reading lacked the key or the project. */
  readonly config: ExporterConfig | undefined;
  readonly delivery: Delivery;
  readonly pipeline: RowPipeline;
  /** Reads the environment again if construction lacked the key or the project; once. */
  settle(): void;
}

/** Stands in for the key while it is not known yet; never sent anywhere. */
const NO_KEY_YET = "(not known yet)";

export function createCore(options: BraintrustExporterOptions = {}): ExporterCore {
  configureLogLevel(options?.env ?? process.env);
  if (typeof options?.apiKey === "string") addSecret(options.apiKey.trim());
  const cwd = currentDirectory();
  const first = attempt(options, cwd);
  if (options.env !== undefined || !first.missing) return settled(built(first.result));
  // Options say nothing about `env`: wait for the first use, then read it again.
  const provisional = attempt({ ...options, apiKey: options.apiKey ?? NO_KEY_YET }, cwd).result;
  if (!provisional.ok) return settled(built(first.result));
  return new LateCore(options, cwd, provisional.config);
}

type Result = ReturnType<typeof resolveConfig>;

/** The config from options, the process environment and `.env.braintrust`; never throws. */
function attempt(options: BraintrustExporterOptions, cwd: string | undefined): { result: Result; missing: boolean } {
  try {
    const env: Env = options.env ?? withEnvFile(process.env, cwd);
    const result = resolveConfig({ ...options, env });
    const key = options.apiKey ?? env.BRAINTRUST_API_KEY;
    const missing = typeof key !== "string" || key.trim() === "" || (result.ok && result.config.defaultParent === true);
    return { result, missing };
  } catch (err) {
    return { result: { ok: false, error: `invalid options: ${String(err)}`, warnings: [] }, missing: false };
  }
}

interface Parts {
  readonly config: ExporterConfig | undefined;
  readonly delivery: Delivery;
}

/** Says what the config result needs saying (warnings, the default project, why nothing is sent). */
function built(result: Result): Parts {
  // Said even with no diag logger: each is a mistake in the setup that would otherwise go unseen.
  for (const warning of result.warnings) warnOnce(`config:${warning}`, warning, "warn");
  if (!result.ok) {
    warnOnce("config", `${result.error}. No spans will be sent.`);
    return { config: undefined, delivery: new InertDelivery(`braintrust-otel-exporter: ${redact(result.error)}`) as unknown as Delivery };
  }
  addSecret(result.config.apiKey);
  if (result.config.defaultParent) {
    log("info", "default-project", `no project is configured: rows go to project ${JSON.stringify(result.config.parent.value)}. Set \`projectName\` (BRAINTRUST_PROJECT), \`projectId\` (BRAINTRUST_PROJECT_ID) or \`parent\` (BRAINTRUST_PARENT) to choose one`);
  }
  return { config: result.config, delivery: new Delivery(result.config, { repairRow }) };
}

function settled(parts: Parts): ExporterCore {
  return { ...parts, pipeline: new RowPipeline(parts.config ?? INERT_CONFIG, parts.delivery), settle() {} };
}

/** A core whose key or project is decided at first use. */
class LateCore implements ExporterCore {
  private parts: Parts | undefined;
  readonly pipeline: RowPipeline;
  /** Forwards to the delivery decided at first use; every call settles first. */
  readonly delivery: Delivery;

  constructor(
    private readonly options: BraintrustExporterOptions,
    private readonly cwd: string | undefined,
    private readonly provisional: ExporterConfig,
  ) {
    this.delivery = new LateDelivery(() => this.settled().delivery) as unknown as Delivery;
    this.pipeline = new RowPipeline(provisional, this.delivery);
  }

  get config(): ExporterConfig | undefined {
    return this.parts ? this.parts.config : this.provisional;
  }

  settle(): void {
    this.settled();
  }

  private settled(): Parts {
    this.parts ??= built(attempt(this.options, this.cwd).result);
    return this.parts;
  }
}

/** A plain forwarder (not a Proxy): the row pipeline calls it once per row. */
class LateDelivery implements DeliveryFace {
  constructor(private readonly target: () => Delivery) {}
  get attachments(): Delivery["attachments"] {
    return this.target().attachments;
  }
  enqueue(parent: Parent, json: string): void {
    this.target().enqueue(parent, json);
  }
  offer(parent: Parent, json: string): boolean {
    return this.target().offer(parent, json);
  }
  room(...args: Parameters<Delivery["room"]>): ReturnType<Delivery["room"]> {
    return this.target().room(...args);
  }
  drop(reason: DropReason, count?: number): void {
    this.target().drop(reason, count);
  }
  flush(): Promise<FlushResult> {
    return this.target().flush();
  }
  flushWithin(ms: number): Promise<FlushResult> {
    return this.target().flushWithin(ms);
  }
  shutdown(): Promise<void> {
    return this.target().shutdown();
  }
  ready(): Promise<void> {
    return this.target().ready();
  }
  stats(): DeliveryStats {
    return this.target().stats();
  }
  undelivered(): number {
    return this.target().undelivered();
  }
  queued(): number {
    return this.target().queued();
  }
  abandon(): number {
    return this.target().abandon();
  }
  failure(): string | undefined {
    return this.target().failure();
  }
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
class InertDelivery implements DeliveryFace {
  readonly attachments = undefined;
  private readonly dropped: Record<DropReason, number> = {
    queueFull: 0, tooLarge: 0, rejected: 0, shutdown: 0, invalid: 0, unresolved: 0, timeout: 0,
  };
  private readonly rejection: Promise<void>;

  constructor(private readonly error: string) {
    this.rejection = Promise.reject(new Error(error));
    this.rejection.catch(() => {}); // rejected for whoever asks, never unhandled
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
  async flushWithin(_ms: number): Promise<FlushResult> {
    return this.flush();
  }
  ready(): Promise<void> {
    return this.rejection;
  }
  // Nothing is ever queued: every row was counted as dropped when it was handed over.
  undelivered(): number {
    return 0;
  }
  queued(): number {
    return 0;
  }
  abandon(): number {
    return 0;
  }
  failure(): string | undefined {
    return this.error;
  }
  stats(): DeliveryStats {
    return { queued: 0, queuedBytes: 0, sent: 0, retried: 0, dropped: { ...this.dropped }, lastError: this.error };
  }
}
