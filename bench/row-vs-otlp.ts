// What turning a finished span into bytes costs, with nothing else in the way: the library's
// row (RowPipeline.row: conversion, span origin, one serialization, as the processor does
// it, and the UTF-8 encoding the queue does) against the OTLP/HTTP JSON exporter's
// serializer (JsonTraceSerializer over batches of 512, what BSP + OTLPTraceExporter sends).
// The same bench workload, made by a real NodeTracerProvider inside the measured loop, and
// no event-loop turns, queue or HTTP: the comparison the warm table's subtraction of a no-op
// baseline cannot make cleanly (see bench/README.md, "The baseline"). Process CPU per span
// minus the same loop with a no-op processor, median of the rounds, modes rotated each round.
//
//   npx tsx bench/row-vs-otlp.ts [rounds] [traces]
import { ROOT_CONTEXT, SpanKind, trace as traceApi } from "@opentelemetry/api";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { resolveConfig } from "../src/config/config.js";
import type { SpanLike } from "../src/convert/types.js";
import type { Delivery } from "../src/delivery/delivery.js";
import { RowPipeline } from "../src/rows/pipeline.js";
import { cpuMicros } from "./measure.js";
import { NAMES, SERVICE_NAME, SPANS_PER_TRACE, llmAttributes, rootAttributes, toolAttributes } from "./workload.js";

const rounds = Number(process.argv[2] ?? 9);
const traces = Number(process.argv[3] ?? 5_000);
const BATCH = 512;

const resolved = resolveConfig({ apiKey: "bench", apiUrl: "http://127.0.0.1:9", projectId: "bench", env: {} });
if (!resolved.ok) throw new Error(resolved.error);
const config = resolved.config;
// Rows are only built here; a failure would be counted through `drop`, which must not happen.
const pipeline = new RowPipeline(config, { enqueue() {}, drop: () => { throw new Error("a row failed"); } } as unknown as Delivery);

let bytes = 0;
type Mode = "no-op" | "row" | "otlp";
const MODES: Mode[] = ["no-op", "row", "otlp"];

function processorFor(mode: Mode): SpanProcessor {
  let batch: ReadableSpan[] = [];
  const onEnd =
    mode === "row"
      ? (span: ReadableSpan) => {
          const json = pipeline.row({ span: span as unknown as SpanLike, destination: config.parent, parentId: undefined, merge: false });
          bytes += Buffer.byteLength(json!);
        }
      : mode === "otlp"
        ? (span: ReadableSpan) => {
            batch.push(span);
            if (batch.length === BATCH) {
              bytes += JsonTraceSerializer.serializeRequest(batch)!.length;
              batch = [];
            }
          }
        : () => {};
  return { onStart() {}, onEnd, forceFlush: async () => {}, shutdown: async () => {} };
}

const tracers = new Map(MODES.map((mode) => [mode, new NodeTracerProvider({ resource: resourceFromAttributes({ "service.name": SERVICE_NAME }), spanProcessors: [processorFor(mode)] }).getTracer("bench", "1.0.0")]));

/** CPU µs per span to make `traces` traces (and, through the mode's processor, their bytes). */
function measure(mode: Mode, first: number): number {
  const tracer = tracers.get(mode)!;
  bytes = 0;
  const c0 = cpuMicros();
  for (let t = first; t < first + traces; t++) {
    const root = tracer.startSpan(NAMES.root, { kind: SpanKind.SERVER, attributes: rootAttributes(t) }, ROOT_CONTEXT);
    const context = traceApi.setSpan(ROOT_CONTEXT, root);
    tracer.startSpan(NAMES.llm, { kind: SpanKind.CLIENT, attributes: llmAttributes(t) }, context).end();
    tracer.startSpan(NAMES.tool, { kind: SpanKind.INTERNAL, attributes: toolAttributes(t) }, context).end();
    root.end();
  }
  return (cpuMicros() - c0) / (traces * SPANS_PER_TRACE);
}

const samples = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
const wire = new Map<Mode, number>();
let first = 0;
for (let round = 0; round <= rounds; round++) {
  for (let i = 0; i < MODES.length; i++) {
    const mode = MODES[(i + round) % MODES.length]!;
    const micros = measure(mode, first);
    first += traces;
    if (round > 0) samples.get(mode)!.push(micros); // round 0 warms every mode up
    wire.set(mode, bytes / (traces * SPANS_PER_TRACE));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const base = median(samples.get("no-op")!);
console.log(`${traces * SPANS_PER_TRACE} spans per round, ${rounds} rounds; node ${process.version}; the SDK and workload alone: ${base.toFixed(2)} µs/span`);
for (const mode of ["row", "otlp"] as const) {
  const own = samples.get(mode)!.map((x) => x - base);
  const sorted = [...own].sort((a, b) => a - b);
  console.log(`${mode === "row" ? "the library's row (RowPipeline.row + UTF-8)" : "OTLP JSON (JsonTraceSerializer, batches of 512)"}`.padEnd(50) + `${median(own).toFixed(2)} [${sorted[0]!.toFixed(2)} – ${sorted.at(-1)!.toFixed(2)}] µs/span, ${wire.get(mode)!.toFixed(0)} B/span`);
}
