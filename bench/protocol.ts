// What the orchestrator (run.ts), the contender processes and the sink say to each other.
import type { Percentiles } from "./measure.js";
import type { SpanKindName } from "./workload.js";

export const CONTENDERS = ["baseline", "otlp", "processor", "exporter", "floor", "floor-splice"] as const;
export type ContenderName = (typeof CONTENDERS)[number];

export const BENCH_PROJECT_ID = "5f1b0c3e-2a4d-4e6f-8a9b-0c1d2e3f4a5b";

export interface QueueSettings {
  maxQueueSize: number;
  maxQueueBytes: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

export interface ContenderOptions {
  contender: ContenderName;
  spans: number;
  warmupSpans: number;
  /** Sink base URL (live or dead). */
  sink: string;
  /** `dead`: the sink never answers; memory is what is measured. */
  mode: "live" | "dead";
  /** URL of the module that exports BraintrustSpanProcessor and BraintrustExporter. */
  libUrl: string;
  /** Which build of the library `libUrl` is, when several are compared. */
  variant?: string;
  /** Shared by every contender that queues: ours and BatchSpanProcessor. */
  queue: QueueSettings;
}

export interface ContenderResult {
  contender: ContenderName;
  variant?: string;
  mode: "live" | "dead";
  spans: number;
  /** Spans emitted (and flushed) before the clock started. */
  warmupSpans: number;
  cpuMicros: number;
  wallMillis: number;
  rssBeforeBytes: number;
  rssEndBytes: number;
  rssAfterGcBytes: number;
  peakRssBytes: number;
  heapUsedAfterGcBytes: number;
  externalAfterGcBytes: number;
  youngBeforeBytes: number;
  youngAfterBytes: number;
  onEnd: Record<SpanKindName, Percentiles>;
  /** The floor's mean serialized row size. */
  rowBytes?: number;
  /** The measured window on the monotonic clock, in µs (the clock of V8 CPU profiles). */
  window?: [number, number];
  /** `processor.stats()` (ours) after the run. */
  stats?: unknown;
  error?: string;
}

export interface SinkCounters {
  requests: number;
  headerBytes: number;
  bodyBytes: number;
  /** Rows (Braintrust events or OTLP spans) seen in request bodies. */
  rows: number;
  unknownPaths: string[];
}

export type SinkMessage = { type: "reset" } | { type: "stats" };
export type SinkReply = { type: "ready"; live: string; dead: string } | { type: "stats"; counters: SinkCounters };

/** One row of the table: a contender, and for ours, which build of the library. */
export interface Entry {
  contender: ContenderName;
  variant?: string;
}

export const entryKey = (e: Entry) => (e.variant === undefined ? e.contender : `${e.contender}@${e.variant}`);
