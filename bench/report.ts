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
  gzip: "BraintrustSpanProcessor, compression: \"gzip\"",
  floor: "floor: JSON.parse + one JSON.stringify per row",
  "floor-splice": "splice floor: JSON attributes checked by a structural scan, written verbatim",
};

const label = (e: Entry) => (e.variant === undefined ? LABELS[e.contender] : `${LABELS[e.contender]} [${e.variant}]`);

interface Row extends Entry {
  processCpu: number;
  exporterCpu: number;
  /** Lowest and highest exporter CPU of the runs (each run's process CPU minus the baseline's median). */
  spread: [number, number];
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
  const minus = contender === "baseline" ? Number.NaN : sdk ? baselineCpu : 0;
  const perRun = ok.map((s) => s.result.cpuMicros / s.result.spans - minus);
  return {
    ...entry,
    processCpu,
    exporterCpu: contender === "baseline" ? 0 : sdk ? processCpu - baselineCpu : processCpu,
    spread: [Math.min(...perRun), Math.max(...perRun)],
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

  console.log(`\nWarm: ${samples[0]?.result.warmupSpans ?? 0} spans of warm-up (flushed, not counted) before the measured window.`);
  console.log(`Median of ${runs} runs [lowest – highest run]. Exporter CPU = process CPU per span minus the baseline's ` +
    `(${f(baseline.processCpu, 2)} µs/span for the SDK alone); the floor has no SDK, so its CPU is its own.`);
  console.log("onEnd latency is timed inside the process around processor.onEnd; the floor's is its row build + stringify.\n");
  console.log("| contender | exporter CPU µs/span | vs OTLP | vs floor | wall ms | wire B/span | delivered | peak RSS MiB | onEnd µs p50 / p99: LLM | root | tool |");
  console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const r of rows) {
    const cpu = r.contender === "baseline" ? `(${f(r.processCpu, 2)} SDK)` : `${f(r.exporterCpu, 2)} [${f(r.spread[0], 2)} – ${f(r.spread[1], 2)}]`;
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
  const want = r.contender === "processor" ? 1.5 : 1.2;
  console.log(`  >= ${want}x cheaper than BSP+OTLP ..... ${ratio(cheaper)} ${check(cheaper >= want)}`);
  console.log(`  wire bytes within 5% of floor row . ${bytes >= 0 ? "+" : ""}${f(bytes * 100, 1)}% ${check(Math.abs(bytes) <= 0.05)}`);
  const p99 = Math.max(r.llm[1], r.root[1], r.tool[1]);
  console.log(`  onEnd p99 <= 1 µs (every kind) .... ${f(p99, 2)} µs ${check(p99 <= 1)}`);
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

const us = (n: number) => f(n / 1000, 1);

/** Cold: fresh processes, import included; the baseline's figures are subtracted. */
export function printColdTable(samples: Sample[], entries: Entry[], coldSpans: number): void {
  const pick = (e: Entry) => samples.filter((s) => entryKey(s.result) === entryKey(e) && !s.result.error && s.result.cold);
  const base = pick({ contender: "baseline" });
  const baseSetup = median(base.map((s) => s.result.cold!.setupMicros));
  const baseSpans = median(base.map((s) => s.result.cold!.spansMicros));
  const runs = base.length;
  console.log(`\nCold: a fresh process per run; the first ${coldSpans} spans, flushed. Median of ${runs} runs [lowest – highest].`);
  console.log("Set-up = process CPU from its start (Node's own start-up, the same for all) to a ready tracer provider: imports included.");
  console.log("Minus the baseline's (OTel SDK + no-op processor) figures, so each is what the exporter adds.\n");
  console.log("| contender | set-up + import ms | first spans ms | total ms | µs/span of the first spans | vs OTLP (total) |");
  console.log("|---|--:|--:|--:|--:|--:|");
  const totals = new Map<string, number>();
  for (const e of entries) {
    const mine = pick(e);
    const setup = mine.map((s) => s.result.cold!.setupMicros - (e.contender === "baseline" ? 0 : baseSetup));
    const first = mine.map((s) => s.result.cold!.spansMicros - (e.contender === "baseline" ? 0 : baseSpans));
    const total = mine.map((_, i) => setup[i]! + first[i]!);
    totals.set(e.contender + (e.variant ?? ""), median(total));
    const ms = (xs: number[]) => `${us(median(xs))} [${us(Math.min(...xs))} – ${us(Math.max(...xs))}]`;
    const otlp = totals.get("otlp");
    console.log(
      `| ${label(e)}${e.contender === "baseline" ? " (absolute)" : ""} | ${ms(setup)} | ${ms(first)} | ${ms(total)} | ` +
        `${f(median(first) / coldSpans, 1)} | ${e.contender === "baseline" || e.contender === "otlp" || otlp === undefined ? "–" : ratio(median(total) / otlp)} |`,
    );
  }
}

/** `median [lowest – highest]`, with `d` decimals. */
function range(xs: number[], d = 0): string {
  return `${f(median(xs), d)} [${f(Math.min(...xs), d)} – ${f(Math.max(...xs), d)}]`;
}

/** Against an API that answers after `delayMs`: rows delivered per second, and drops. */
export function printSlowTable(samples: Sample[], entries: Entry[], o: { delayMs: number; rate: number; durationMs: number }): void {
  console.log(`\nSlow API: every insert (and OTLP export) is answered after ${o.delayMs} ms; spans offered at ${o.rate} spans/s for ${o.durationMs} ms`);
  console.log("after the warm-up, then one forceFlush. Delivered/s = rows the sink received in the window / (offering + flush) seconds.");
  console.log("Dropped = offered - received. Median of the runs [lowest – highest].\n");
  console.log("| contender | offered spans/s | delivered rows/s | dropped | window s | drop reasons |");
  console.log("|---|--:|--:|--:|--:|---|");
  for (const e of entries) {
    const mine = samples.filter((s) => entryKey(s.result) === entryKey(e) && !s.result.error && s.result.offer);
    const offered = mine.map((s) => s.result.spans / (s.result.offer!.offeredMillis / 1000));
    const delivered = mine.map((s) => (s.counters.rows - s.result.warmupSpans) / (s.result.offer!.windowMillis / 1000));
    const dropped = mine.map((s) => s.result.spans - (s.counters.rows - s.result.warmupSpans));
    const windows = mine.map((s) => s.result.offer!.windowMillis / 1000);
    console.log(`| ${label(e)} | ${range(offered)} | ${range(delivered)} | ${range(dropped)} | ${f(median(windows), 2)} | ${dropReasons(mine)} |`);
  }
}

/** The slow API with the work made beforehand: rows straight into our delivery, finished spans straight into BSP. */
export function printDeliveryTable(
  samples: Sample[],
  entries: Entry[],
  o: { delayMs: number; rate: number; durationMs: number; deliveryConfig?: Record<string, unknown> },
): void {
  const config = o.deliveryConfig ? `defaults + ${JSON.stringify(o.deliveryConfig)}` : "defaults";
  console.log(`\nSlow API, the delivery alone: every insert (and OTLP export) is answered after ${o.delayMs} ms; ${o.rate} items/s offered for`);
  console.log(`${o.durationMs} ms with no SDK in the process: ours gets the workload's rows (made beforehand by its row pipeline) into a fresh`);
  console.log("Delivery with the default config; BSP + OTLP gets the finished spans into BatchSpanProcessor.onEnd (the bench's queue settings:");
  console.log("maxQueueSize 100000, batches of 512, scheduledDelayMillis 1000). Then one flush.");
  console.log("Delivered/s = rows the sink received in the window / (offering + flush) s; while offered = rows received before the flush /");
  console.log("offering s. In flight = most requests the sink answered at once, reached after `ramp` ms. Peak budget = most of maxQueueBytes in");
  console.log("use (queue + bodies in flight). CPU = the process's CPU in the window per row delivered; sink CPU = the sink's over the whole run");
  console.log("(warm-up included), to show it is not the bottleneck. Median of the runs [lowest – highest].\n");
  console.log("| contender | offered rows/s | delivered rows/s | while offered | dropped | window s | in flight (ramp ms) | peak budget MiB | CPU µs/delivered row | sink CPU s | drop reasons | warnings |");
  console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|");
  for (const e of entries) {
    const mine = samples.filter((s) => entryKey(s.result) === entryKey(e) && !s.result.error && s.result.offer);
    const delivered = (s: Sample) => s.counters.rows - s.result.warmupSpans;
    const warnings = [...new Set(mine.flatMap((s) => s.result.warnings ?? []))];
    const name = e.contender === "otlp" ? "BatchSpanProcessor + OTLPTraceExporter, spans straight to onEnd" : `Delivery, rows straight in, ${config}${e.variant ? ` [${e.variant}]` : ""}`;
    console.log(
      `| ${name} | ${range(mine.map((s) => s.result.spans / (s.result.offer!.offeredMillis / 1000)))} | ` +
        `${range(mine.map((s) => delivered(s) / (s.result.offer!.windowMillis / 1000)))} | ` +
        `${f(median(mine.map((s) => (s.result.offer!.rowsWhileOffered ?? Number.NaN) / (s.result.offer!.offeredMillis / 1000))), 0)} | ${range(mine.map((s) => s.result.spans - delivered(s)))} | ` +
        `${f(median(mine.map((s) => s.result.offer!.windowMillis / 1000)), 2)} | ` +
        `${f(median(mine.map((s) => s.counters.peakInFlight)), 0)} (${f(median(mine.map((s) => s.counters.rampMillis)), 0)}) | ` +
        `${f(median(mine.map((s) => (s.result.offer!.peakBudgetBytes ?? Number.NaN) / MiB)), 1)} | ` +
        `${f(median(mine.map((s) => s.result.cpuMicros / delivered(s))), 2)} | ${f(median(mine.map((s) => (s.counters.cpuMs ?? Number.NaN) / 1000)), 2)} | ${dropReasons(mine)} | ${warnings.join("; ") || "none"} |`,
    );
  }
}

/** A burst of spans against the slow API, then forceFlush: every row must arrive. */
export function printBurstTable(samples: Sample[], entries: Entry[], delayMs: number): void {
  const spans = samples.find((s) => !s.result.error)?.result.spans ?? 0;
  console.log(`\nBurst: ${spans} spans ended as fast as the SDK makes them (BatchSpanProcessor maxQueueSize 100000), against the`);
  console.log(`API answering after ${delayMs} ms, then forceFlush(). Stored = rows the sink received after the warm-up. Every run shown.\n`);
  console.log("| contender | stored / ended per run | dropped per run | window s | peak RSS MiB | drop reasons |");
  console.log("|---|---|---|--:|--:|---|");
  for (const e of entries) {
    const mine = samples.filter((s) => entryKey(s.result) === entryKey(e) && !s.result.error && s.result.offer);
    const stored = mine.map((s) => `${s.counters.rows - s.result.warmupSpans}/${s.result.spans}`).join(", ");
    const dropped = mine.map((s) => s.result.spans - (s.counters.rows - s.result.warmupSpans)).join(", ");
    const flushErrors = [...new Set(mine.map((s) => s.result.flushError).filter(Boolean))];
    console.log(
      `| ${label(e)}${flushErrors.length ? ` (forceFlush: ${flushErrors.join("; ")})` : ""} | ${stored} | ${dropped} | ${f(median(mine.map((s) => s.result.offer!.windowMillis / 1000)), 2)} | ` +
        `${f(median(mine.map((s) => s.result.peakRssBytes / MiB)), 0)} | ${dropReasons(mine)} |`,
    );
  }
}

/** Turns ending many spans at once: the pauses the deferred conversion puts between the app's turns. */
export function printTurnsTable(samples: Sample[], entries: Entry[], perTurn: number): void {
  console.log(`\nTurns: each turn ends ${perTurn} spans at once, then 20 empty turns follow; a pause is the time between two`);
  console.log("empty turns (the deferred conversion's slice and any I/O callbacks in between). Median of the runs.\n");
  console.log("| contender | pause µs p50 | p99 | max (highest run) | onEnd µs p99: LLM / root / tool |");
  console.log("|---|--:|--:|--:|--:|");
  for (const e of entries) {
    const mine = samples.filter((s) => entryKey(s.result) === entryKey(e) && !s.result.error && s.result.pauses);
    const m = (pick: (s: Sample) => number) => median(mine.map(pick));
    console.log(
      `| ${label(e)} | ${f(m((s) => s.result.pauses!.p50), 0)} | ${f(m((s) => s.result.pauses!.p99), 0)} | ` +
        `${f(m((s) => s.result.pauses!.max), 0)} (${f(Math.max(...mine.map((s) => s.result.pauses!.max)), 0)}) | ` +
        `${f(m((s) => s.result.onEnd.llm.p99), 2)} / ${f(m((s) => s.result.onEnd.root.p99), 2)} / ${f(m((s) => s.result.onEnd.tool.p99), 2)} |`,
    );
  }
}

function dropReasons(samples: Sample[]): string {
  const total: Record<string, number> = {};
  for (const s of samples) {
    const dropped = (s.result.stats as { dropped?: Record<string, number> } | undefined)?.dropped;
    for (const [k, n] of Object.entries(dropped ?? {})) if (n > 0) total[k] = (total[k] ?? 0) + n;
  }
  const parts = Object.entries(total).map(([k, n]) => `${k} ${n}`);
  return samples.some((s) => s.result.stats) ? parts.join(", ") || "none" : "–";
}
