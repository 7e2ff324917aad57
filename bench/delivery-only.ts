// The slow-API scenario without the SDK's CPU in the way (mode `delivery`). Offered through
// the SDK, this machine cannot make 80k spans/s at all (the no-op SDK alone costs ~20 µs per
// span), so that scenario shows the CPU, not whether the delivery keeps up with a 100 ms API.
// Here the finished work is made beforehand and offered at the rate:
// - ours: the bench workload's rows, made by the library's own row pipeline, enqueued straight
//   into the internal Delivery (queue → batch → sender → undici), built with the defaults;
// - otlp: the same workload's finished spans, straight into BatchSpanProcessor.onEnd, whose
//   OTLPTraceExporter serializes and sends them (its delivery).
// The rows are a cycle of ROW_TRACES traces: the queue encodes each row again on every push,
// and the sink counts rows, not distinct ids, so repeating them costs what new ones would.
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { collectGarbage, memoryFigures, rssBytes, startWindow, youngGenerationBytes } from "./measure.js";
import { offerAt, setSinkDelay, sinkRows } from "./pacing.js";
import { BENCH_PROJECT_ID, type ContenderOptions, type ContenderResult } from "./protocol.js";
import { SERVICE_NAME, emitTraces } from "./workload.js";

/** Traces made beforehand (72k spans would hold ~100 MB of rows; 8k traces hold ~12 MB). */
const ROW_TRACES = 8000;
/** Items offered per event-loop turn, as a server ending a few requests' spans at once. */
const PER_TURN = 60;

/** What bench/build.ts INTERNALS exports, as this scenario uses it (typed loosely: any build of the library). */
interface Internals {
  Delivery: new (config: unknown) => DeliveryLike;
  resolveConfig(options: Record<string, unknown>): { ok: true; config: unknown } | { ok: false; error: string };
  makeParent(kind: "project_id", value: string): unknown;
  RowPipeline: new (config: unknown, delivery: DeliveryLike) => { row(order: Record<string, unknown>): string | undefined };
}
interface DeliveryLike {
  enqueue(parent: unknown, json: string): void;
  flush(): Promise<unknown>;
  ready(): Promise<void>;
  shutdown(): Promise<void>;
  stats(): unknown;
}

/** Finished spans of the bench workload, made by a real tracer provider. */
async function makeSpans(): Promise<ReadableSpan[]> {
  const { NodeTracerProvider } = await import("@opentelemetry/sdk-trace-node");
  const { resourceFromAttributes } = await import("@opentelemetry/resources");
  const spans: ReadableSpan[] = [];
  const capture: SpanProcessor = { onStart() {}, onEnd: (span) => spans.push(span), forceFlush: async () => {}, shutdown: async () => {} };
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ "service.name": SERVICE_NAME }), spanProcessors: [capture] });
  emitTraces(provider.getTracer("bench", "1.0.0"), 0, ROW_TRACES);
  await provider.shutdown();
  return spans;
}

/** Offers `items` cyclically as fast as the loop turns (the warm-up), `count` in all. */
async function burst<T>(items: readonly T[], count: number, take: (item: T) => void): Promise<void> {
  for (let i = 0; i < count; ) {
    for (const end = Math.min(count, i + PER_TURN); i < end; i++) take(items[i % items.length]!);
    await yieldToLoop();
  }
}

