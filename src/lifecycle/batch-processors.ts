// A BraintrustExporter inside a BatchSpanProcessor sees nothing until that processor's timer
// fires, and the timer does not keep the process alive: a short script ends with its spans
// still in the processor, and the exporter's own exit flush finds nothing queued. So at the
// end the exporter looks for the batch processors that feed it, to flush them first: through
// the global tracer provider, and through the provider of any span it has exported. The SDK
// keeps these links in fields of its own (the same names in SDK 1.x and 2.x); where they are
// not found, the exit hooks say that spans may be waiting, and how to flush them.
import { trace } from "@opentelemetry/api";

/** What is used of a span processor that feeds the exporter: its flush, and a BatchSpanProcessor's buffer. */
export interface BatchProcessor {
  forceFlush(): Promise<void>;
  /** Spans ended but not yet handed to the exporter (always 0 for a SimpleSpanProcessor). */
  waiting(): number;
}

/** Fields through which a provider, a multi-processor or a span reaches the processors. */
const LINKS = ["_activeSpanProcessor", "activeSpanProcessor", "_registeredSpanProcessors", "_spanProcessors", "_spanProcessor"] as const;
const MAX_DEPTH = 4;

/**
 * The span processors under `roots` (providers, span processors) whose exporter is
 * `exporter`, each once. Never throws: an SDK shaped otherwise yields none.
 */
export function batchProcessorsOf(exporter: object, roots: readonly unknown[]): BatchProcessor[] {
  const found = new Set<object>();
  const seen = new Set<object>();
  const visit = (node: unknown, depth: number) => {
    if (node === null || typeof node !== "object" || seen.has(node) || depth > MAX_DEPTH) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const item of node.slice(0, 64)) visit(item, depth + 1);
      return;
    }
    const fields = node as Record<string, unknown>;
    if (fields._exporter === exporter && typeof fields.forceFlush === "function") {
      found.add(node);
      return;
    }
    for (const link of LINKS) visit(fields[link], depth + 1);
  };
  for (const root of roots) {
    try {
      visit(root, 0);
    } catch {
      // a getter that throws, a revoked proxy: nothing found there
    }
  }
  return [...found].map((node) => {
    const bsp = node as { _finishedSpans?: unknown; forceFlush(): Promise<void> };
    return {
      forceFlush: () => bsp.forceFlush(),
      waiting: () => (Array.isArray(bsp._finishedSpans) ? bsp._finishedSpans.length : 0),
    };
  });
}

/** The tracer provider behind the global proxy, if one was registered. Never throws. */
export function globalProvider(): unknown {
  try {
    const proxy = trace.getTracerProvider() as { getDelegate?: () => unknown };
    return typeof proxy.getDelegate === "function" ? proxy.getDelegate() : proxy;
  } catch {
    return undefined;
  }
}

/** The span processor a span of SDK 1.x / 2.x reports its end to (its provider's multi-processor). */
export function processorOf(span: unknown): object | undefined {
  try {
    const link = (span as { _spanProcessor?: unknown })._spanProcessor;
    return link !== null && typeof link === "object" ? link : undefined;
  } catch {
    return undefined;
  }
}
