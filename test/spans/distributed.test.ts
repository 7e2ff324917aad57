// Two services over real HTTP with the W3C propagators: A calls B, and B's rows land in A's
// project, in A's trace, under A's span, because B honours the `braintrust.parent` that A
// put in baggage. Each service has its own tracer provider and processor, as two processes would.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Context, context, defaultTextMapGetter, defaultTextMapSetter, trace } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addParentToBaggage, addSpanParentToBaggage, BraintrustSpanProcessor, parentFromHeaders } from "../../src/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { providerWith } from "../helpers/tracing.js";

const w3c = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

let braintrust: LocalBraintrust;
beforeAll(async () => {
  braintrust = await startLocalBraintrust();
});
afterAll(() => braintrust.close());

/** Service B: an HTTP handler that continues the caller's trace and makes an LLM call. */
async function startServiceB(projectName: string, received: Record<string, string>[]) {
  const processor = new BraintrustSpanProcessor({ apiKey: braintrust.apiKey, apiUrl: braintrust.url, projectName });
  const provider = providerWith(processor);
  const tracer = provider.getTracer("service-b");
  const server: Server = createServer((req, res) => {
    received.push({ ...(req.headers as Record<string, string>) });
    const parent = w3c.extract(context.active(), req.headers, defaultTextMapGetter);
    tracer.startActiveSpan("POST /summarize", {}, parent, (span) => {
      tracer.startActiveSpan("chat gpt-4o", { attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o" } }, (llm) => llm.end());
      res.end("ok");
      span.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/summarize`,
    processor,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await provider.shutdown();
    },
  };
}

async function call(url: string, ctx: Context): Promise<void> {
  const headers: Record<string, string> = {};
  w3c.inject(ctx, headers, defaultTextMapSetter);
  const res = await fetch(url, { method: "POST", headers });
  await res.text();
}

describe("distributed tracing across two services", () => {
  it("B's rows land in A's project, in A's trace, under A's span", async () => {
    const projectA = `service-a-${randomUUID()}`;
    const projectB = `service-b-${randomUUID()}`;
    const received: Record<string, string>[] = [];
    const b = await startServiceB(projectB, received);
    const processorA = new BraintrustSpanProcessor({ apiKey: braintrust.apiKey, apiUrl: braintrust.url, projectName: "not-used-by-this-trace" });
    const providerA = providerWith(processorA);
    const tracerA = providerA.getTracer("service-a");

    let callSpanId = "";
    let traceId = "";
    await tracerA.startActiveSpan("handle request", { attributes: { "braintrust.parent": `project_name:${projectA}` } }, async (root) => {
      traceId = root.spanContext().traceId;
      await tracerA.startActiveSpan("POST service-b", async (client) => {
        callSpanId = client.spanContext().spanId;
        // The child got its parent's braintrust.parent at start, so this works on it.
        const ctx = addSpanParentToBaggage(client, context.active());
        expect(ctx).toBeDefined();
        await call(b.url, ctx!);
        client.end();
      });
      root.end();
    });
    await processorA.forceFlush();
    await b.processor.forceFlush();

    expect(received[0]!.baggage).toContain("braintrust.parent=");
    expect(parentFromHeaders(received[0]!)).toBeDefined();
    const rows = braintrust.rows(projectA);
    const byName = new Map(rows.map((r) => [r.span_attributes!.name as string, r]));
    expect([...byName.keys()].sort()).toEqual(["POST /summarize", "POST service-b", "chat gpt-4o", "handle request"]);
    expect(rows.every((r) => r.root_span_id === traceId)).toBe(true);
    expect(byName.get("POST /summarize")!.span_parents).toEqual([callSpanId]);
    expect(byName.get("chat gpt-4o")!.span_parents).toEqual([byName.get("POST /summarize")!.span_id]);
    expect(braintrust.rows(projectB)).toHaveLength(0);
    expect(braintrust.rows("not-used-by-this-trace")).toHaveLength(0);

    await providerA.shutdown();
    await b.close();
  });

  it("without braintrust.parent in baggage, B logs to its own project, still in A's trace under A's span", async () => {
    const projectB = `service-b-own-${randomUUID()}`;
    const b = await startServiceB(projectB, []);
    const processorA = new BraintrustSpanProcessor({ apiKey: braintrust.apiKey, apiUrl: braintrust.url, projectName: `service-a-own-${randomUUID()}` });
    const providerA = providerWith(processorA);
    const tracerA = providerA.getTracer("service-a");
    const root = tracerA.startSpan("job");
    await call(b.url, trace.setSpan(context.active(), root));
    root.end();
    await processorA.forceFlush();
    await b.processor.forceFlush();

    const rows = braintrust.rows(projectB);
    expect(rows.map((r) => r.span_attributes?.name).sort()).toEqual(["POST /summarize", "chat gpt-4o"]);
    expect(rows.every((r) => r.root_span_id === root.spanContext().traceId)).toBe(true);
    expect(rows.find((r) => r.span_attributes?.name === "POST /summarize")!.span_parents).toEqual([root.spanContext().spanId]);
    await providerA.shutdown();
    await b.close();
  });

  it("addParentToBaggage routes the callee without any attribute on the caller", async () => {
    const projectA = `service-a-explicit-${randomUUID()}`;
    const b = await startServiceB(`service-b-explicit-${randomUUID()}`, []);
    const processorA = new BraintrustSpanProcessor({ apiKey: braintrust.apiKey, apiUrl: braintrust.url, projectName: projectA });
    const providerA = providerWith(processorA);
    const root = providerA.getTracer("service-a").startSpan("job");
    await call(b.url, addParentToBaggage(`project_name:${projectA}`, trace.setSpan(context.active(), root)));
    root.end();
    await processorA.forceFlush();
    await b.processor.forceFlush();
    expect(braintrust.rows(projectA).map((r) => r.span_attributes?.name).sort()).toEqual(["POST /summarize", "chat gpt-4o", "job"]);
    await providerA.shutdown();
    await b.close();
  });
});
