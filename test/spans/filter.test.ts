// filterAISpans / customFilter, as Braintrust's spec (feature/filter-ai-spans.md) and
// `@braintrust/otel` define them: a span is judged when it ends; non-AI spans are dropped,
// the trace root included. Beyond the peer: a kept span names its nearest kept ancestor, or
// none, and no row ever names a parent that was not sent. The noise is shaped like a
// Next.js app: an HTTP server span, route and middleware spans, fetches and database calls
// around AI SDK spans.
import { context, type Span, trace } from "@opentelemetry/api";
import { BatchSpanProcessor, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { generateText } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustExporter, BraintrustSpanProcessor, isAISpan, isRootSpan } from "../../src/index.js";
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
function expectNoOrphans(rows: Map<string, Row> | Row[]) {
  const all = [...rows.values()];
  const ids = new Set(all.map((r) => r.span_id));
  for (const row of all) {
    for (const parent of row.span_parents ?? []) expect(ids.has(parent), `${row.span_attributes?.name} names a missing parent`).toBe(true);
  }
}

const AI_ROWS = ["ai.embed", "ai.generateText", "ai.generateText.doGenerate", "ai.toolCall"];

/** The Next.js request as filtered: the AI spans only, each under its nearest AI ancestor. */
function expectFilteredRequest(rows: Map<string, Row>) {
  expect([...rows.keys()].sort()).toEqual(AI_ROWS);
  const id = (name: string) => rows.get(name)!.span_id;
  expect(rows.get("ai.generateText")!.span_parents).toBeUndefined(); // route handler and root dropped
  expect(rows.get("ai.generateText.doGenerate")!.span_parents).toEqual([id("ai.generateText")]);
  expect(rows.get("ai.toolCall")!.span_parents).toEqual([id("ai.generateText")]);
  expect(rows.get("ai.embed")!.span_parents).toEqual([id("ai.toolCall")]); // past pg.query
  expectNoOrphans(rows);
}

async function withProcessor(options: ConstructorParameters<typeof BraintrustSpanProcessor>[0], body: (tracer: ReturnType<typeof trace.getTracer>) => void | Promise<void>) {
  const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, ...options });
  const provider = providerWith(processor);
  await body(provider.getTracer("peer"));
  await processor.forceFlush();
  await provider.shutdown();
  return processor;
}

const namesIn = (project: string) => server.rows(project).map((r) => r.span_attributes?.name).sort();

