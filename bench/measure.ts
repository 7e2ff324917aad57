// Measurement helpers shared by the contender processes and the report.
import { performance } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";
import { KINDS, NAMES, type SpanKindName } from "./workload.js";

export interface Percentiles {
  p50: number;
  p99: number;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

const KIND_BY_NAME = new Map<string, number>(KINDS.map((kind, i) => [NAMES[kind], i]));

/**
 * Latency samples (µs) per span kind, in preallocated arrays so that recording a
 * sample allocates nothing and does not disturb what it measures.
 */
export class LatencyRecorder {
  private readonly samples: Float64Array[];
  private readonly counts = new Int32Array(KINDS.length);

  constructor(perKind: number) {
    this.samples = KINDS.map(() => new Float64Array(perKind));
  }

  record(name: string, micros: number): void {
    const kind = KIND_BY_NAME.get(name);
    if (kind === undefined) return;
    const n = this.counts[kind]!;
    const samples = this.samples[kind]!;
    if (n < samples.length) {
      samples[n] = micros;
      this.counts[kind] = n + 1;
    }
  }

  /** Forgets the warm-up. */
  reset(): void {
    this.counts.fill(0);
  }

  summary(): Record<SpanKindName, Percentiles> {
    const out = {} as Record<SpanKindName, Percentiles>;
    KINDS.forEach((kind, i) => {
      const sorted = this.samples[i]!.slice(0, this.counts[i]).sort();
      out[kind] = { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    });
    return out;
  }
}

interface EndTimed {
  onStart(span: unknown, context: unknown): void;
  onEnd(span: { name: string }): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Wraps a span processor and times each onEnd call. Every contender, the no-op baseline
 * included, goes through this wrapper, so its own cost cancels out in the comparison.
 */
export function timeOnEnd<P extends EndTimed>(inner: P, recorder: LatencyRecorder): EndTimed {
  return {
    onStart: (span, context) => inner.onStart(span, context),
    onEnd(span) {
      const t0 = performance.now();
      inner.onEnd(span);
      const t1 = performance.now();
      recorder.record(span.name, (t1 - t0) * 1000);
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  };
}

/** Monotonic clock in µs, the clock V8 stamps CPU profile samples with. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** user + system CPU of the whole process (all threads: GC helpers, libuv), in µs. */
export function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

export function rssBytes(): number {
  return process.memoryUsage.rss();
}

/** Runs a full GC when the process was started with --expose-gc. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Committed size of V8's young generation (new space). */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
}

/**
 * Memory figures of a run that started at `before` and whose workload ended at `end` (RSS
 * bytes); `youngBefore`: the young generation's size at the start.
 */
export function memoryFigures(before: number, end: number, youngBefore: number) {
  collectGarbage();
  const after = process.memoryUsage();
  return {
    rssBeforeBytes: before,
    rssEndBytes: end,
    rssAfterGcBytes: after.rss,
    // What the process holds once garbage is gone: JS heap in use, and off-heap (Buffers, undici).
    heapUsedAfterGcBytes: after.heapUsed,
    externalAfterGcBytes: after.external,
    // V8 doubles its young generation (16 -> 32 MiB) once enough bytes have survived scavenges
    // over the process's life: a matter of how much the process allocated, not of what it holds.
    youngBeforeBytes: youngBefore,
    youngAfterBytes: youngGenerationBytes(),
    // Peak resident set size of the process so far.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/** A measured window from now: `elapsed()` in ms; `end()` gives its wall ms, process CPU µs and monotonic span (a profile's clock). */
export function startWindow() {
  const window0 = monotonicMicros();
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  return {
    elapsed: () => performance.now() - t0,
    end: () => ({ wallMillis: performance.now() - t0, cpuMicros: cpuMicros() - cpu0, window: [window0, monotonicMicros()] as [number, number] }),
  };
}
