// Turns raw per-run results into the tables bench/README.md shows (Markdown, so a run's
// output can be pasted as is).
import { median } from "./measure.js";
import { type ContenderName, type ContenderResult, type Entry, type SinkCounters, entryKey } from "./protocol.js";

export interface Sample {
  result: ContenderResult;
  counters: SinkCounters;
  /** Spans the contender emitted in total (warm-up included): what the sink should have seen. */
  emitted: number;
}

const LABELS: Record<ContenderName, string> = {
  baseline: "OTel SDK + no-op processor (baseline)",
  otlp: "BatchSpanProcessor + OTLPTraceExporter (JSON)",
  processor: "BraintrustSpanProcessor",
  exporter: "BatchSpanProcessor + BraintrustExporter",
  floor: "floor: JSON.parse + one JSON.stringify per row",
  "floor-splice": "splice floor: JSON.parse to validate, JSON attributes written verbatim",
};

const label = (e: Entry) => (e.variant === undefined ? LABELS[e.contender] : `${LABELS[e.contender]} [${e.variant}]`);

interface Row extends Entry {
  processCpu: number;
  exporterCpu: number;
  wall: number;
  wire: number;
  delivered: number;
  peakRss: number;
  llm: [number, number];
  root: [number, number];
  tool: [number, number];
  failures: number;
}

const MiB = 1024 * 1024;
const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const pair = ([a, b]: [number, number]) => `${f(a, 1)} / ${f(b, 1)}`;
const ratio = (n: number) => (Number.isFinite(n) && n > 0 ? `${n.toFixed(2)}x` : "–");

function aggregate(samples: Sample[], entry: Entry, baselineCpu: number): Row {
  const { contender } = entry;
  const mine = samples.filter((s) => entryKey(s.result) === entryKey(entry));
  const ok = mine.filter((s) => !s.result.error);
  const failures = mine.length - ok.length;
  const m = (pick: (s: Sample) => number) => median(ok.map(pick));
  const processCpu = m((s) => s.result.cpuMicros / s.result.spans);
  const sdk = !contender.startsWith("floor");
  return {
    ...entry,
    processCpu,
    exporterCpu: contender === "baseline" ? 0 : sdk ? processCpu - baselineCpu : processCpu,
    wall: m((s) => s.result.wallMillis),
    wire: sdk ? m((s) => (s.counters.headerBytes + s.counters.bodyBytes) / s.emitted) : m((s) => s.result.rowBytes ?? Number.NaN),
    delivered: sdk ? m((s) => s.counters.rows / s.emitted) : 1,
    peakRss: m((s) => s.result.peakRssBytes / MiB),
    llm: [m((s) => s.result.onEnd.llm.p50), m((s) => s.result.onEnd.llm.p99)],
    root: [m((s) => s.result.onEnd.root.p50), m((s) => s.result.onEnd.root.p99)],
    tool: [m((s) => s.result.onEnd.tool.p50), m((s) => s.result.onEnd.tool.p99)],
    failures,
  };
}

export function printLiveTable(samples: Sample[], entries: Entry[]): void {
  const baseline = aggregate(samples, { contender: "baseline" }, 0);
  const rows = entries.map((e) => aggregate(samples, e, baseline.processCpu));
  const by = (c: ContenderName) => rows.find((r) => r.contender === c);
  const otlp = by("otlp");
  const floor = by("floor");
  const runs = samples.filter((s) => s.result.contender === "baseline").length;

  console.log(`\nMedian of ${runs} runs. Exporter CPU = process CPU per span minus the baseline's ` +
    `(${f(baseline.processCpu, 2)} µs/span for the SDK alone); the floor has no SDK, so its CPU is its own.`);
  console.log("onEnd latency is timed inside the process around processor.onEnd; the floor's is its row build + stringify.\n");
  console.log("| contender | exporter CPU µs/span | vs OTLP | vs floor | wall ms | wire B/span | delivered | peak RSS MiB | onEnd µs p50 / p99: LLM | root | tool |");
  console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const r of rows) {
    const cpu = r.contender === "baseline" ? `(${f(r.processCpu, 2)} SDK)` : f(r.exporterCpu, 2);
    const vsOtlp = r.contender === "baseline" || !otlp ? "–" : ratio(r.exporterCpu / otlp.exporterCpu);
    const vsFloor = r.contender === "baseline" || !floor ? "–" : ratio(r.exporterCpu / floor.exporterCpu);
    const wire = r.contender.startsWith("floor") ? `${f(r.wire, 0)} (row)` : r.contender === "baseline" ? "–" : f(r.wire, 0);
    const delivered = r.contender === "baseline" ? "–" : `${f(r.delivered * 100, 1)}%`;
    const failed = r.failures ? ` (${r.failures} failed)` : "";
    console.log(
      `| ${label(r)}${failed} | ${cpu} | ${vsOtlp} | ${vsFloor} | ${f(r.wall, 0)} | ${wire} | ` +
        `${delivered} | ${f(r.peakRss, 0)} | ${pair(r.llm)} | ${pair(r.root)} | ${pair(r.tool)} |`,
    );
  }
  for (const r of rows) {
    if ((r.contender === "processor" || r.contender === "exporter") && otlp && floor) printTargets(r, otlp, floor);
  }
}

