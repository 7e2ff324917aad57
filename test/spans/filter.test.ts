// filterAISpans / customFilter: AI spans kept, noise dropped, and no kept row ever names a
// parent that was left out. The noise is shaped like a Next.js app: an HTTP server span,
// route and middleware spans, fetches and database calls around AI SDK spans.
import { type Span, trace } from "@opentelemetry/api";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { generateText } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustExporter, BraintrustSpanProcessor, isAISpan } from "../../src/index.js";
import type { SpanLike } from "../../src/index.js";
import { type LocalBraintrust, type Row, startLocalBraintrust } from "../../src/testing/index.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

const like = (name: string, attributes: Record<string, unknown> = {}) => ({ name, attributes }) as unknown as SpanLike;

describe("isAISpan", () => {
  it("matches the name or any attribute key by prefix", () => {
    expect(isAISpan(like("ai.generateText"))).toBe(true);
    expect(isAISpan(like("chat gpt-4o", { "gen_ai.request.model": "gpt-4o" }))).toBe(true);
    expect(isAISpan(like("x", { "llm.token_count.total": 3 }))).toBe(true);
    expect(isAISpan(like("x", { "traceloop.entity.name": "w" }))).toBe(true);
    expect(isAISpan(like("x", { "braintrust.input_json": "{}" }))).toBe(true);
    expect(isAISpan(like("GET /api/chat", { "http.method": "GET" }))).toBe(false);
    expect(isAISpan(like("aim.x", { "aim.y": 1, "gen_aix.z": 1 }))).toBe(false);
  });

  it("does not count braintrust.parent or braintrust.context_json on their own", () => {
    expect(isAISpan(like("db", { "braintrust.parent": "project_name:p", "braintrust.context_json": "{}" }))).toBe(false);
    expect(isAISpan(like("db", { "braintrust.parent": "project_name:p", "braintrust.metadata": "{}" }))).toBe(true);
  });
});

/**
 * GET /api/chat (HTTP server root)
 *   middleware                       noise
 *   executing api route /api/chat    noise (Next.js)
 *     pg.query                       noise
 *     ai.generateText                AI
 *       ai.generateText.doGenerate   AI
 *         fetch POST api.openai.com  noise
 *       ai.toolCall                  AI
 *         pg.query                   noise
 *           ai.embed (nested AI under noise)
 */
function nextJsRequest(tracerName: string) {
  const tracer = trace.getTracer(tracerName);
  const child = (name: string, attributes: Record<string, string | number>, body?: () => void) =>
    tracer.startActiveSpan(name, { attributes }, (span: Span) => {
      body?.();
      span.end();
    });
  return tracer.startActiveSpan("GET /api/chat", { attributes: { "http.method": "GET", "http.route": "/api/chat" } }, (root) => {
    child("middleware", { "next.span_type": "Middleware.execute" });
    child("executing api route (app) /api/chat", { "next.span_type": "AppRouteRouteHandlers.runHandler" }, () => {
      child("pg.query", { "db.system": "postgresql" });
      child("ai.generateText", { "ai.operationId": "ai.generateText", "ai.prompt": '{"prompt":"hi"}' }, () => {
        child("ai.generateText.doGenerate", { "ai.operationId": "ai.generateText.doGenerate", "ai.model.id": "mock" }, () => {
          child("fetch POST https://api.openai.com/v1/chat", { "http.method": "POST" });
        });
        child("ai.toolCall", { "ai.toolCall.name": "lookup", "ai.toolCall.args": "{}" }, () => {
          child("pg.query", { "db.system": "postgresql" }, () => {
            child("ai.embed", { "ai.operationId": "ai.embed" });
          });
        });
      });
    });
    root.end();
    return root.spanContext();
  });
}

function rowsOf(project: string, traceId: string): Map<string, Row> {
  const rows = server.rows(project).filter((r) => r.root_span_id === traceId);
  return new Map(rows.map((r) => [(r.span_attributes as { name: string }).name, r]));
}

/** Every kept row's parent is a kept row of the same trace. */
function expectNoOrphans(rows: Map<string, Row>) {
  const ids = new Set([...rows.values()].map((r) => r.span_id));
  for (const row of rows.values()) {
    for (const parent of row.span_parents ?? []) expect(ids.has(parent), `${row.span_attributes?.name} names a missing parent`).toBe(true);
  }
}

