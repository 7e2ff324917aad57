// Spans from real tracer providers land in the local Braintrust server as a correct trace tree.
import { trace } from "@opentelemetry/api";
import { BatchSpanProcessor, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustExporter, BraintrustSpanProcessor } from "../src/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "../src/testing/index.js";
import { providerWith } from "./helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

/** The Go example's shape: a root with a user id and two children with input/output. */
function runInteraction(tracerName: string) {
  const tracer = trace.getTracer(tracerName);
  return tracer.startActiveSpan("User Interaction", (root) => {
    root.setAttribute("user_id", "user123");
    for (let i = 0; i < 2; i++) {
      tracer.startActiveSpan(`Interaction ${i}`, (child) => {
        child.setAttribute("input", `question ${i}`);
        child.setAttribute("output", `answer ${i}`);
        child.end();
      });
    }
    root.end();
    return root.spanContext();
  });
}

function expectTree(projectName: string, rootSpanId: string, traceId: string) {
  const rows = server.rows(projectName).filter((r) => r.root_span_id === traceId);
  expect(rows).toHaveLength(3);
  const root = rows.find((r) => r.span_id === rootSpanId)!;
  expect(root).toMatchObject({
    id: rootSpanId,
    root_span_id: traceId,
    span_attributes: { name: "User Interaction", type: "task" },
    metadata: { user_id: "user123" },
  });
  expect(root.span_parents).toBeUndefined();
  for (const i of [0, 1]) {
    const child = rows.find((r) => (r.span_attributes as { name: string }).name === `Interaction ${i}`)!;
    expect(child).toMatchObject({ input: `question ${i}`, output: `answer ${i}`, span_parents: [rootSpanId], root_span_id: traceId });
    expect((child.metrics as { start: number }).start).toBeGreaterThanOrEqual((root.metrics as { start: number }).start);
  }
}

describe("BraintrustSpanProcessor end to end", () => {
  it("creates the project once and delivers the trace tree", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "e2e-processor" });
    const provider = providerWith(processor);
    trace.setGlobalTracerProvider(provider);
    await processor.ready();

    const first = runInteraction("e2e");
    const second = runInteraction("e2e");
    await processor.forceFlush();

    expectTree("e2e-processor", first.spanId, first.traceId);
    expectTree("e2e-processor", second.spanId, second.traceId);
    const projectCalls = server.requests.filter((r) => r.path === "/v1/project" && r.method === "POST" && (r.body as { name?: string }).name === "e2e-processor");
    expect(projectCalls).toHaveLength(1);
    expect(processor.stats()).toMatchObject({ sent: 6, queued: 0 });

    await provider.shutdown();
    trace.disable();
  });

  it("sends the key as a bearer token and never elsewhere", async () => {
    const inserts = server.requests.filter((r) => r.path.endsWith("/insert"));
    expect(inserts.length).toBeGreaterThan(0);
    for (const r of inserts) {
      expect(r.headers.authorization).toBe("Bearer ***");
      expect(JSON.stringify(r.body)).not.toContain(server.apiKey);
    }
  });
});

describe("BraintrustExporter end to end", () => {
  for (const [label, make] of [
    ["BatchSpanProcessor", (e: BraintrustExporter) => new BatchSpanProcessor(e, { scheduledDelayMillis: 50 })],
    ["SimpleSpanProcessor", (e: BraintrustExporter) => new SimpleSpanProcessor(e)],
  ] as const) {
    it(`delivers the trace tree under ${label}`, async () => {
      const projectName = `e2e-exporter-${label}`;
      const exporter = new BraintrustExporter({ apiKey: server.apiKey, apiUrl: server.url, projectName });
      const provider = providerWith(make(exporter));
      trace.setGlobalTracerProvider(provider);

      const root = runInteraction("e2e-exporter");
      await provider.forceFlush();

      expectTree(projectName, root.spanId, root.traceId);
      expect(exporter.stats().sent).toBe(3);
      await provider.shutdown();
      trace.disable();
    });
  }
});

describe("misconfiguration", () => {
  it("never throws into span calls, and ready() says what is missing", async () => {
    const processor = new BraintrustSpanProcessor({ apiUrl: server.url, projectName: "x", env: {} });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("misconfigured");
    expect(() => tracer.startActiveSpan("s", (s) => s.end())).not.toThrow();
    await expect(processor.ready()).rejects.toThrow(/`apiKey`.*BRAINTRUST_API_KEY/);
    await expect(processor.forceFlush()).resolves.toBeUndefined();
    expect(processor.stats().dropped.unresolved).toBe(1);
    await provider.shutdown();
  });

  it("rejects ready() with a clear message on a bad key, without the key", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: "sk-wrong-key-0000", apiUrl: server.url, projectName: "x", env: {} });
    const error = await processor.ready().then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/401|API key/i);
    expect(error?.message).not.toContain("sk-wrong-key-0000");
    await processor.shutdown();
  });
});
