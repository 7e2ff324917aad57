// flushOnRootEnd (serverless handlers): each root's rows go out when it ends, and during an
// outage the ends of many roots share one flush instead of starting one each.
import { startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor } from "../../src/index.js";
import { scriptedServer, trackUnhandled, until } from "../delivery/helpers.js";
import { providerWith } from "../helpers/tracing.js";

const unhandled = trackUnhandled();
afterEach(() => expect(unhandled.rejections).toEqual([]));

/** Counts the calls of the processor's own `flush()` (what a root's end calls), and the most in flight at once. */
function countFlushes(processor: BraintrustSpanProcessor) {
  const flush = processor.flush.bind(processor);
  const counts = { started: 0, inFlight: 0, peak: 0 };
  processor.flush = () => {
    counts.started++;
    counts.peak = Math.max(counts.peak, ++counts.inFlight);
    return flush().finally(() => counts.inFlight--);
  };
  return counts;
}

describe("flushOnRootEnd", () => {
  it("sends a root's rows when it ends, long before scheduledDelayMillis", async () => {
    const api = await startLocalBraintrust();
    try {
      const processor = new BraintrustSpanProcessor({ apiKey: api.apiKey, apiUrl: api.url, projectName: "serverless", flushOnRootEnd: true, scheduledDelayMillis: 600_000 });
      const provider = providerWith(processor);
      const tracer = provider.getTracer("handler");
      for (let i = 0; i < 3; i++) {
        tracer.startActiveSpan(`request-${i}`, (root) => {
          tracer.startSpan("step").end();
          root.end();
        });
        await until(() => api.rows("serverless").length === 2 * (i + 1));
      }
      await provider.shutdown();
    } finally {
      await api.close();
    }
  });

  it("a span whose parent is in another process (an incoming traceparent) is a root: its end flushes", async () => {
    const api = await startLocalBraintrust();
    try {
      const processor = new BraintrustSpanProcessor({ apiKey: api.apiKey, apiUrl: api.url, projectName: "serverless-remote", flushOnRootEnd: true, scheduledDelayMillis: 600_000 });
      const counts = countFlushes(processor);
      const provider = providerWith(processor);
      const tracer = provider.getTracer("handler");
      const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1, isRemote: true });
      const handler = tracer.startSpan("handler", {}, remote);
      tracer.startSpan("step", {}, trace.setSpan(remote, handler)).end();
      expect(counts.started).toBe(0); // a child with a local parent is no root
      handler.end();
      expect(counts.started).toBe(1);
      await until(() => api.rows("serverless-remote").length === 2);
      await provider.shutdown();
    } finally {
      await api.close();
    }
  });

  it("during an outage, 1,000 roots ending share one flush in flight at a time", async () => {
    const down = await scriptedServer(() => {}); // accepts, never answers
    try {
      const processor = new BraintrustSpanProcessor({ apiKey: "sk-flush-on-root-end", apiUrl: down.url, projectId: "p-1", flushOnRootEnd: true, exportTimeoutMillis: 1_000 });
      const counts = countFlushes(processor);
      const provider = providerWith(processor);
      const tracer = provider.getTracer("handler");
      for (let i = 0; i < 1000; i++) {
        tracer.startSpan(`request-${i}`).end();
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
      }
      await until(() => counts.inFlight === 0 && counts.started >= 2);
      expect(counts.peak).toBe(1);
      // The first, and one more for the roots that ended while it waited.
      expect(counts.started).toBe(2);
      await provider.shutdown();
    } finally {
      await down.close();
    }
  });
});