export async function runDeliveryOnly(o: ContenderOptions): Promise<ContenderResult> {
  const warnings: string[] = [];
  process.on("warning", (w) => warnings.push(`${w.name}: ${w.message}`));
  const spans = await makeSpans();
  const rate = o.rate ?? 80_000;
  const durationMs = o.durationMs ?? 2000;
  const warmup = Math.max(o.warmupSpans, 15_000);

  let offerOne: (i: number) => void;
  let flush: () => Promise<unknown>;
  let finish: () => Promise<void>;
  let stats: () => unknown = () => undefined;
  let budgetUsed: () => number = () => Number.NaN;
  if (o.contender === "otlp") {
    const { BatchSpanProcessor } = await import("@opentelemetry/sdk-trace-base");
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    const { maxQueueSize, maxExportBatchSize, scheduledDelayMillis, exportTimeoutMillis } = o.queue;
    const bsp = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${o.sink}/v1/traces`, timeoutMillis: exportTimeoutMillis }), {
      maxQueueSize,
      maxExportBatchSize,
      scheduledDelayMillis,
      exportTimeoutMillis,
    });
    await burst(spans, warmup, (span) => bsp.onEnd(span));
    // Its forceFlush hands every batch over at once, and OTLP refuses more than 30 exports at a
    // time ("Concurrent export limit reached"): the warm-up has warmed up all the same.
    await bsp.forceFlush().catch(() => undefined);
    offerOne = (i) => bsp.onEnd(spans[i % spans.length]!);
    flush = () => bsp.forceFlush();
    finish = () => bsp.shutdown();
  } else {
    if (!o.internalsUrl) throw new Error("this build has no internal seam to offer rows to (use --lib src or git:REF)");
    const lib = (await import(o.internalsUrl)) as Internals;
    // The defaults: only what names the API and the project (and what `--delivery-config` asks for).
    const resolved = lib.resolveConfig({ ...o.deliveryConfig, apiKey: "bench-api-key", apiUrl: o.sink, projectId: BENCH_PROJECT_ID, env: {} });
    if (!resolved.ok) throw new Error(resolved.error);
    const parent = lib.makeParent("project_id", BENCH_PROJECT_ID);
    // A delivery of its own warms the code up; the measured one starts fresh, as an app's does.
    const warm = new lib.Delivery(resolved.config);
    const pipeline = new lib.RowPipeline(resolved.config, warm);
    const rows = spans.map((span) => pipeline.row({ span, destination: parent, parentId: undefined, merge: false }));
    if (rows.some((r) => r === undefined)) throw new Error("a workload span did not make a row");
    await warm.ready();
    await burst(rows as string[], warmup, (row) => warm.enqueue(parent, row));
    await warm.flush();
    await warm.shutdown();
    const delivery = new lib.Delivery(resolved.config);
    await delivery.ready();
    offerOne = (i) => delivery.enqueue(parent, rows[i % rows.length]!);
    // What counts against maxQueueBytes: the queue's buffers and the bodies in flight (read
    // from the private queue: the stats only show the queued rows' bytes).
    const queue = (delivery as unknown as { queue?: { held: number; inFlightBytes: number } }).queue;
    budgetUsed = queue ? () => queue.held + queue.inFlightBytes : () => Number.NaN;
    flush = () => delivery.flush();
    finish = () => delivery.shutdown();
    stats = () => delivery.stats();
  }
  collectGarbage();
  await setSinkDelay(o.sink, o.delayMs ?? 100);

  const rows0 = await sinkRows(o.sink);
  const rssBefore = rssBytes();
  const youngBefore = youngGenerationBytes();
  const clock = startWindow();
  let peakBudget = 0;
  const offered = await offerAt(rate, durationMs, PER_TURN, (first, n) => {
    for (let i = first; i < first + n; i++) offerOne(i);
    peakBudget = Math.max(peakBudget, budgetUsed());
  });
  const offeredMillis = clock.elapsed();
  const rowsWhileOffered = (await sinkRows(o.sink)) - rows0;
  const rssEnd = rssBytes();
  let flushError: string | undefined;
  await flush().catch((err: unknown) => (flushError = String((err as Error)?.message ?? err)));
  const { wallMillis: wall, cpuMicros: cpu, window } = clock.end();
  const result: ContenderResult = {
    contender: o.contender,
    variant: o.variant,
    mode: o.mode,
    spans: offered,
    warmupSpans: warmup,
    cpuMicros: cpu,
    wallMillis: wall,
    ...memoryFigures(rssBefore, rssEnd, youngBefore),
    onEnd: { root: NO_TIMES, llm: NO_TIMES, tool: NO_TIMES },
    window,
    stats: stats(),
    offer: { offeredMillis, windowMillis: wall, rowsWhileOffered, peakBudgetBytes: peakBudget },
    warnings,
    ...(flushError ? { flushError } : {}),
  };
  await finish();
  return result;
}

const NO_TIMES = { p50: Number.NaN, p99: Number.NaN };
