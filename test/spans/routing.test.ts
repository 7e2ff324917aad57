// Routing: the default destination, a span's own `braintrust.parent`, inheritance by its
// descendants, and one processor (or exporter) feeding several projects and an experiment.
import { randomUUID } from "node:crypto";
import { trace } from "@opentelemetry/api";
import { SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustExporter, BraintrustSpanProcessor } from "../../src/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

const names = (rows: { span_attributes?: { name?: string } }[]) => rows.map((r) => r.span_attributes?.name).sort();

function routedTrace(tracerName: string, experimentId: string) {
  const tracer = trace.getTracer(tracerName);
  return tracer.startActiveSpan("request", (root) => {
    tracer.startActiveSpan("default child", (s) => s.end());
    // Set at start: the span and its subtree go to project "routing-b".
    tracer.startActiveSpan("to b", { attributes: { "braintrust.parent": "project_name:routing-b" } }, (b) => {
      tracer.startActiveSpan("b child", (c) => {
        tracer.startActiveSpan("b grandchild", (g) => g.end());
        c.end();
      });
      // A descendant may name its own destination, which its subtree inherits in turn.
      tracer.startActiveSpan("to experiment", { attributes: { "braintrust.parent": `experiment_id:${experimentId}` } }, (e) => {
        tracer.startActiveSpan("experiment child", (c) => c.end());
        e.end();
      });
      b.end();
    });
    // Set after start (the usual `span.setAttribute` in a callback): children still inherit it.
    tracer.startActiveSpan("to c", (c) => {
      c.setAttribute("braintrust.parent", "project_name:routing-c");
      tracer.startActiveSpan("c child", (cc) => cc.end());
      c.end();
    });
    root.end();
    return root.spanContext().traceId;
  });
}

describe("routing with the processor", () => {
  it("sends each subtree where its nearest braintrust.parent says, each project resolved once", async () => {
    const experimentId = server.createExperiment("routing-experiments", randomUUID()).id;
    const before = server.requests.length;
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "routing-a" });
    const provider = providerWith(processor);
    trace.setGlobalTracerProvider(provider);
    routedTrace("routing", experimentId);
    routedTrace("routing", experimentId);
    await processor.forceFlush();
    trace.disable();

    expect(names(server.rows("routing-a"))).toEqual(["default child", "default child", "request", "request"]);
    expect(names(server.rows("routing-b"))).toEqual(["b child", "b child", "b grandchild", "b grandchild", "to b", "to b"]);
    expect(names(server.rows("routing-c"))).toEqual(["c child", "c child", "to c", "to c"]);
    expect(names(server.experimentRows(experimentId))).toEqual(["experiment child", "experiment child", "to experiment", "to experiment"]);
    // Links are kept across destinations: "to b" still names the root as its parent.
    const root = server.rows("routing-a").find((r) => r.span_attributes?.name === "request")!;
    const b = server.rows("routing-b").find((r) => r.span_attributes?.name === "to b" && r.root_span_id === root.root_span_id)!;
    expect(b.span_parents).toEqual([root.span_id]);

    const projectCalls = server.requests.slice(before).filter((r) => r.path === "/v1/project" && r.method === "POST");
    const created = projectCalls.map((r) => (r.body as { name: string }).name).sort();
    expect(created).toEqual(["routing-a", "routing-b", "routing-c"]);
    const experimentInserts = server.requests.slice(before).filter((r) => r.path === `/v1/experiment/${experimentId}/insert`);
    expect(experimentInserts.length).toBeGreaterThan(0);
    await provider.shutdown();
  });

  it("uses the parent option as the default destination", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, parent: "project_name:routing-parent-option" });
    const provider = providerWith(processor);
    provider.getTracer("t").startSpan("one").end();
    await processor.forceFlush();
    expect(names(server.rows("routing-parent-option"))).toEqual(["one"]);
    await provider.shutdown();
  });

  it("sends a span with an invalid braintrust.parent to its inherited destination", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "routing-invalid" });
    const provider = providerWith(processor);
    trace.setGlobalTracerProvider(provider);
    const tracer = trace.getTracer("t");
    tracer.startActiveSpan("outer", { attributes: { "braintrust.parent": "project_name:routing-invalid-b" } }, (outer) => {
      tracer.startSpan("bad", { attributes: { "braintrust.parent": "nonsense" } }).end();
      outer.end();
    });
    await processor.forceFlush();
    trace.disable();
    expect(names(server.rows("routing-invalid-b"))).toEqual(["bad", "outer"]);
    await provider.shutdown();
  });

  it("a span starting after its routed parent ended still inherits (waitUntil-style work)", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "routing-late" });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("t");
    const parent = tracer.startSpan("handler", { attributes: { "braintrust.parent": "project_name:routing-late-b" } });
    const ctx = trace.setSpan((await import("@opentelemetry/api")).context.active(), parent);
    parent.end();
    tracer.startSpan("after response", {}, ctx).end();
    await processor.forceFlush();
    expect(names(server.rows("routing-late-b"))).toEqual(["after response", "handler"]);
    await provider.shutdown();
  });
});

describe("routing with the exporter", () => {
  it("honours braintrust.parent per span and inherits from ancestors exported with it", async () => {
    const experimentId = server.createExperiment("routing-experiments", randomUUID()).id;
    const exporter = new BraintrustExporter({ apiKey: server.apiKey, apiUrl: server.url, projectName: "routing-x-a" });
    // SimpleSpanProcessor exports one span at a time: inheritance then needs the parent
    // exported earlier, which children never are; only own attributes route.
    const provider = providerWith(new SimpleSpanProcessor(exporter));
    const tracer = provider.getTracer("t");
    tracer.startSpan("own", { attributes: { "braintrust.parent": "project_name:routing-x-b" } }).end();
    tracer.startSpan("exp", { attributes: { "braintrust.parent": `experiment_id:${experimentId}` } }).end();
    tracer.startSpan("plain").end();
    await provider.forceFlush();
    expect(names(server.rows("routing-x-b"))).toEqual(["own"]);
    expect(names(server.rows("routing-x-a"))).toEqual(["plain"]);
    expect(names(server.experimentRows(experimentId))).toEqual(["exp"]);
    await provider.shutdown();
  });

  it("inherits within one exported batch", async () => {
    const exporter = new BraintrustExporter({ apiKey: server.apiKey, apiUrl: server.url, projectName: "routing-y-a" });
    const provider = providerWith();
    const tracer = provider.getTracer("t");
    const { context } = await import("@opentelemetry/api");
    const parent = tracer.startSpan("routed", { attributes: { "braintrust.parent": "project_name:routing-y-b" } });
    const child = tracer.startSpan("child", {}, trace.setSpan(context.active(), parent));
    child.end();
    parent.end();
    const done = new Promise<number>((resolve) => exporter.export([child, parent] as never, (r) => resolve(r.code)));
    expect(await done).toBe(0);
    expect(names(server.rows("routing-y-b"))).toEqual(["child", "routed"]);
    await exporter.shutdown();
    await provider.shutdown();
  });
});
