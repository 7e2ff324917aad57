// The documented setup routes besides register(): NodeSDK with `spanProcessors`, NodeSDK
// with `traceExporter`, and the processor added to a provider that also feeds another
// backend. Each must deliver the same trace tree.
import { propagation, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BraintrustExporter, BraintrustSpanProcessor } from "../src/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "../src/testing/index.js";
import { providerWith } from "./helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());
// Each route registers its own provider; the context manager (AsyncLocalStorage) stays.
afterEach(() => {
  trace.disable();
  propagation.disable();
});

// NodeSDK pins its own SDK 2.x; the version matrix swaps the SDK under the other routes only.
const sdkNodeRuns = !process.env.OTEL_SDK_MATRIX || process.env.OTEL_SDK_MATRIX === "2";

const options = (projectName: string) => ({ apiKey: server.apiKey, apiUrl: server.url, projectName });

/** An LLM call inside a request, through the global API as application code would do it. */
async function appRequest(): Promise<string> {
  const tracer = trace.getTracer("app");
  return tracer.startActiveSpan("POST /chat", async (root) => {
    await tracer.startActiveSpan("chat gpt-4o", { attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o" } }, async (llm) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      llm.setAttribute("gen_ai.usage.input_tokens", 12);
      llm.end();
    });
    root.end();
    return root.spanContext().traceId;
  });
}

function expectRequestTree(project: string, traceId: string) {
  const rows = server.rows(project).filter((r) => r.root_span_id === traceId);
  expect(rows).toHaveLength(2);
  const root = rows.find((r) => r.span_attributes?.name === "POST /chat")!;
  const llm = rows.find((r) => r.span_attributes?.name === "chat gpt-4o")!;
  expect(llm.span_parents).toEqual([root.span_id]);
  expect(llm).toMatchObject({ span_attributes: { type: "llm" }, metadata: { model: "gpt-4o" }, metrics: { prompt_tokens: 12 } });
}

it("runs on the SDK major the matrix selected", () => {
  const span = providerWith().getTracer("probe").startSpan("probe");
  span.end();
  const major = "instrumentationLibrary" in span ? "1" : new BasicTracerProvider().constructor.name === "TracerProvider" ? "3" : "2";
  expect(major).toBe(process.env.OTEL_SDK_MATRIX ?? "2");
});

describe.runIf(sdkNodeRuns)("NodeSDK", () => {
  it("spanProcessors: [new BraintrustSpanProcessor()]", async () => {
    const { NodeSDK } = await import("@opentelemetry/sdk-node");
    const processor = new BraintrustSpanProcessor(options("setup-nodesdk-processor"));
    const sdk = new NodeSDK({ spanProcessors: [processor], instrumentations: [], autoDetectResources: false });
    sdk.start();
    const traceId = await appRequest();
    await sdk.shutdown();
    expectRequestTree("setup-nodesdk-processor", traceId);
  });

  it("traceExporter: new BraintrustExporter()", async () => {
    const { NodeSDK } = await import("@opentelemetry/sdk-node");
    const exporter = new BraintrustExporter(options("setup-nodesdk-exporter"));
    const sdk = new NodeSDK({ traceExporter: exporter, instrumentations: [], autoDetectResources: false });
    sdk.start();
    const traceId = await appRequest();
    await sdk.shutdown(); // NodeSDK wraps the exporter in a BatchSpanProcessor, flushed here
    expectRequestTree("setup-nodesdk-exporter", traceId);
  });
});

describe("an existing provider", () => {
  it("runs the processor beside the app's other processors; both see every span", async () => {
    const otherBackend = new InMemorySpanExporter();
    const processor = new BraintrustSpanProcessor(options("setup-existing"));
    const provider = providerWith(new SimpleSpanProcessor(otherBackend), processor);
    trace.setGlobalTracerProvider(provider);
    const traceId = await appRequest();
    await processor.forceFlush();
    expectRequestTree("setup-existing", traceId);
    expect(otherBackend.getFinishedSpans().map((s) => s.name).sort()).toEqual(["POST /chat", "chat gpt-4o"]);
    await provider.shutdown();
  });

  it("SimpleSpanProcessor(new BraintrustExporter()) delivers the same tree", async () => {
    const exporter = new BraintrustExporter(options("setup-simple-exporter"));
    const provider = providerWith(new SimpleSpanProcessor(exporter));
    trace.setGlobalTracerProvider(provider);
    const traceId = await appRequest();
    await provider.forceFlush();
    expectRequestTree("setup-simple-exporter", traceId);
    await provider.shutdown();
  });
});
