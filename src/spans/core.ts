// What the processor and the exporter both build from options: one settled config, and from
// it the span filter, the judge, the row pipeline and the delivery. A config that cannot
// work yields an inert delivery that says why once, rejects `ready()`, and counts every
// span it is handed as dropped.
//
// Apps often load dotenv after their instrumentation file has run. So when the key or the
// project is missing at construction (and `env` is not given), the environment is read again
// at first use: the first span end, export, flush, `ready()` or `stats()`. Every part is
// built then, from that one reading, so a setting read late applies everywhere it would have
// applied read early. Until then only span starts are noted, by a judge made from the
// options and what the environment said at construction. `process.env` itself is never written.
import { type BraintrustExporterOptions, type ExporterConfig, resolveConfig } from "../config/config.js";
import { currentDirectory, type Env, withEnvFile } from "../config/env.js";
import { Delivery } from "../delivery/delivery.js";
import { InertDelivery } from "../delivery/inert.js";
import type { DeliveryPort } from "../delivery/port.js";
import type { ExitTarget } from "../lifecycle/exit.js";
import { addSecret, configureLogLevel, log, warnOnce } from "../log.js";
import { RowPipeline } from "../rows/pipeline.js";
import { repairRow } from "../rows/repair.js";
import { createSpanFilter } from "./filter.js";
import { SpanJudge } from "./judge.js";
import type { TraceBook } from "./trace-book.js";

/** How a face's judge sees spans: the processor sees them start, the exporter only ended. */
export interface JudgeShape {
  readonly book: TraceBook;
  readonly seesStarts: boolean;
}

/** What one settled config builds. `config`, `judge` and `pipeline` are undefined when it cannot work. */
interface Parts {
  readonly config: ExporterConfig | undefined;
  readonly delivery: DeliveryPort;
  readonly pipeline: RowPipeline | undefined;
  readonly judge: SpanJudge | undefined;
}

/** Stands in for the key while it is not known yet; never sent anywhere. */
const NO_KEY_YET = "(not known yet)";

type Result = ReturnType<typeof resolveConfig>;

export class ExporterCore {
  private parts: Parts | undefined;
  /** Until settled: the config without the key, and the judge that notes span starts meanwhile. */
  private readonly early: { readonly config: ExporterConfig; readonly judge: SpanJudge } | undefined;
  /** Until settled, to read the environment again; a private field, so util.inspect never prints the key in it. */
  #options: BraintrustExporterOptions | undefined;
  readonly #cwd: string | undefined;

