// One contender, in a process of its own (forked by bench/run.ts with the options as argv[2]).
// It warms up, then times the workload from the first span to the end of the flush,
// and sends its figures back over IPC.
import { performance } from "node:perf_hooks";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Tracer } from "@opentelemetry/api";
import type { BraintrustExporterOptions } from "../src/config/config.js";
import { LatencyRecorder, collectGarbage, cpuMicros, memoryFigures, percentile, rssBytes, startWindow, timeOnEnd, youngGenerationBytes } from "./measure.js";
import { BENCH_PROJECT_ID, type ContenderOptions, type ContenderResult } from "./protocol.js";
import { runDeliveryOnly } from "./delivery-only.js";
import { runFloor } from "./floor.js";
import { offerAt, setSinkDelay } from "./pacing.js";
import { SERVICE_NAME, SPANS_PER_TRACE, emitTraces } from "./workload.js";

interface Processor {
  onStart(span: unknown, context: unknown): void;
  onEnd(span: never): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  stats?(): unknown;
}

const API_KEY = "bench-api-key";

async function makeProcessor(o: ContenderOptions): Promise<Processor> {
  const { maxQueueSize, maxExportBatchSize, scheduledDelayMillis, exportTimeoutMillis } = o.queue;
  const bsp = async (exporter: unknown) => {
    const { BatchSpanProcessor } = await import("@opentelemetry/sdk-trace-base");
    return new BatchSpanProcessor(exporter as never, { maxQueueSize, maxExportBatchSize, scheduledDelayMillis, exportTimeoutMillis });
  };
  const ours: BraintrustExporterOptions = { apiKey: API_KEY, apiUrl: o.sink, projectId: BENCH_PROJECT_ID, ...o.queue };
  switch (o.contender) {
    case "baseline":
      return { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
    case "otlp": {
      const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
      return bsp(new OTLPTraceExporter({ url: `${o.sink}/v1/traces`, timeoutMillis: exportTimeoutMillis }));
    }
    case "processor": {
      const lib = await import(o.libUrl);
      return new lib.BraintrustSpanProcessor(ours);
    }
    case "gzip": {
      const lib = await import(o.libUrl);
      return new lib.BraintrustSpanProcessor({ ...ours, compression: "gzip" });
    }
    case "exporter": {
      const lib = await import(o.libUrl);
      return bsp(new lib.BraintrustExporter(ours));
    }
    default:
      throw new Error(`not an SDK contender: ${o.contender}`);
  }
}

/** Emits `traces` traces, yielding to the event loop after each one as a server does between requests. */
async function emit(tracer: Tracer, first: number, traces: number): Promise<void> {
  for (let t = first; t < first + traces; t++) {
    emitTraces(tracer, t, 1);
    await yieldToLoop();
  }
}

/** Offers traces at `rate` spans/s for `durationMs`, at most 20 traces per turn, as a server handling requests would end them. */
function offer(tracer: Tracer, first: number, rate: number, durationMs: number): Promise<number> {
  return offerAt(rate / SPANS_PER_TRACE, durationMs, 20, (sent, n) => emitTraces(tracer, first + sent, n));
}

/**
 * Turns that each end `perTurn` spans, each followed by idle turns until the exporter's
 * deferred work is done; the gap before every idle turn is a pause the app's next turn would have waited.
 */
async function turns(tracer: Tracer, first: number, traces: number, perTurn: number): Promise<number[]> {
  const pauses: number[] = [];
  const tracesPerTurn = Math.max(1, Math.floor(perTurn / SPANS_PER_TRACE));
  for (let t = 0; t < traces; t += tracesPerTurn) {
    await yieldToLoop();
    emitTraces(tracer, first + t, Math.min(tracesPerTurn, traces - t));
    let last = performance.now();
    for (let idle = 0; idle < 20; idle++) {
      await yieldToLoop();
      const now = performance.now();
      pauses.push((now - last) * 1000);
      last = performance.now();
    }
  }
  return pauses;
}

async function runSdk(o: ContenderOptions): Promise<ContenderResult> {
  const { NodeTracerProvider } = await import("@opentelemetry/sdk-trace-node");
  const { resourceFromAttributes } = await import("@opentelemetry/resources");
  const inner = await makeProcessor(o);
  const recorder = new LatencyRecorder(Math.ceil(Math.max(o.spans, o.warmupSpans, (o.rate ?? 0) * ((o.durationMs ?? 0) / 1000)) / SPANS_PER_TRACE) + 64);
  const timed = timeOnEnd(inner, recorder);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": SERVICE_NAME }),
    spanProcessors: [timed as never],
  });
  const tracer = provider.getTracer("bench", "1.0.0");
  // Process CPU since it started: Node's start-up (the same for every contender), imports, setup.
  const setupMicros = cpuMicros();

  const warmupTraces = o.mode === "cold" ? 0 : Math.ceil(o.warmupSpans / SPANS_PER_TRACE);
  if (warmupTraces > 0) {
    await emit(tracer, 0, warmupTraces);
    // A dead sink never completes a flush; its warm-up spans simply join the backlog.
    if (o.mode !== "dead") await inner.forceFlush();
    collectGarbage();
    recorder.reset();
  }
  if (o.mode === "slow" || o.mode === "burst") await setSinkDelay(o.sink, o.delayMs ?? 100);

  let traces = Math.ceil(o.spans / SPANS_PER_TRACE);
  const rssBefore = rssBytes();
  const youngBefore = youngGenerationBytes();
  const clock = startWindow();
  let pauses: number[] | undefined;
  if (o.mode === "slow") traces = await offer(tracer, warmupTraces, o.rate ?? 80_000, o.durationMs ?? 2000);
  else if (o.mode === "turns") pauses = await turns(tracer, warmupTraces, traces, o.perTurn ?? 999);
  else await emit(tracer, warmupTraces, traces);
  const offeredMillis = clock.elapsed();
  const rssEnd = rssBytes();
  // BSP passes an export's failure on (OTLP refuses more than 30 exports at once: "Concurrent
  // export limit reached"); the rows that did arrive are what the sink counts.
  let flushError: string | undefined;
  if (o.mode !== "dead") await inner.forceFlush().catch((err: unknown) => (flushError = String((err as Error)?.message ?? err)));
  const { wallMillis: wall, cpuMicros: cpu, window } = clock.end();
  const result: ContenderResult = {
    contender: o.contender,
    variant: o.variant,
    mode: o.mode,
    spans: traces * SPANS_PER_TRACE,
    warmupSpans: warmupTraces * SPANS_PER_TRACE,
    cpuMicros: cpu,
    wallMillis: wall,
    ...memoryFigures(rssBefore, rssEnd, youngBefore),
    onEnd: recorder.summary(),
    window,
    stats: typeof inner.stats === "function" ? inner.stats() : undefined,
    ...(o.mode === "cold" ? { cold: { setupMicros, spansMicros: cpu } } : {}),
    ...(o.mode === "slow" || o.mode === "burst" ? { offer: { offeredMillis, windowMillis: wall } } : {}),
    ...(pauses ? { pauses: pauseFigures(pauses) } : {}),
    ...(flushError ? { flushError } : {}),
  };
  // Under a dead sink a shutdown would only wait for the export timeout; the figures are taken.
  if (o.mode !== "dead") await provider.shutdown();
  return result;
}

function pauseFigures(pauses: number[]) {
  const sorted = Float64Array.from(pauses).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN, count: sorted.length };
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]!) as ContenderOptions;
  let result: ContenderResult;
  try {
    result = o.contender.startsWith("floor")
      ? runFloor(o.spans, o.warmupSpans, o.contender === "floor-splice")
      : o.mode === "delivery"
        ? await runDeliveryOnly(o)
        : await runSdk(o);
  } catch (err) {
    result = { contender: o.contender, variant: o.variant, error: (err as Error).stack ?? String(err) } as ContenderResult;
  }
  process.send!(result, () => process.exit(0));
}

if (process.send) void main();
