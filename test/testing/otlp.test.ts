// OTLP intake, driven by the real OTLP/HTTP JSON exporter from the OpenTelemetry JS SDK:
// what it sends to POST /otel/v1/traces is stored as the exporter's own conversion of
// the same spans would be.
import { SpanStatusCode, context, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBraintrustEvent } from "../../src/convert/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { call, projectId } from "./helpers.js";

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

  it("answers a wrong request with the reason, and stores nothing", async () => {
    const body = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "1".repeat(32), spanId: "2".repeat(16), name: "x", startTimeUnixNano: "1700000000000000000" }] }] }] };
    const post = (headers: Record<string, string>, payload: unknown = body) =>
      fetch(`${lb.url}/otel/v1/traces`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${lb.apiKey}`, ...headers }, body: typeof payload === "string" ? payload : JSON.stringify(payload) }).then(async (r) => ({ status: r.status, json: (await r.json()) as { code?: number; message?: string; error?: string } }));

    expect(await post({})).toEqual({ status: 400, json: { code: 3, message: expect.stringContaining("send an x-bt-parent header") } });
    expect(await post({ "x-bt-parent": "project:oops" })).toEqual({ status: 400, json: { code: 3, message: expect.stringContaining("x-bt-parent: expected project_name:NAME") } });
    expect(await post({ "x-bt-parent": "project_id:00000000-0000-4000-8000-000000000000" })).toMatchObject({ status: 404 });
    expect(await post({ "x-bt-parent": "experiment_id:00000000-0000-4000-8000-000000000000" })).toMatchObject({ status: 404 });
    expect(await post({ "x-bt-parent": "project_name:otlp-bad", "content-type": "application/x-protobuf" })).toEqual({
      status: 415,
      json: { code: 3, message: expect.stringContaining("OTEL_EXPORTER_OTLP_PROTOCOL=http/json") },
    });
    expect(await post({ "x-bt-parent": "project_name:otlp-bad" }, "{not json")).toMatchObject({ status: 400 });
    expect(await post({ "x-bt-parent": "project_name:otlp-bad", "content-encoding": "gzip" })).toMatchObject({ status: 415, json: { message: expect.stringContaining("compression: none") } });
    const badId = structuredClone(body);
    badId.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.spanId = "xyz";
    expect(await post({ "x-bt-parent": "project_name:otlp-bad" }, badId)).toEqual({
      status: 400,
      json: { code: 3, message: "Invalid request: resourceSpans[0].scopeSpans[0].spans[0].spanId: must be 16 hex digits" },
    });
    expect(await post({ "x-bt-parent": "project_name:otlp-bad", authorization: "Bearer sk-wrong" })).toMatchObject({ status: 401 });
    expect(lb.projects().some((p) => p.name === "otlp-bad")).toBe(false);
    expect((await call(lb, "GET", "/otel/v1/traces")).status).toBe(405);

    expect(await post({ "x-bt-parent": "project_name:otlp-good" })).toEqual({ status: 200, json: {} });
    expect(lb.rows("otlp-good").map((r) => [r.span_id, r.root_span_id, r.created])).toEqual([["2".repeat(16), "1".repeat(32), "2023-11-14T22:13:20.000Z"]]);
  });
});