describe("filterAISpans, restating @braintrust/otel's expectations", () => {
  it("drops a root span that is not an AI span: a trace with no AI span sends nothing", async () => {
    const processor = await withProcessor({ projectName: "peer-root", filterAISpans: true }, (tracer) => {
      tracer.startSpan("root_operation").end();
    });
    expect(server.rows("peer-root")).toHaveLength(0);
    expect(processor.stats().filtered).toBe(1);
  });

  it("keeps spans whose name has an AI prefix, drops the rest and the root", async () => {
    await withProcessor({ projectName: "peer-names", filterAISpans: true }, (tracer) => {
      const root = tracer.startSpan("root");
      const ctx = trace.setSpan(context.active(), root);
      for (const name of ["gen_ai.completion", "braintrust.eval", "llm.generate", "ai.model_call", "traceloop.agent", "database_query"]) {
        tracer.startSpan(name, {}, ctx).end();
      }
      root.end();
    });
    expect(namesIn("peer-names")).toEqual(["ai.model_call", "braintrust.eval", "gen_ai.completion", "llm.generate", "traceloop.agent"]);
    // Their parent was dropped: each is a top-level span of the trace.
    expect(server.rows("peer-names").every((r) => r.span_parents === undefined)).toBe(true);
  });

  it("keeps spans with an AI attribute prefix, and ignores braintrust.parent and braintrust.context_json", async () => {
    await withProcessor({ projectName: "peer-attrs", filterAISpans: true }, (tracer) => {
      const root = tracer.startSpan("root");
      const ctx = trace.setSpan(context.active(), root);
      tracer.startSpan("some.operation", { attributes: { "gen_ai.model": "gpt-4" } }, ctx).end();
      tracer.startSpan("some.operation", { attributes: { "llm.temperature": 0.7 } }, ctx).end();
      tracer.startSpan("some.operation", { attributes: { foo: "bar" } }, ctx).end();
      tracer.startSpan("system.only", {
        attributes: { "braintrust.context_json": JSON.stringify({ span_origin: { name: "x" } }), "braintrust.parent": "project_name:peer-attrs" },
      }, ctx).end();
      root.end();
    });
    const rows = server.rows("peer-attrs");
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.metadata?.["gen_ai.model"] ?? r.metadata?.["llm.temperature"]).sort()).toEqual([0.7, "gpt-4"]);
  });

  it("customFilter with isRootSpan keeps the root; undefined defers to the AI rule", async () => {
    await withProcessor({ projectName: "peer-custom-root", filterAISpans: true, customFilter: (span) => (isRootSpan(span) ? true : undefined) }, (tracer) => {
      const root = tracer.startSpan("root");
      const ctx = trace.setSpan(context.active(), root);
      tracer.startSpan("gen_ai.completion", {}, ctx).end();
      tracer.startSpan("regular_operation", {}, ctx).end();
      root.end();
    });
    const rows = server.rows("peer-custom-root");
    expect(namesIn("peer-custom-root")).toEqual(["gen_ai.completion", "root"]);
    const root = rows.find((r) => r.span_attributes?.name === "root")!;
    expect(rows.find((r) => r.span_attributes?.name === "gen_ai.completion")!.span_parents).toEqual([root.span_id]);
  });

  it("customFilter true keeps, false drops, undefined defers", async () => {
    await withProcessor({
      projectName: "peer-custom",
      filterAISpans: true,
      customFilter: (span) => (span.name.includes("keep") ? true : span.name.includes("drop") ? false : undefined),
    }, (tracer) => {
      const root = tracer.startSpan("root");
      const ctx = trace.setSpan(context.active(), root);
      for (const name of ["custom_keep", "regular_operation", "gen_ai.drop_this", "gen_ai.completion"]) tracer.startSpan(name, {}, ctx).end();
      root.end();
    });
    expect(namesIn("peer-custom")).toEqual(["custom_keep", "gen_ai.completion"]);
  });

  it("judges SDK 1.x-shaped and 2.x-shaped spans alike (parentSpanId or parentSpanContext)", () => {
    const v1 = { name: "db", attributes: {}, parentSpanId: "parent-123" } as unknown as SpanLike;
    const v2 = { name: "db", attributes: {}, parentSpanContext: { spanId: "parent-456", traceId: "t" } } as unknown as SpanLike;
    expect(isRootSpan(v1)).toBe(false);
    expect(isRootSpan(v2)).toBe(false);
    expect(isRootSpan({ name: "r", attributes: {} } as unknown as SpanLike)).toBe(true);
    expect(isAISpan({ ...v1, name: "gen_ai.completion" } as SpanLike)).toBe(true);
    expect(isAISpan({ ...v2, attributes: { "llm.temperature": 0.7 } } as SpanLike)).toBe(true);
    expect(isAISpan(v1) || isAISpan(v2)).toBe(false);
  });
});