  constructor(
    options: BraintrustExporterOptions,
    private readonly shape: JudgeShape,
  ) {
    configureLogLevel(options?.env ?? process.env);
    if (typeof options?.apiKey === "string") addSecret(options.apiKey.trim());
    this.#cwd = currentDirectory();
    const first = attempt(options, this.#cwd);
    if (options.env !== undefined || !first.missing) {
      this.parts = this.build(first.result);
      return;
    }
    // Options say nothing about `env`: wait for the first use, then read it again.
    const provisional = attempt({ ...options, apiKey: options.apiKey ?? NO_KEY_YET }, this.#cwd).result;
    if (!provisional.ok) {
      this.parts = this.build(first.result);
      return;
    }
    this.#options = options;
    this.early = { config: provisional.config, judge: this.judgeFor(provisional.config, () => this.pipeline) };
  }

  /** The config in force: provisional (no key) until settled; undefined when it cannot work. */
  get config(): ExporterConfig | undefined {
    return this.parts ? this.parts.config : this.early?.config;
  }

  /** Whether the config is settled (a use has happened, or construction had all it needed). */
  get settled(): boolean {
    return this.parts !== undefined;
  }

  /** Each of these settles first. */
  get delivery(): DeliveryPort {
    return this.settle().delivery;
  }

  get pipeline(): RowPipeline | undefined {
    return this.settle().pipeline;
  }

  get judge(): SpanJudge | undefined {
    return this.settle().judge;
  }

  /** The judge that notes span starts, without settling: the settled one, or the provisional one until then. */
  get startJudge(): SpanJudge | undefined {
    return this.parts ? this.parts.judge : this.early?.judge;
  }

  /** The delivery if settled; before that nothing can have been queued. */
  get settledDelivery(): DeliveryPort | undefined {
    return this.parts?.delivery;
  }

  /** Reads the environment again if construction lacked the key or the project; once. */
  settle(): Parts {
    if (this.parts) return this.parts;
    const late = attempt(this.#options ?? {}, this.#cwd);
    if (late.env) configureLogLevel(late.env);
    this.parts = this.build(late.result);
    this.#options = undefined;
    return this.parts;
  }

  /** Says what the config result needs saying (warnings, the default project, why nothing is sent), and builds every part from it. */
  private build(result: Result): Parts {
    // Said even with no diag logger: each is a mistake in the setup that would otherwise go unseen.
    for (const warning of result.warnings) warnOnce(`config:${warning}`, warning, "warn");
    if (!result.ok) {
      warnOnce("config", `${result.error}. No spans will be sent.`);
      return { config: undefined, delivery: new InertDelivery(result.error), pipeline: undefined, judge: undefined };
    }
    const { config } = result;
    addSecret(config.apiKey);
    if (config.defaultParent) {
      log("info", "default-project", `no project is configured: rows go to project ${JSON.stringify(config.parent.value)}. Set \`projectName\` (BRAINTRUST_PROJECT), \`projectId\` (BRAINTRUST_PROJECT_ID) or \`parent\` (BRAINTRUST_PARENT) to choose one`);
    }
    const delivery = new Delivery(config, { repairRow });
    const pipeline = new RowPipeline(config, delivery);
    return { config, delivery, pipeline, judge: this.judgeFor(config, () => pipeline) };
  }

  private judgeFor(config: ExporterConfig, pipeline: () => RowPipeline | undefined): SpanJudge {
    return new SpanJudge(this.shape.book, {
      filter: createSpanFilter(config),
      fallback: () => config.parent,
      logSpanStart: this.shape.seesStarts && config.logSpanStart,
      seesStarts: this.shape.seesStarts,
      link: (order) => pipeline()?.pushLink(order),
    });
  }
}

/** The config from options, the process environment and `.env.braintrust`; never throws. */
function attempt(options: BraintrustExporterOptions, cwd: string | undefined): { result: Result; missing: boolean; env?: Env } {
  try {
    const env: Env = options.env ?? withEnvFile(process.env, cwd);
    const result = resolveConfig({ ...options, env });
    const key = options.apiKey ?? env.BRAINTRUST_API_KEY;
    const missing = typeof key !== "string" || key.trim() === "" || (result.ok && result.config.defaultParent === true);
    return { result, missing, env };
  } catch (err) {
    return { result: { ok: false, error: `invalid options: ${String(err)}`, warnings: [] }, missing: false };
  }
}

/**
 * What the exit hooks (lifecycle/exit.ts) need of a face: its delivery once settled (spans
 * wait only after that, and before it nothing is queued), plus spans not yet turned into rows.
 */
export function exitTarget(core: ExporterCore, flushOnExit: boolean, pending?: { readonly size: number; drain(): void }): ExitTarget {
  const waiting = () => pending?.size ?? 0;
  return {
    flushOnExit,
    undelivered: () => waiting() + (core.settledDelivery?.undelivered() ?? 0),
    queued: () => waiting() + (core.settledDelivery?.queued() ?? 0),
    flushWithin: (ms) => {
      pending?.drain();
      return core.settledDelivery?.flush(ms) ?? Promise.resolve({ sent: 0, dropped: 0, pending: 0 });
    },
    abandon: () => {
      pending?.drain();
      return core.settledDelivery?.abandon() ?? 0;
    },
    failure: () => core.settledDelivery?.stats().lastError,
  };
}