function printTargets(r: Row, otlp: Row, floor: Row): void {
  const check = (ok: boolean) => (ok ? "met" : "NOT met");
  const vsFloor = r.exporterCpu / floor.exporterCpu;
  const cheaper = otlp.exporterCpu / r.exporterCpu;
  const bytes = r.wire / floor.wire - 1;
  console.log(`\ntargets, ${label(r)}:`);
  console.log(`  CPU/span <= 1.2x floor ............ ${ratio(vsFloor)} ${check(vsFloor <= 1.2)}`);
  console.log(`  >= 1.8x cheaper than BSP+OTLP ..... ${ratio(cheaper)} ${check(cheaper >= 1.8)}`);
  console.log(`  wire bytes within 5% of floor row . ${bytes >= 0 ? "+" : ""}${f(bytes * 100, 1)}% ${check(Math.abs(bytes) <= 0.05)}`);
  console.log(`  LLM onEnd p99 <= 20 µs ............ ${f(r.llm[1], 1)} µs ${check(r.llm[1] <= 20)}`);
  if (r.delivered < 0.999) console.log(`  warning: only ${f(r.delivered * 100, 1)}% of rows reached the sink`);
}

export function printDeadTable(results: ContenderResult[], budgetBytes: number): void {
  const growth = (r: ContenderResult) => r.peakRssBytes - r.rssBeforeBytes;
  const young = (r: ContenderResult) => r.youngAfterBytes - r.youngBeforeBytes;
  const baseline = results.find((r) => r.contender === "baseline" && !r.error);
  const spans = results[0]?.spans ?? 0;
  console.log(`\nDead sink (never answers): ${spans} spans, queue budget maxQueueBytes = ${f(budgetBytes / MiB, 0)} MiB ` +
    `(BatchSpanProcessor is bounded by count only: maxQueueSize = 100000 spans).`);
  console.log("Growth = peak RSS minus RSS after warm-up; net = growth minus the baseline's growth (the SDK's own garbage).");
  console.log("Young gen: V8's young generation before -> after (it doubles once enough bytes have survived scavenges over the");
  console.log("process's life, whatever holds them); net without it = net minus the difference of that growth from the baseline's.\n");
  console.log("| contender | RSS before MiB | peak MiB | growth MiB | net MiB | net / budget | young gen MiB | net without young-gen growth | after GC: RSS / heap used / external MiB | queued rows | queued MiB | dropped |");
  console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const r of results) {
    if (r.error) {
      console.log(`| ${label(r)} | failed: ${r.error.split("\n")[0]} ||||||||||`);
      continue;
    }
    const isBaseline = r.contender === "baseline";
    const net = baseline ? growth(r) - growth(baseline) : Number.NaN;
    const netYoung = baseline ? net - (young(r) - young(baseline)) : Number.NaN;
    const stats = r.stats as { queued?: number; queuedBytes?: number; dropped?: Record<string, number> } | undefined;
    const dropped = stats?.dropped ? Object.entries(stats.dropped).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ") || "0" : "–";
    console.log(
      `| ${label(r)} | ${f(r.rssBeforeBytes / MiB, 0)} | ${f(r.peakRssBytes / MiB, 0)} | ${f(growth(r) / MiB, 1)} | ` +
        `${isBaseline ? "–" : f(net / MiB, 1)} | ${isBaseline ? "–" : ratio(net / budgetBytes)} | ` +
        `${f(r.youngBeforeBytes / MiB, 0)} -> ${f(r.youngAfterBytes / MiB, 0)} | ${isBaseline ? "–" : `${f(netYoung / MiB, 1)} (${ratio(netYoung / budgetBytes)})`} | ` +
        `${f(r.rssAfterGcBytes / MiB, 0)} / ${f(r.heapUsedAfterGcBytes / MiB, 0)} / ${f(r.externalAfterGcBytes / MiB, 0)} | ${stats?.queued ?? "–"} | ${stats?.queuedBytes === undefined ? "–" : f(stats.queuedBytes / MiB, 1)} | ${dropped} |`,
    );
  }
}