describe("BraintrustSpanProcessor with filterAISpans", () => {
  it("drops the noise and the root, and attaches each AI span to its nearest AI ancestor", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "filter-processor", filterAISpans: true });
    const provider = providerWith(processor);
    trace.setGlobalTracerProvider(provider);
    const root = nextJsRequest("filter");
    await processor.forceFlush();
    trace.disable();
    expectFilteredRequest(rowsOf("filter-processor", root.traceId));
    expect(processor.stats().filtered).toBe(6);
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
    expect(rowsOf("filter-env", root.traceId).size).toBe(4);
    await provider.shutdown();
  });

  it("under a remote parent: the server span is dropped, the AI span is top-level (the remote span may not have been kept)", async () => {
    await withProcessor({ projectName: "filter-remote", filterAISpans: true }, (tracer) => {
      const remote = trace.setSpanContext(context.active(), { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1, isRemote: true });
      const serverSpan = tracer.startSpan("POST /chat", { attributes: { "http.method": "POST" } }, remote);
      const ai = tracer.startSpan("ai.streamText", {}, trace.setSpan(remote, serverSpan));
      const llm = tracer.startSpan("ai.streamText.doStream", {}, trace.setSpan(remote, ai));
      llm.end();
      ai.end();
      serverSpan.end();
    });
    const rows = rowsOf("filter-remote", "0af7651916cd43dd8448eb211c80319c");
    expect([...rows.keys()].sort()).toEqual(["ai.streamText", "ai.streamText.doStream"]);
    expect(rows.get("ai.streamText")!.span_parents).toBeUndefined();
    expect(rows.get("ai.streamText.doStream")!.span_parents).toEqual([rows.get("ai.streamText")!.span_id]);
  });

  it("a remote-parented local root that is an AI span is kept, without naming the remote parent", async () => {
    await withProcessor({ projectName: "filter-remote-ai", filterAISpans: true }, (tracer) => {
      const remote = trace.setSpanContext(context.active(), { traceId: "1af7651916cd43dd8448eb211c80319c", spanId: "c7ad6b7169203331", traceFlags: 1, isRemote: true });
      tracer.startSpan("ai.generateText", {}, remote).end();
    });
    const [row] = server.rows("filter-remote-ai");
    expect(row).toMatchObject({ root_span_id: "1af7651916cd43dd8448eb211c80319c", span_attributes: { name: "ai.generateText" } });
    expect(row!.span_parents).toBeUndefined();
  });

  it("an ancestor that becomes an AI span after its child ended still gets the child (a late link)", async () => {
    await withProcessor({ projectName: "filter-late", filterAISpans: true }, (tracer) => {
      const request = tracer.startSpan("POST /agent");
      const agent = tracer.startSpan("agent", {}, trace.setSpan(context.active(), request));
      const hop = tracer.startSpan("http hop", {}, trace.setSpan(context.active(), agent));
      tracer.startSpan("chat gpt-4o", { attributes: { "gen_ai.operation.name": "chat" } }, trace.setSpan(context.active(), hop)).end();
      hop.end();
      // Its output is known only at the end: that is what makes it an AI span.
      agent.setAttribute("braintrust.output_json", JSON.stringify({ answer: 42 }));
      agent.end();
      request.end();
    });
    const rows = new Map(server.rows("filter-late").map((r) => [r.span_attributes!.name as string, r]));
    expect([...rows.keys()].sort()).toEqual(["agent", "chat gpt-4o"]);
    expect(rows.get("agent")!.span_parents).toBeUndefined();
    expect(rows.get("chat gpt-4o")!.span_parents).toEqual([rows.get("agent")!.span_id]);
    expect(rows.get("agent")!.output).toEqual({ answer: 42 });
  });

  it("spans that end out of order: a parent that ends before its child is judged at its own end", async () => {
    await withProcessor({ projectName: "filter-order", filterAISpans: true }, (tracer) => {
      const root = tracer.startSpan("job");
      const agent = tracer.startSpan("ai.agent", {}, trace.setSpan(context.active(), root));
      const noise = tracer.startSpan("queue.publish", {}, trace.setSpan(context.active(), agent));
      const late = tracer.startSpan("ai.callback", {}, trace.setSpan(context.active(), noise));
      agent.end(); // before its descendants
      root.end();
      noise.end();
      late.end();
    });
    const rows = new Map(server.rows("filter-order").map((r) => [r.span_attributes!.name as string, r]));
    expect([...rows.keys()].sort()).toEqual(["ai.agent", "ai.callback"]);
    expect(rows.get("ai.callback")!.span_parents).toEqual([rows.get("ai.agent")!.span_id]);
    expectNoOrphans(rows);
  });

  it("an ancestor that stays noise leaves the child top-level: no row names a parent that was not sent", async () => {
    await withProcessor({ projectName: "filter-noise-up", filterAISpans: true }, (tracer) => {
      const request = tracer.startSpan("GET /");
      const handler = tracer.startSpan("handler", {}, trace.setSpan(context.active(), request));
      tracer.startSpan("ai.generateText", {}, trace.setSpan(context.active(), handler)).end();
      handler.end();
      request.end();
    });
    const rows = server.rows("filter-noise-up");
    expect(rows.map((r) => r.span_attributes?.name)).toEqual(["ai.generateText"]);
    expect(rows[0]!.span_parents).toBeUndefined();
  });
});

