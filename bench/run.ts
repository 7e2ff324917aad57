// `npm run bench [-- options]`: builds the processes, starts the sink, runs every contender
// in its own process for each run, and prints the figures. See bench/README.md.
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { type Lib, buildBench } from "./build.js";
import { summarizeProfile } from "./profile.js";
import {
  CONTENDERS,
  type ContenderName,
  type ContenderOptions,
  type ContenderResult,
  type Entry,
  entryKey,
  type QueueSettings,
  type SinkCounters,
  type SinkMessage,
  type SinkReply,
} from "./protocol.js";
import {
  type Sample,
  printBurstTable,
  printColdTable,
  printDeadTable,
  printDeliveryTable,
  printLiveTable,
  printSlowTable,
  printTurnsTable,
} from "./report.js";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    spans: { type: "string", default: "30000" },
    warmup: { type: "string", default: "30000" },
    "cold-spans": { type: "string", default: "1000" },
    "slow-runs": { type: "string", default: "3" },
    rate: { type: "string", default: "80000" },
    duration: { type: "string", default: "2000" },
    delay: { type: "string", default: "100" },
    "burst-spans": { type: "string", default: "100000" },
    "turn-spans": { type: "string", default: "999" },
    "turn-traces": { type: "string", default: "6000" },
    "no-cold": { type: "boolean", default: false },
    "no-slow": { type: "boolean", default: false },
    "no-slow-delivery": { type: "boolean", default: false },
    "delivery-config": { type: "string" },
    "no-burst": { type: "boolean", default: false },
    "no-turns": { type: "boolean", default: false },
    "dead-spans": { type: "string", default: "200000" },
    "queue-mib": { type: "string", default: "64" },
    only: { type: "string" },
    lib: { type: "string", default: "src" },
    "no-dead": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    "profile-of": { type: "string", default: "processor" },
    help: { type: "boolean", default: false },
  },
});

if (args.help) {
  console.log(`npm run bench -- [--runs 5] [--spans 30000] [--warmup 30000] [--dead-spans 200000] [--queue-mib 64]
                   [--only otlp,processor,...] [--no-dead] [--profile [--profile-of processor|exporter]]
                   [--lib src|git:REF|dist|path.mjs[,...]]
                   [--cold-spans 1000] [--no-cold]
                   [--slow-runs 3] [--rate 80000] [--duration 2000] [--delay 100] [--no-slow] [--no-slow-delivery] [--delivery-config '{"maxConcurrentRequests":24}']
                   [--burst-spans 100000] [--no-burst] [--turn-spans 999] [--turn-traces 6000] [--no-turns]
contenders: ${CONTENDERS.join(", ")} (baseline is always run: it is subtracted)`);
  process.exit(0);
}

const runs = positive("runs");
const spans = positive("spans");
const warmupSpans = Number(args.warmup);
if (!(warmupSpans >= 15_000)) console.log(`note: --warmup ${args.warmup} is below 15000 spans: the warm figures are not warm`);
const queue: QueueSettings = {
  maxQueueSize: 100_000,
  maxQueueBytes: positive("queue-mib") * 1024 * 1024,
  maxExportBatchSize: 512,
  scheduledDelayMillis: 1000,
  exportTimeoutMillis: 30_000,
};
const selected = selectContenders(args.only);
const CHILD_TIMEOUT_MS = 180_000;

type NumericArg = "runs" | "spans" | "dead-spans" | "queue-mib" | "cold-spans" | "slow-runs" | "rate" | "duration" | "delay" | "burst-spans" | "turn-spans" | "turn-traces";

