// What the orchestrator (run.ts), the contender processes and the sink say to each other.
import type { Percentiles } from "./measure.js";
import type { SpanKindName } from "./workload.js";

export const CONTENDERS = ["baseline", "otlp", "processor", "exporter", "gzip", "floor", "floor-splice"] as const;
export type ContenderName = (typeof CONTENDERS)[number];

export const BENCH_PROJECT_ID = "5f1b0c3e-2a4d-4e6f-8a9b-0c1d2e3f4a5b";

export interface QueueSettings {
  maxQueueSize: number;
  maxQueueBytes: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

export type Mode = "live" | "dead" | "cold" | "slow" | "burst" | "turns" | "delivery";

export interface ContenderOptions {
  contender: ContenderName;
  spans: number;
  warmupSpans: number;
  /** Sink base URL (live or dead). */
  sink: string;
  /**
   * `live`: warm CPU, the sink answers at once. `dead`: the sink never answers; memory is what is
   * measured. `cold`: a fresh process, import included, first `spans` spans. `slow`: the API answers
   * after `delayMs`, spans are offered at `rate` per second for `durationMs`. `burst`: `spans` spans
   * ended as fast as they can be against the slow API, then one forceFlush. `turns`: turns that end
   * `perTurn` spans each; the longest pause the deferred work puts between turns is measured.
   * `delivery`: as `slow`, but finished work is offered without the SDK: serialized rows straight
   * to our delivery (`internalsUrl`), finished spans straight to BatchSpanProcessor (otlp).
   */
  mode: Mode;
  delayMs?: number;
  rate?: number;
  durationMs?: number;
  perTurn?: number;
  /** URL of the module that exports BraintrustSpanProcessor and BraintrustExporter. */
  libUrl: string;
  /** delivery: options given to our delivery's config beyond the defaults (`--delivery-config`). */
  deliveryConfig?: Record<string, unknown>;
  /** URL of the module that exports the delivery and the row pipeline (bench/build.ts INTERNALS). */
  internalsUrl?: string;
  /** Which build of the library `libUrl` is, when several are compared. */
  variant?: string;
  /** Shared by every contender that queues: ours and BatchSpanProcessor. */
  queue: QueueSettings;
}

export interface ContenderResult {
  contender: ContenderName;
  variant?: string;
  mode: Mode;
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
  /** cold: CPU µs since the process started, when the exporter was set up and when the first spans were flushed. */
  cold?: { setupMicros: number; spansMicros: number };
  /** slow / burst: wall ms of offering the spans, and of the whole window (the flush included). */
  offer?: {
    offeredMillis: number;
    windowMillis: number;
    /** delivery: rows the sink counted while the work was being offered (before the flush). */
    rowsWhileOffered?: number;
    /** delivery: the most of maxQueueBytes in use (queue buffers + bodies in flight) after an offering turn (NaN for BSP). */
    peakBudgetBytes?: number;
  };
  /** turns: pauses (µs) between turns when the app did nothing itself: the deferred work's slices. */
  pauses?: { p50: number; p99: number; max: number; count: number };
  error?: string;
  /** delivery: process warnings seen (MaxListenersExceededWarning and the like). */
  warnings?: string[];
  /** forceFlush() rejected with this (the run's figures stand; the sink counts what arrived). */
  flushError?: string;
}

export interface SinkCounters {
  requests: number;
  headerBytes: number;
  bodyBytes: number;
  /** Rows (Braintrust events or OTLP spans) seen in request bodies. */
  rows: number;
  unknownPaths: string[];
  /** Most delayed requests (inserts, OTLP exports) the sink was answering at once. */
  peakInFlight: number;
  /** ms from the first delayed request to the moment `peakInFlight` was first reached. */
  rampMillis: number;
  /** The sink process's CPU ms since the last reset (the contender's whole run, warm-up included). */
  cpuMs?: number;
}

export type SinkMessage = { type: "reset" } | { type: "stats" };
export type SinkReply = { type: "ready"; live: string; dead: string } | { type: "stats"; counters: SinkCounters };

/** One row of the table: a contender, and for ours, which build of the library. */
export interface Entry {
  contender: ContenderName;
  variant?: string;
}

export const entryKey = (e: Entry) => (e.variant === undefined ? e.contender : `${e.contender}@${e.variant}`);