describe("BraintrustSpanProcessor with filterAISpans", () => {
  it("keeps AI spans and the root, drops the noise, and re-attaches past dropped parents", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "filter-processor", filterAISpans: true });
    const provider = providerWith(processor);
    trace.setGlobalTracerProvider(provider);
    const root = nextJsRequest("filter");
    await processor.forceFlush();
    trace.disable();

    const rows = rowsOf("filter-processor", root.traceId);
    expect([...rows.keys()].sort()).toEqual(["GET /api/chat", "ai.embed", "ai.generateText", "ai.generateText.doGenerate", "ai.toolCall"]);
    const id = (name: string) => rows.get(name)!.span_id;
    expect(rows.get("GET /api/chat")!.span_parents).toBeUndefined();
    expect(rows.get("ai.generateText")!.span_parents).toEqual([id("GET /api/chat")]); // past the route handler
    expect(rows.get("ai.generateText.doGenerate")!.span_parents).toEqual([id("ai.generateText")]);
    expect(rows.get("ai.toolCall")!.span_parents).toEqual([id("ai.generateText")]);
    expect(rows.get("ai.embed")!.span_parents).toEqual([id("ai.toolCall")]); // past pg.query
    expectNoOrphans(rows);
    expect(processor.stats().filtered).toBe(5);
    await provider.shutdown();
  });

  it("reads BRAINTRUST_FILTER_AI_SPANS=true from the environment", async () => {
    const processor = new BraintrustSpanProcessor({
      env: { BRAINTRUST_API_KEY: server.apiKey, BRAINTRUST_API_URL: server.url, BRAINTRUST_PROJECT: "filter-env", BRAINTRUST_FILTER_AI_SPANS: "true" },
    });
    const provider = providerWith(processor);
    trace.setGlobalTracerProvider(provider);
    const root = nextJsRequest("filter-env");
    await processor.forceFlush();
    trace.disable();
    expect(rowsOf("filter-env", root.traceId).size).toBe(5);
    await provider.shutdown();
  });

  it("keeps a remote-parented server span as the local root", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "filter-remote", filterAISpans: true });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("remote");
    const remote = trace.setSpanContext(
      (await import("@opentelemetry/api")).context.active(),
      { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1, isRemote: true },
    );
    const server_ = tracer.startSpan("POST /chat", { attributes: { "http.method": "POST" } }, remote);
    const ai = tracer.startSpan("ai.streamText", {}, trace.setSpan(remote, server_));
    ai.end();
    server_.end();
    await processor.forceFlush();

    const rows = rowsOf("filter-remote", "0af7651916cd43dd8448eb211c80319c");
    expect([...rows.keys()].sort()).toEqual(["POST /chat", "ai.streamText"]);
    expect(rows.get("POST /chat")!.span_parents).toEqual(["b7ad6b7169203331"]);
    expect(rows.get("ai.streamText")!.span_parents).toEqual([server_.spanContext().spanId]);
    await provider.shutdown();
  });
});

describe("filterAISpans with the real AI SDK", () => {
  it("keeps generateText and its model call under the request root, drops the noise around them", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "filter-ai-sdk", filterAISpans: true });
    const provider = providerWith(processor);
    trace.setGlobalTracerProvider(provider);
    const tracer = trace.getTracer("next");
    const model = new MockLanguageModelV3({
      doGenerate: {
        content: [{ type: "text", text: "Paris." }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: { inputTokens: { total: 9, noCache: 9, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 2, text: 2, reasoning: 0 } },
        warnings: [],
      },
    });
    const traceId = await tracer.startActiveSpan("POST /api/chat", { attributes: { "http.request.method": "POST" } }, async (root) => {
      await tracer.startActiveSpan("executing api route (app) /api/chat", async (route) => {
        tracer.startActiveSpan("redis.get session", (s) => s.end());
        await generateText({ model, prompt: "Capital of France?", experimental_telemetry: { isEnabled: true } });
        route.end();
      });
      root.end();
      return root.spanContext().traceId;
    });
    await processor.forceFlush();
    trace.disable();

    const rows = rowsOf("filter-ai-sdk", traceId);
    expect([...rows.keys()].sort()).toEqual(["POST /api/chat", "ai.generateText", "ai.generateText.doGenerate"]);
    expect(rows.get("ai.generateText")!.span_parents).toEqual([rows.get("POST /api/chat")!.span_id]);
    expect(rows.get("ai.generateText.doGenerate")).toMatchObject({ span_attributes: { type: "llm" }, span_parents: [rows.get("ai.generateText")!.span_id] });
    await provider.shutdown();
  });
});

