// The SpanExporter face: what it tells the span processor (success, failure), and that it
// applies the same mask as the processor. Filtering and routing through it are tested in
// filter.test.ts and routing.test.ts; the NodeSDK route in setups.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustExporter, MASK_FAILED, maskPII } from "../../src/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

// The default deadline: every export here ends on an answer, however slow the machine.
const options = (projectName: string) => ({ apiKey: server.apiKey, apiUrl: server.url, projectName });

/** Ended SDK spans, as a span processor would hand them over. */
function endedSpans(...names: string[]) {
  const provider = providerWith();
  const tracer = provider.getTracer("exporter");
  return names.map((name) => {
    const span = tracer.startSpan(name, { attributes: { input: `hello from ${name}@example.com` } });
    span.end();
    return span as never;
  });
}

const exportOnce = (exporter: BraintrustExporter, spans: never[]) =>
  new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));

describe("BraintrustExporter", () => {
  it("reports success once the rows are stored", async () => {
    const exporter = new BraintrustExporter(options("exporter-ok"));
    const result = await exportOnce(exporter, endedSpans("a", "b"));
    expect(result.code).toBe(0);
    expect(server.rows("exporter-ok").map((r) => r.span_attributes?.name).sort()).toEqual(["a", "b"]);
    await exporter.shutdown();
  });

  it("converts a large export over several turns, in order", async () => {
    const exporter = new BraintrustExporter(options("exporter-slices"));
    await exporter.ready();
    const names = Array.from({ length: 3_000 }, (_, i) => `s${i}`);
    const spans = endedSpans(...names);
    let done = false;
    const result = new Promise<{ code: number }>((resolve) =>
      exporter.export(spans, (r) => {
        done = true;
        resolve(r);
      }),
    );
    // The first slice runs inside export(); 3,000 spans take many, each in a turn of its own.
    const rows = () => exporter.stats().queued + exporter.stats().sent;
    let turnsWithRows = rows() > 0 ? 1 : 0;
    while (!done) {
      const before = rows();
      await new Promise((resolve) => setImmediate(resolve));
      if (rows() > before) turnsWithRows++;
    }
    expect(turnsWithRows).toBeGreaterThan(2);
    expect((await result).code).toBe(0);
    expect(server.rows("exporter-slices").map((r) => r.span_attributes?.name)).toEqual(names);
    await exporter.shutdown();
  });

  it("reports failure when the rows could not be delivered", async () => {
    const exporter = new BraintrustExporter(options("exporter-rejected"));
    await exporter.ready();
    server.setFault({ failStatuses: [400] });
    try {
      const result = await exportOnce(exporter, endedSpans("rejected"));
      expect(result.code).toBe(1);
      expect(result.error?.message).toMatch(/1 row dropped/);
    } finally {
      server.setFault();
    }
    await exporter.shutdown();
  });

  it("reports failure, without throwing, when it has no API key", async () => {
    const exporter = new BraintrustExporter({ env: {} });
    const result = await exportOnce(exporter, endedSpans("nowhere"));
    expect(result.code).toBe(1);
    expect(result.error?.message).toMatch(/no API key/);
    expect(exporter.stats().dropped.unresolved).toBe(1);
  });

  it("after shutdown, reports failure and counts the spans as dropped", async () => {
    const exporter = new BraintrustExporter(options("exporter-shutdown"));
    await exporter.shutdown();
    const result = await exportOnce(exporter, endedSpans("late", "later"));
    expect(result.code).toBe(1);
    expect(exporter.stats().dropped.shutdown).toBe(2);
  });

  it("applies the mask, and fails closed when it throws", async () => {
    const exporter = new BraintrustExporter({
      ...options("exporter-mask"),
      mask: (event) => {
        if (event.span_attributes.name === "bad") throw new Error("mask bug");
        return maskPII(event);
      },
    });
    expect((await exportOnce(exporter, endedSpans("good", "bad"))).code).toBe(0);
    const rows = new Map(server.rows("exporter-mask").map((r) => [r.span_attributes?.name, r]));
    expect(rows.get("good")!.input).toBe("hello from [email]");
    expect(rows.get("bad")!.input).toBe(MASK_FAILED);
    await exporter.shutdown();
  });
});
