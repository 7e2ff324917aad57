// One contender, in a process of its own (forked by bench/run.ts with the options as argv[2]).
// It warms up, then times the workload from the first span to the end of the flush,
// and sends its figures back over IPC.
import { performance } from "node:perf_hooks";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { ROOT_CONTEXT, SpanKind, trace as traceApi, type Tracer } from "@opentelemetry/api";
import type { BraintrustExporterOptions } from "../src/config/config.js";
import { LatencyRecorder, collectGarbage, cpuMicros, memoryFigures, monotonicMicros, rssBytes, timeOnEnd, youngGenerationBytes } from "./measure.js";
import { BENCH_PROJECT_ID, type ContenderOptions, type ContenderResult } from "./protocol.js";
import { runFloor } from "./floor.js";
import { NAMES, SERVICE_NAME, SPANS_PER_TRACE, llmAttributes, rootAttributes, toolAttributes } from "./workload.js";

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
    const root = tracer.startSpan(NAMES.root, { kind: SpanKind.SERVER, attributes: rootAttributes(t) }, ROOT_CONTEXT);
    const context = traceApi.setSpan(ROOT_CONTEXT, root);
    const llm = tracer.startSpan(NAMES.llm, { kind: SpanKind.CLIENT, attributes: llmAttributes(t) }, context);
    llm.end();
    const tool = tracer.startSpan(NAMES.tool, { kind: SpanKind.INTERNAL, attributes: toolAttributes(t) }, context);
    tool.end();
    root.end();
    await yieldToLoop();
  }
}

async function runSdk(o: ContenderOptions): Promise<ContenderResult> {
  const { NodeTracerProvider } = await import("@opentelemetry/sdk-trace-node");
  const { resourceFromAttributes } = await import("@opentelemetry/resources");
  const inner = await makeProcessor(o);
  const recorder = new LatencyRecorder(Math.ceil(o.spans / SPANS_PER_TRACE));
  const timed = timeOnEnd(inner, recorder);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": SERVICE_NAME }),
    spanProcessors: [timed as never],
  });
  const tracer = provider.getTracer("bench", "1.0.0");

  const warmupTraces = Math.ceil(o.warmupSpans / SPANS_PER_TRACE);
  await emit(tracer, 0, warmupTraces);
  // A dead sink never completes a flush; its warm-up spans simply join the backlog.
  if (o.mode === "live") await inner.forceFlush();
  collectGarbage();
  recorder.reset();

  const traces = Math.ceil(o.spans / SPANS_PER_TRACE);
  const rssBefore = rssBytes();
  const youngBefore = youngGenerationBytes();
  const window0 = monotonicMicros();
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  await emit(tracer, warmupTraces, traces);
  const rssEnd = rssBytes();
  if (o.mode === "live") await inner.forceFlush();
  const wall = performance.now() - t0;
  const cpu = cpuMicros() - cpu0;
  const window: [number, number] = [window0, monotonicMicros()];
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
  };
  // Under a dead sink a shutdown would only wait for the export timeout; the figures are taken.
  if (o.mode === "live") await provider.shutdown();
  return result;
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]!) as ContenderOptions;
  let result: ContenderResult;
  try {
    result = o.contender.startsWith("floor") ? runFloor(o.spans, o.warmupSpans, o.contender === "floor-splice") : await runSdk(o);
  } catch (err) {
    result = { contender: o.contender, variant: o.variant, error: (err as Error).stack ?? String(err) } as ContenderResult;
  }
  process.send!(result, () => process.exit(0));
}

if (process.send) void main();