describe("filterAISpans with the real AI SDK", () => {
  it("keeps generateText and its model call, drops the request and the noise around them", async () => {
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
    expect([...rows.keys()].sort()).toEqual(["ai.generateText", "ai.generateText.doGenerate"]);
    expect(rows.get("ai.generateText")!.span_parents).toBeUndefined();
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

    const all = server.rows("filter-custom").filter((r) => r.root_span_id === root.traceId);
    expect(all.map((r) => r.span_attributes?.name).sort()).toEqual(["ai.embed", "ai.generateText", "ai.generateText.doGenerate", "pg.query", "pg.query"]);
    // The pg.query under the dropped tool call is attached to ai.generateText; ai.embed to that pg.query.
    const byId = new Map(all.map((r) => [r.span_id, r]));
    const embed = all.find((r) => r.span_attributes?.name === "ai.embed")!;
    const embedParent = byId.get(embed.span_parents![0]!)!;
    expect(embedParent.span_attributes?.name).toBe("pg.query");
    expect(byId.get(embedParent.span_parents![0]!)!.span_attributes?.name).toBe("ai.generateText");
    expectNoOrphans(all);
    expect(seen).toContain("middleware");
    await provider.shutdown();
  });

  it("works alone, unlike @braintrust/otel's: without filterAISpans, undefined keeps the span", async () => {
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
    expectNoOrphans(rows);
    await provider.shutdown();
  });
});

describe("when a span is judged", () => {
  it("at its end, not when its row is built: a filter reading state sees the state of that moment", async () => {
    let keep = true;
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "filter-at-end", customFilter: () => keep });
    const tracer = providerWith(processor).getTracer("t");
    // Several ends in one turn, the verdict changing between them: rows are built after the turn.
    for (const name of ["kept 1", "kept 2"]) tracer.startSpan(name).end();
    keep = false;
    tracer.startSpan("dropped").end();
    keep = true;
    tracer.startSpan("kept 3").end();
    await processor.forceFlush();
    expect(namesIn("filter-at-end")).toEqual(["kept 1", "kept 2", "kept 3"]);
    expect(processor.stats().filtered).toBe(1);
    await processor.shutdown();
  });
});

describe("BraintrustExporter with filterAISpans", () => {
  it("gives the same rows when spans arrive in small batches, children before their parents", async () => {
    const exporter = new BraintrustExporter({ apiKey: server.apiKey, apiUrl: server.url, projectName: "filter-exporter", filterAISpans: true });
    // Batches of 2 split the trace: a span is often exported before its parent is seen.
    const batch = new BatchSpanProcessor(exporter, { maxExportBatchSize: 2, scheduledDelayMillis: 10 });
    const provider = providerWith(batch);
    trace.setGlobalTracerProvider(provider);
    const root = nextJsRequest("filter-exporter");
    await provider.forceFlush();
    trace.disable();
    expectFilteredRequest(rowsOf("filter-exporter", root.traceId));
    expect(exporter.stats().filtered).toBe(6);
    await provider.shutdown();
  });

  it("gives the same rows with the whole trace in one batch", async () => {
    const exporter = new BraintrustExporter({ apiKey: server.apiKey, apiUrl: server.url, projectName: "filter-exporter-one", filterAISpans: true });
    const batch = new BatchSpanProcessor(exporter, { maxExportBatchSize: 100, scheduledDelayMillis: 10_000 });
    const provider = providerWith(batch);
    trace.setGlobalTracerProvider(provider);
    const root = nextJsRequest("filter-exporter-one");
    await provider.forceFlush();
    trace.disable();
    expectFilteredRequest(rowsOf("filter-exporter-one", root.traceId));
    await provider.shutdown();
  });

  it("links a child to an AI parent exported in a later batch", async () => {
    const exporter = new BraintrustExporter({ apiKey: server.apiKey, apiUrl: server.url, projectName: "filter-exporter-late", filterAISpans: true });
    const provider = providerWith(new SimpleSpanProcessor(exporter));
    const tracer = provider.getTracer("late");
    const agent = tracer.startSpan("agent");
    const hop = tracer.startSpan("hop", {}, trace.setSpan(context.active(), agent));
    tracer.startSpan("ai.generateText", {}, trace.setSpan(context.active(), hop)).end();
    hop.end();
    await provider.forceFlush();
    expect(server.rows("filter-exporter-late")[0]!.span_parents).toBeUndefined(); // its parents are not seen yet
    agent.setAttribute("gen_ai.operation.name", "invoke_agent");
    agent.end();
    await provider.forceFlush();
    const rows = new Map(server.rows("filter-exporter-late").map((r) => [r.span_attributes!.name as string, r]));
    expect([...rows.keys()].sort()).toEqual(["agent", "ai.generateText"]);
    expect(rows.get("ai.generateText")!.span_parents).toEqual([rows.get("agent")!.span_id]);
    await provider.shutdown();
  });
});
