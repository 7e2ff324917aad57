// OTLP trace intake, driven by OpenTelemetry JS's own OTLP/HTTP exporters (protobuf and
// JSON, with and without gzip): what they send to POST /otel/v1/traces is stored as the
// exporter's own conversion of the same spans would be.
import { SpanStatusCode, context, diag, DiagLogLevel, trace } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBraintrustEvent } from "../../src/convert/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { projectId } from "./helpers.js";

let lb: LocalBraintrust;
beforeAll(async () => {
  lb = await startLocalBraintrust();
});
afterAll(() => lb.close());

/** A provider that sends over OTLP to the local server and keeps a copy of each span. */
function otlpProvider(headers: Record<string, string>) {
  const memory = new InMemorySpanExporter();
  const otlp = new OTLPTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers: { authorization: `Bearer ${lb.apiKey}`, ...headers } });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": "otlp-app" }),
    spanProcessors: [new SimpleSpanProcessor(memory), new SimpleSpanProcessor(otlp)],
  });
  return { provider, memory, tracer: provider.getTracer("otlp-test") };
}

/** An agent turn: a task root, an LLM call in GenAI semconv, a tool call, and a failing span. */
function agentTurn(tracer: ReturnType<NodeTracerProvider["getTracer"]>) {
  const root = tracer.startSpan("agent turn", { attributes: { user_id: "user123" } });
  const ctx = trace.setSpan(context.active(), root);
  const llm = tracer.startSpan("chat gpt-4o-mini", {
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] }]),
      "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "Sunny, 21°C." }] }]),
      "gen_ai.usage.input_tokens": 12,
      "gen_ai.usage.output_tokens": 5,
      "tags.list": ["a", "b"],
    },
  }, ctx);
  llm.end();
  const tool = tracer.startSpan("execute_tool weather", { attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.call.arguments": '{"city":"Paris"}' } }, ctx);
  tool.end();
  const failing = tracer.startSpan("lookup", {}, ctx);
  failing.recordException(new TypeError("no such city"));
  failing.setStatus({ code: SpanStatusCode.ERROR, message: "no such city" });
  failing.end();
  root.end();
}

/** The row as stored, without the fields the server adds. */
function sent(row: Record<string, unknown>) {
  const { _xact_id, project_id, org_id, log_id, ...rest } = row;
  return rest;
}

describe("POST /otel/v1/traces", () => {
  it("stores what the real OTLP/HTTP JSON exporter sends, converted by the exporter's own mapping", async () => {
    const { provider, memory, tracer } = otlpProvider({ "x-bt-parent": "project_name:otlp-demo" });
    agentTurn(tracer);
    await provider.forceFlush();
    await provider.shutdown();

    const rows = lb.rows("otlp-demo");
    expect(rows).toHaveLength(4);
    const expected = memory.getFinishedSpans().map((span) => JSON.parse(JSON.stringify(toBraintrustEvent(span))));
    const byId = new Map(rows.map((r) => [r.id, sent(r)]));
    for (const event of expected) expect(byId.get(event.id)).toEqual(event);

    const llm = rows.find((r) => r.span_attributes?.name === "chat gpt-4o-mini")!;
    expect(llm.span_attributes?.type).toBe("llm");
    expect(llm.input).toEqual([{ role: "user", content: "Weather in Paris?" }]);
    expect(llm.metadata).toMatchObject({ model: "gpt-4o-mini", provider: "openai", "service.name": "otlp-app", "tags.list": ["a", "b"] });
    expect(llm.metrics).toMatchObject({ prompt_tokens: 12, completion_tokens: 5, tokens: 17 });
    expect(rows.find((r) => r.span_attributes?.name === "lookup")!.error).toMatch(/^TypeError: no such city/);
    const root = rows.find((r) => r.span_attributes?.name === "agent turn")!;
    expect(root.span_parents).toBeUndefined();
    expect(rows.filter((r) => r !== root).every((r) => r.span_parents?.[0] === root.span_id && r.root_span_id === root.root_span_id)).toBe(true);
  });

  it("routes by project_id, experiment_id, or a span's braintrust.parent over the header", async () => {
    const id = await projectId(lb, "otlp-by-id");
    const experiment = lb.createExperiment("otlp-by-id", "exp-1");
    const byId = otlpProvider({ "x-bt-parent": `project_id:${id}` });
    byId.tracer.startSpan("by id").end();
    byId.tracer.startSpan("elsewhere", { attributes: { "braintrust.parent": "project_name:otlp-attr" } }).end();
    byId.tracer.startSpan("to experiment", { attributes: { "braintrust.parent": `experiment_id:${experiment.id}` } }).end();
    await byId.provider.shutdown();
    expect(lb.rows("otlp-by-id").map((r) => r.span_attributes?.name)).toEqual(["by id"]);
    expect(lb.rows("otlp-attr").map((r) => r.span_attributes?.name)).toEqual(["elsewhere"]);
    expect(lb.experimentRows(experiment.id).map((r) => r.span_attributes?.name)).toEqual(["to experiment"]);
  });

  it("stores the same rows from protobuf and JSON, with and without gzip, and each export succeeds", async () => {
    const memory = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ "service.name": "otlp-app" }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    agentTurn(provider.getTracer("otlp-test"));
    const spans = memory.getFinishedSpans(); // before shutdown(), which empties the memory
    expect(spans).toHaveLength(4);
    const expected = spans.map((span) => JSON.parse(JSON.stringify(toBraintrustEvent(span))));

    const senders: Array<[string, (headers: Record<string, string>) => SpanExporter, string, string | undefined]> = [
      ["protobuf", (headers) => new OTLPProtoTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers }), "application/x-protobuf", undefined],
      ["protobuf-gzip", (headers) => new OTLPProtoTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers, compression: "gzip" as never }), "application/x-protobuf", "gzip"],
      ["json", (headers) => new OTLPTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers }), "application/json", undefined],
      ["json-gzip", (headers) => new OTLPTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers, compression: "gzip" as never }), "application/json", "gzip"],
    ];
    for (const [name, make, contentType, encoding] of senders) {
      const exporter = make({ authorization: `Bearer ${lb.apiKey}`, "x-bt-parent": `project_name:otlp-${name}` });
      const result = await exportSpans(exporter, spans);
      await exporter.shutdown();
      expect(result, name).toMatchObject({ code: ExportResultCode.SUCCESS });
      const request = lb.requests.filter((r) => r.path === "/otel/v1/traces").at(-1)!;
      expect([request.headers["content-type"], request.headers["content-encoding"]], name).toEqual([contentType, encoding]);
      const rows = lb.rows(`otlp-${name}`);
      expect(rows.map(sent), name).toEqual(expect.arrayContaining(expected));
      expect(rows, name).toHaveLength(expected.length);
    }
    const llm = lb.rows("otlp-protobuf").find((r) => r.span_attributes?.name === "chat gpt-4o-mini")!;
    expect(llm).toMatchObject({ span_attributes: { type: "llm" }, input: [{ role: "user", content: "Weather in Paris?" }], metrics: { tokens: 17 } });
  });

  it("answers partial success when some spans are refused, and the exporter's own parser reads it", async () => {
    const warnings: string[] = [];
    diag.setLogger({ error: () => {}, warn: (...args) => warnings.push(args.join(" ")), info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    try {
      for (const [name, exporter] of [
        ["protobuf", new OTLPProtoTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers: { authorization: `Bearer ${lb.apiKey}` } })],
        ["json", new OTLPTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers: { authorization: `Bearer ${lb.apiKey}` } })],
      ] as const) {
        const memory = new InMemorySpanExporter();
        const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
        const tracer = provider.getTracer("partial");
        tracer.startSpan("kept", { attributes: { "braintrust.parent": `project_name:otlp-partial-${name}` } }).end();
        tracer.startSpan("nowhere").end();
        tracer.startSpan("gone", { attributes: { "braintrust.parent": "experiment_id:00000000-0000-4000-8000-000000000000" } }).end();
        warnings.length = 0;
        expect(await exportSpans(exporter, memory.getFinishedSpans())).toMatchObject({ code: ExportResultCode.SUCCESS });
        await exporter.shutdown();
        expect(lb.rows(`otlp-partial-${name}`).map((r) => r.span_attributes?.name)).toEqual(["kept"]);
        // What OpenTelemetry's exporter logs after decoding the answer with its own parser.
        const warning = warnings.find((w) => w.startsWith("Received Partial Success response:"));
        expect(warning, name).toBeDefined();
        expect(JSON.parse(warning!.slice("Received Partial Success response: ".length))).toEqual({
          rejectedSpans: name === "protobuf" ? 2 : "2",
          errorMessage: "2 of 3 spans refused: No destination: send an x-bt-parent header (project_name:NAME or project_id:ID), or set braintrust.parent on the spans; No experiment with id 00000000-0000-4000-8000-000000000000",
        });
      }
    } finally {
      diag.disable();
    }
  });
});

function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}