function positive(name: NumericArg): number {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${args[name]}`);
  return Math.floor(n);
}

function selectContenders(only: string | undefined): ContenderName[] {
  if (!only) return [...CONTENDERS];
  const names = only.split(",").map((s) => s.trim());
  for (const n of names) if (!(CONTENDERS as readonly string[]).includes(n)) throw new Error(`unknown contender ${n}`);
  return CONTENDERS.filter((c) => c === "baseline" || names.includes(c));
}

class Sink {
  private pending: ((reply: SinkReply) => void) | undefined;
  private constructor(private readonly child: ChildProcess, readonly live: string, readonly dead: string) {
    child.on("message", (reply: SinkReply) => this.pending?.(reply));
  }

  static start(path: string): Promise<Sink> {
    const child = fork(path, [], { execArgv: [], stdio: "inherit" });
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("message", (reply: SinkReply) => {
        if (reply.type === "ready") resolve(new Sink(child, reply.live, reply.dead));
      });
    });
  }

  reset(): void {
    this.child.send({ type: "reset" } satisfies SinkMessage);
  }

  stats(): Promise<SinkCounters> {
    return new Promise((resolve) => {
      this.pending = (reply) => {
        if (reply.type === "stats") resolve(reply.counters);
      };
      this.child.send({ type: "stats" } satisfies SinkMessage);
    });
  }

  stop(): void {
    this.child.disconnect();
  }
}

function runContender(path: string, options: ContenderOptions, extraArgv: string[] = []): Promise<ContenderResult> {
  // Bare node: the orchestrator's own loader flags (tsx) must not reach the contender.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = fork(path, [JSON.stringify(options)], { execArgv: ["--expose-gc", ...extraArgv], env, stdio: "inherit" });
  return new Promise((resolve) => {
    let result: ContenderResult | undefined;
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.on("message", (message: ContenderResult) => (result = message));
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(result ?? ({ contender: options.contender, error: `exited with ${signal ?? code} and no result` } as ContenderResult));
    });
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const built = await buildBench(args.lib!.split(",").map((s) => s.trim()));
  for (const error of built.errors) console.log(`note: ${error}`);
  const many = built.libs.length > 1;
  const entries = selected.flatMap((contender): (Entry & { lib?: Lib })[] =>
    contender === "processor" || contender === "exporter" || contender === "gzip"
      ? built.libs.map((lib) => ({ contender, lib, variant: many ? lib.name : undefined }))
      : [{ contender }],
  );
  const sink = await Sink.start(built.sink);
  const optionsFor = (e: { contender: ContenderName; lib?: Lib; variant?: string }) => ({
    contender: e.contender,
    variant: e.variant,
    libUrl: e.lib?.url ?? "",
    internalsUrl: e.lib?.internals,
    warmupSpans,
    queue,
  });

  console.log(
    `braintrust-otel-exporter bench: ${spans} spans x ${runs} runs, contenders ${entries.map(entryKey).join(", ")}; ` +
      `node ${process.version}`,
  );
  /** Runs every entry `rounds` times, rotating the order each round (drift on a shared machine hits all alike). */
  const rounds = async (what: string, list: typeof entries, count: number, extra: Partial<ContenderOptions> & { mode: ContenderOptions["mode"] }) => {
    const out: Sample[] = [];
    for (let run = 0; run < count; run++) {
      const order = list.map((_, i) => list[(i + run) % list.length]!);
      for (const entry of order) {
        sink.reset();
        const result = await runContender(built.contender, { ...optionsFor(entry), spans, sink: sink.live, ...extra });
        const counters = await sink.stats();
        if (result.error) console.log(`  ${entryKey(entry)}: ${result.error}`);
        if (counters.unknownPaths.length) console.log(`  ${entryKey(entry)}: sink saw unknown paths ${counters.unknownPaths.join(", ")}`);
        out.push({ result, counters, emitted: result.spans + result.warmupSpans });
      }
      process.stdout.write(`  ${what} ${run + 1}/${count} done (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    }
    return out;
  };
  // The gzip variant is a wire/CPU trade-off, measured warm; the other scenarios run without it.
  const sdk = entries.filter((e) => !e.contender.startsWith("floor") && e.contender !== "gzip");
  const ours = (e: Entry) => e.contender === "processor" || e.contender === "exporter";

  printLiveTable(await rounds("warm run", entries, runs, { mode: "live" }), entries);

  if (!args["no-cold"]) {
    const coldSpans = positive("cold-spans");
    printColdTable(await rounds("cold run", sdk, runs, { mode: "cold", spans: coldSpans }), sdk, coldSpans);
  }
  const slowOptions = { delayMs: positive("delay"), rate: positive("rate"), durationMs: positive("duration") };
  if (!args["no-slow"]) {
    const list = sdk.filter((e) => e.contender !== "baseline");
    printSlowTable(await rounds("slow-API run", list, positive("slow-runs"), { mode: "slow", ...slowOptions }), list, slowOptions);
  }
  if (!args["no-slow-delivery"]) {
    // The same slow API, with the rows (spans, for OTLP) made beforehand: the delivery's throughput without the SDK's CPU.
    const list = entries.filter((e) => e.contender === "processor" || e.contender === "otlp");
    const deliveryConfig = args["delivery-config"] ? (JSON.parse(args["delivery-config"]) as Record<string, unknown>) : undefined;
    const samples = await rounds("slow-API delivery-only run", list, positive("slow-runs"), { mode: "delivery", ...slowOptions, ...(deliveryConfig ? { deliveryConfig } : {}) });
    printDeliveryTable(samples, list, { ...slowOptions, deliveryConfig });
  }
  if (!args["no-burst"]) {
    const list = sdk.filter((e) => e.contender === "otlp" || e.contender === "exporter");
    const burstSpans = positive("burst-spans");
    printBurstTable(await rounds("burst run", list, positive("slow-runs"), { mode: "burst", spans: burstSpans, delayMs: slowOptions.delayMs }), list, slowOptions.delayMs);
  }
  if (!args["no-turns"]) {
    const list = sdk.filter((e) => e.contender === "baseline" || ours(e));
    const perTurn = positive("turn-spans");
    printTurnsTable(await rounds("turns run", list, positive("slow-runs"), { mode: "turns", spans: positive("turn-traces") * 3, perTurn }), list, perTurn);
  }

  if (!args["no-dead"]) {
    const deadSpans = positive("dead-spans");
    const dead: ContenderResult[] = [];
    // Under a dead sink nothing is delivered: exports time out quickly so the run ends.
    const deadQueue = { ...queue, exportTimeoutMillis: 5_000 };
    for (const entry of sdk) {
      sink.reset();
      dead.push(await runContender(built.contender, { ...optionsFor(entry), queue: deadQueue, spans: deadSpans, sink: sink.dead, mode: "dead" }));
    }
    printDeadTable(dead, queue.maxQueueBytes);
  }

  if (args.profile) {
    const lib = built.libs[0];
    if (!lib) console.log("profile skipped: our library does not build");
    else await profile(built.contender, { ...optionsFor({ contender: args["profile-of"] === "exporter" ? "exporter" : "processor", lib }), spans, sink: sink.live, mode: "live" });
  }
  sink.stop();
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function profile(contenderPath: string, options: ContenderOptions): Promise<void> {
  const dir = fileURLToPath(new URL("./profiles", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const name = `${options.contender}-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`;
  const before = new Set(readdirSync(dir));
  const result = await runContender(contenderPath, options, ["--cpu-prof", "--cpu-prof-interval=100", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`]);
  if (result.error) console.log(`profile run failed: ${result.error}`);
  const written = readdirSync(dir).filter((f) => !before.has(f));
  for (const f of written) if (f !== name) rmSync(`${dir}/${f}`);
  const path = `${dir}/${name}`;
  const what = options.contender === "exporter" ? "BatchSpanProcessor + BraintrustExporter" : "BraintrustSpanProcessor";
  console.log(`\nCPU profile of ${what} (${options.spans} spans): ${path}`);
  console.log(summarizeProfile(path, 20, basename(fileURLToPath(options.libUrl)), result.window));
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
