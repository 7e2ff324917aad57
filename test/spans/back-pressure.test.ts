// BraintrustExporter under a real BatchSpanProcessor whose forceFlush hands over far more
// than the exporter's queue holds: exports wait for room instead of dropping rows.
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustExporter } from "../../src/index.js";
import { resetLogState } from "../../src/log.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

/** ~1 KB of content per span, so a few hundred spans fill a small queue. */
const content = (i: number) => JSON.stringify([{ role: "user", content: `${"question ".repeat(90)}${i}` }]);

function setup(projectName: string, exporterOptions: Record<string, unknown> = {}) {
  const exporter = new BraintrustExporter({
    apiKey: server.apiKey,
    apiUrl: server.url,
    projectName,
    // Room for about 60 rows: every BatchSpanProcessor batch is larger than the whole queue.
    maxQueueBytes: 64 * 1024,
    maxExportBatchSize: 50,
    ...exporterOptions,
  });
  const bsp = new BatchSpanProcessor(exporter, { maxQueueSize: 10_000, maxExportBatchSize: 500, scheduledDelayMillis: 60_000, exportTimeoutMillis: 30_000 });
  const provider = providerWith(bsp);
  const tracer = provider.getTracer("burst");
  const endSpans = (n: number) => {
    for (let i = 0; i < n; i++) tracer.startSpan(`s${i}`, { attributes: { "braintrust.input_json": content(i) } }).end();
  };
  return { exporter, provider, endSpans };
}

describe("BraintrustExporter back-pressure", () => {
  it("stores every row of a burst that BatchSpanProcessor.forceFlush hands over at once, dropping none", async () => {
    resetLogState();
    server.setFault({ delayMs: 20 });
    try {
      const { exporter, provider, endSpans } = setup("burst");
      endSpans(3000);
      await provider.forceFlush();
      const stats = exporter.stats();
      expect(Object.values(stats.dropped).reduce((a, b) => a + b, 0)).toBe(0);
      expect(stats.sent).toBe(3000);
      const names = new Set(server.rows("burst").map((r) => r.span_attributes?.name));
      expect(names.size).toBe(3000);
      // Bounded: the queue never held more than its budget.
      expect(stats.queuedBytes).toBe(0);
      await provider.shutdown();
    } finally {
      server.setFault();
    }
  });

  it("gives up waiting for room at the export deadline, counting what did not fit, and calls back", async () => {
    resetLogState();
    const { exporter, provider, endSpans } = setup("stuck", { exportTimeoutMillis: 500 });
    await exporter.ready();
    server.setFault({ hang: true });
    try {
      endSpans(600);
      // BatchSpanProcessor passes the exports' failure on. Each export waits at most its own
      // deadline: without it this would wait on the hung server until the test times out.
      await expect(provider.forceFlush()).rejects.toBeDefined();
      expect(exporter.stats().dropped.queueFull).toBeGreaterThan(0);
      await provider.shutdown();
      const { sent, dropped } = exporter.stats();
      expect(sent).toBe(0);
      expect(dropped.queueFull + dropped.timeout + dropped.shutdown).toBe(600);
    } finally {
      server.setFault();
    }
  });
});
