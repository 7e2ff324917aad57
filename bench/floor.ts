// The floor: the least work any exporter must do for these spans. No SDK, no HTTP, no
// queue: parse the JSON-typed attributes, build the row by hand for each known span
// shape, and stringify it once.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Attributes } from "@opentelemetry/api";
import { isOneStructuredValue } from "../src/convert/json-shape.js";
import { LatencyRecorder, collectGarbage, cpuMicros, memoryFigures, rssBytes, youngGenerationBytes } from "./measure.js";
import type { ContenderResult } from "./protocol.js";
import { KINDS, NAMES, SERVICE_NAME, SPANS_PER_TRACE, type SpanKindName, attributesFor } from "./workload.js";

interface FloorSpan {
  kind: SpanKindName;
  name: string;
  traceId: string;
  spanId: string;
  parentId: string | undefined;
  start: [number, number];
  end: [number, number];
  attrs: Attributes;
}

/** One trace's spans as an SDK would hand them over: attributes, ids, times. */
function makeTrace(t: number): FloorSpan[] {
  const traceId = randomBytes(16).toString("hex");
  const rootId = randomBytes(8).toString("hex");
  const now = Date.now();
  const start: [number, number] = [Math.floor(now / 1000), (now % 1000) * 1e6];
  const end: [number, number] = [start[0], start[1] + 250_000];
  return KINDS.map((kind) => ({
    kind,
    name: NAMES[kind],
    traceId,
    spanId: kind === "root" ? rootId : randomBytes(8).toString("hex"),
    parentId: kind === "root" ? undefined : rootId,
    start,
    end,
    attrs: attributesFor(kind, t),
  }));
}

const seconds = (hr: [number, number]) => hr[0] + hr[1] / 1e9;

/** `content`: false leaves input and output out (the splice floor writes them verbatim). */
function row(s: FloorSpan, content = true): object {
  const a = s.attrs;
  const start = seconds(s.start);
  const base = {
    id: s.spanId,
    span_id: s.spanId,
    root_span_id: s.traceId,
    span_parents: s.parentId === undefined ? undefined : [s.parentId],
    created: new Date(start * 1000).toISOString(),
  };
  if (s.kind === "root") {
    return {
      ...base,
      metadata: { ...a, "service.name": SERVICE_NAME },
      metrics: { start, end: seconds(s.end) },
      span_attributes: { name: s.name, type: "task" },
    };
  }
  const input = content ? JSON.parse(a["braintrust.input_json"] as string) : undefined;
  const output = content ? JSON.parse(a["braintrust.output_json"] as string) : undefined;
  if (s.kind === "llm") {
    const prompt = a["gen_ai.usage.input_tokens"] as number;
    const completion = a["gen_ai.usage.output_tokens"] as number;
    return {
      ...base,
      input,
      output,
      metadata: {
        model: a["gen_ai.response.model"],
        provider: a["gen_ai.provider.name"],
        "gen_ai.operation.name": a["gen_ai.operation.name"],
        "gen_ai.request.temperature": a["gen_ai.request.temperature"],
        "gen_ai.response.finish_reasons": a["gen_ai.response.finish_reasons"],
        "service.name": SERVICE_NAME,
      },
      metrics: { start, end: seconds(s.end), prompt_tokens: prompt, completion_tokens: completion, tokens: prompt + completion },
      span_attributes: { name: s.name, type: "llm" },
    };
  }
  return {
    ...base,
    input,
    output,
    metadata: {
      "gen_ai.operation.name": a["gen_ai.operation.name"],
      "gen_ai.tool.name": a["gen_ai.tool.name"],
      "service.name": SERVICE_NAME,
    },
    metrics: { start, end: seconds(s.end) },
    span_attributes: { name: s.name, type: "tool" },
  };
}

/**
 * The floor of an exporter that writes JSON attributes into the row verbatim: they are only
 * checked to be one JSON value each (the structural scan the library uses, which is what
 * splicing safely needs), not parsed or re-serialized; the rest of the row is serialized.
 */
function spliced(s: FloorSpan): string {
  if (s.kind === "root") return JSON.stringify(row(s));
  const input = s.attrs["braintrust.input_json"] as string;
  const output = s.attrs["braintrust.output_json"] as string;
  if (!isOneStructuredValue(input, 256) || !isOneStructuredValue(output, 256)) throw new Error("the workload's JSON attributes must be JSON");
  return `${JSON.stringify(row(s, false)).slice(0, -1)},"input":${input},"output":${output}}`;
}

const serialize = (s: FloorSpan, splice: boolean) => (splice ? spliced(s) : JSON.stringify(row(s)));

/**
 * Makes the inputs of traces [first, first + count) and, when `serialize`, turns them into
 * rows. Rows are handed off in batches the size exporters send, then dropped, as after a send.
 */
class FloorPass {
  bytes = 0;
  rows = 0;
  private batch: string[] = [];

  constructor(private readonly splice: boolean) {}

  run(first: number, count: number, work: boolean): void {
    for (let t = first; t < first + count; t++) {
      const spans = makeTrace(t);
      if (!work) continue;
      for (const span of spans) {
        const json = serialize(span, this.splice);
        this.bytes += json.length; // the workload is ASCII: length is the byte count
        this.rows++;
        this.batch.push(json);
        if (this.batch.length === 512) this.batch = [];
      }
    }
  }
}

const CHUNK = 500;

/**
 * The inputs are made inside the loop (as the SDK makes spans inside the contenders' loop),
 * so that the heap looks the same as theirs, and their cost is subtracted the same way: the
 * floor is (make + serialize) minus (make alone), run in alternating chunks so drift on a
 * shared machine hits both alike.
 */
export function runFloor(spanCount: number, warmupSpans: number, splice: boolean): ContenderResult {
  const traces = Math.ceil(spanCount / SPANS_PER_TRACE);
  const warmup = new FloorPass(splice);
  warmup.run(0, Math.ceil(warmupSpans / SPANS_PER_TRACE), true);
  collectGarbage();

  const pass = new FloorPass(splice);
  const rssBefore = rssBytes();
  const youngBefore = youngGenerationBytes();
  let cpu = 0;
  let wall = 0;
  for (let first = 0; first < traces; first += CHUNK) {
    const count = Math.min(CHUNK, traces - first);
    const c0 = cpuMicros();
    const t0 = performance.now();
    pass.run(first, count, false);
    const t1 = performance.now();
    const c1 = cpuMicros();
    pass.run(first, count, true);
    wall += performance.now() - t1 - (t1 - t0);
    cpu += cpuMicros() - c1 - (c1 - c0);
  }
  const rssEnd = rssBytes();

  // Latency is taken in a pass of its own so that the timer calls stay out of the CPU figure.
  const recorder = new LatencyRecorder(traces);
  for (let t = 0; t < traces; t++) {
    for (const span of makeTrace(t)) {
      const t0 = performance.now();
      serialize(span, splice);
      recorder.record(span.name, (performance.now() - t0) * 1000);
    }
  }
  const sample = JSON.stringify(row(makeTrace(0)[1]!));
  if (Buffer.byteLength(sample) !== sample.length) throw new Error("the workload must be ASCII for the floor's byte count");

  return {
    contender: splice ? "floor-splice" : "floor",
    mode: "live",
    spans: pass.rows,
    warmupSpans: 0,
    cpuMicros: cpu,
    wallMillis: wall,
    ...memoryFigures(rssBefore, rssEnd, youngBefore),
    onEnd: recorder.summary(),
    rowBytes: pass.bytes / pass.rows,
  };
}