describe("customFilter", () => {
  it("true keeps, false drops, undefined defers to filterAISpans; a throwing filter defers too", async () => {
    const seen: string[] = [];
    const processor = new BraintrustSpanProcessor({
      apiKey: server.apiKey,
      apiUrl: server.url,
      projectName: "filter-custom",
      filterAISpans: true,
      customFilter: (span) => {
        seen.push(span.name);
        if (span.name === "pg.query") return true;
        if (span.name === "ai.toolCall") return false;
        if (span.name === "middleware") throw new Error("boom");
        return undefined;
      },
    });
    const provider = providerWith(processor);
    trace.setGlobalTracerProvider(provider);
    const root = nextJsRequest("filter-custom");
    await processor.forceFlush();
    trace.disable();

    const rows = rowsOf("filter-custom", root.traceId);
    expect(rows.has("ai.toolCall")).toBe(false);
    expect(rows.has("middleware")).toBe(false);
    const names = server.rows("filter-custom").filter((r) => r.root_span_id === root.traceId).map((r) => r.span_attributes?.name).sort();
    expect(names).toEqual(["GET /api/chat", "ai.embed", "ai.generateText", "ai.generateText.doGenerate", "pg.query", "pg.query"]);
    // The pg.query under the dropped tool call is attached to ai.generateText; ai.embed to that pg.query.
    const all = server.rows("filter-custom").filter((r) => r.root_span_id === root.traceId);
    const byId = new Map(all.map((r) => [r.span_id, r]));
    const embed = rows.get("ai.embed")!;
    const embedParent = byId.get(embed.span_parents![0]!)!;
    expect(embedParent.span_attributes?.name).toBe("pg.query");
    expect(byId.get(embedParent.span_parents![0]!)!.span_attributes?.name).toBe("ai.generateText");
    expectNoOrphans(new Map(all.map((r) => [r.span_id, r])));
    expect(seen).toContain("middleware");
    await provider.shutdown();
  });

  it("works alone: without filterAISpans, undefined keeps the span", async () => {
    const processor = new BraintrustSpanProcessor({
      apiKey: server.apiKey,
      apiUrl: server.url,
      projectName: "filter-custom-alone",
      customFilter: (span) => (span.name.startsWith("pg.") ? false : undefined),
    });
    const provider = providerWith(processor);
    trace.setGlobalTracerProvider(provider);
    const root = nextJsRequest("filter-custom-alone");
    await processor.forceFlush();
    trace.disable();
    const rows = server.rows("filter-custom-alone").filter((r) => r.root_span_id === root.traceId);
    expect(rows).toHaveLength(8);
    expect(rows.some((r) => r.span_attributes?.name === "pg.query")).toBe(false);
    expectNoOrphans(new Map(rows.map((r) => [r.span_id, r])));
    await provider.shutdown();
  });
});

describe("BraintrustExporter with filterAISpans", () => {
  it("filters without orphans when spans arrive in batches, children first", async () => {
    const exporter = new BraintrustExporter({ apiKey: server.apiKey, apiUrl: server.url, projectName: "filter-exporter", filterAISpans: true });
    // Batches of 2 split the trace: ai.generateText is exported before its parent, the route
    // handler, is seen. It names that parent, which is then kept although it is noise.
    const batch = new BatchSpanProcessor(exporter, { maxExportBatchSize: 2, scheduledDelayMillis: 10 });
    const provider = providerWith(batch);
    trace.setGlobalTracerProvider(provider);
    const root = nextJsRequest("filter-exporter");
    await provider.forceFlush();
    trace.disable();

    const rows = server.rows("filter-exporter").filter((r) => r.root_span_id === root.traceId);
    const names = rows.map((r) => r.span_attributes?.name);
    for (const ai of ["GET /api/chat", "ai.embed", "ai.generateText", "ai.generateText.doGenerate", "ai.toolCall"]) expect(names).toContain(ai);
    expect(names).not.toContain("middleware");
    expect(names).not.toContain("fetch POST https://api.openai.com/v1/chat");
    expect(names).toContain("executing api route (app) /api/chat");
    expectNoOrphans(new Map(rows.map((r) => [r.span_id, r])));
    expect(exporter.stats().filtered).toBeGreaterThanOrEqual(2);
    await provider.shutdown();
  });

  it("re-attaches past a dropped parent exported in the same batch", async () => {
    const exporter = new BraintrustExporter({ apiKey: server.apiKey, apiUrl: server.url, projectName: "filter-exporter-one", filterAISpans: true });
    const batch = new BatchSpanProcessor(exporter, { maxExportBatchSize: 100, scheduledDelayMillis: 10_000 });
    const provider = providerWith(batch);
    trace.setGlobalTracerProvider(provider);
    const root = nextJsRequest("filter-exporter-one");
    await provider.forceFlush();
    trace.disable();
    const rows = rowsOf("filter-exporter-one", root.traceId);
    expect([...rows.keys()].sort()).toEqual(["GET /api/chat", "ai.embed", "ai.generateText", "ai.generateText.doGenerate", "ai.toolCall"]);
    expect(rows.get("ai.generateText")!.span_parents).toEqual([rows.get("GET /api/chat")!.span_id]);
    expect(rows.get("ai.embed")!.span_parents).toEqual([rows.get("ai.toolCall")!.span_id]);
    await provider.shutdown();
  });
});
