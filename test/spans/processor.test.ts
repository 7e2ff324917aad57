// The processor's own behaviour: start rows for long-running spans, impersonation, its
// bookkeeping staying bounded, and never throwing into the app.
import { context, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor } from "../../src/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

const options = (projectName: string) => ({ apiKey: server.apiKey, apiUrl: server.url, projectName });

describe("logSpanStart", () => {
  it("makes a running span visible at the server, then completes the same row when it ends", async () => {
    const processor = new BraintrustSpanProcessor({ ...options("start-rows"), logSpanStart: true });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("agent");
    const agent = tracer.startSpan("agent run", {
      attributes: { "gen_ai.operation.name": "invoke_agent", "braintrust.input_json": JSON.stringify({ task: "plan a trip" }) },
    });
    const step = tracer.startSpan("step 1", { attributes: { input: "search flights" } }, trace.setSpan(context.active(), agent));
    await processor.forceFlush();

    // Both are still running: their partial rows are there already.
    const running = server.rows("start-rows");
    expect(running).toHaveLength(2);
    const partial = running.find((r) => r.span_attributes?.name === "agent run")!;
    expect(partial).toMatchObject({
      id: agent.spanContext().spanId,
      span_id: agent.spanContext().spanId,
      root_span_id: agent.spanContext().traceId,
      span_attributes: { name: "agent run", type: "task" },
      input: { task: "plan a trip" },
    });
    expect(partial.metrics?.start).toBeGreaterThan(0);
    expect(partial.metrics?.end).toBeUndefined();
    expect(partial.output).toBeUndefined();
    const partialStep = running.find((r) => r.span_attributes?.name === "step 1")!;
    expect(partialStep.span_parents).toEqual([agent.spanContext().spanId]);
    expect(partialStep.input).toBe("search flights");

    step.setAttribute("output", "3 flights");
    step.end();
    agent.setAttribute("braintrust.output_json", JSON.stringify({ plan: "fly" }));
    agent.setAttribute("braintrust.metadata", JSON.stringify({ steps: 1 }));
    agent.end();
    await processor.forceFlush();

    const done = server.rows("start-rows");
    expect(done).toHaveLength(2);
    const full = done.find((r) => r.span_attributes?.name === "agent run")!;
    expect(full).toMatchObject({
      id: agent.spanContext().spanId,
      input: { task: "plan a trip" },
      output: { plan: "fly" },
      metadata: { steps: 1 },
      span_attributes: { name: "agent run", type: "task" },
    });
    expect(full.metrics?.end).toBeGreaterThanOrEqual(full.metrics!.start!);
    expect(full.created).toBe(partial.created);
    expect(done.find((r) => r.span_attributes?.name === "step 1")).toMatchObject({ input: "search flights", output: "3 flights" });

    // Both writes were merges, so a late start row could not replace the finished one.
    const inserts = server.requests.filter((r) => r.path.endsWith("/insert"));
    const sent = inserts.flatMap((r) => (r.body as { events: { id: string; _is_merge?: boolean }[] }).events);
    const forAgent = sent.filter((e) => e.id === agent.spanContext().spanId);
    expect(forAgent).toHaveLength(2);
    expect(forAgent.every((e) => e._is_merge === true)).toBe(true);
    await provider.shutdown();
  });

  it("with filtering, writes start rows only for spans that are kept, and links them once an ancestor turns out kept", async () => {
    const processor = new BraintrustSpanProcessor({ ...options("start-rows-filtered"), logSpanStart: true, filterAISpans: true });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("agent");
    const root = tracer.startSpan("POST /agent");
    const ctx = trace.setSpan(context.active(), root);
    const noise = tracer.startSpan("redis.get", {}, ctx);
    const llm = tracer.startSpan("chat", { attributes: { "gen_ai.operation.name": "chat" } }, trace.setSpan(ctx, noise));
    await processor.forceFlush();
    // Only the LLM call is an AI span so far; its ancestors are undecided, so it names none yet.
    expect(server.rows("start-rows-filtered").map((r) => r.span_attributes?.name)).toEqual(["chat"]);
    expect(server.rows("start-rows-filtered")[0]!.span_parents).toBeUndefined();
    llm.end();
    noise.end();
    // The request span becomes an AI span after it started: it is kept, and the call is linked to it.
    root.setAttribute("braintrust.output_json", JSON.stringify("planned"));
    root.end();
    await processor.forceFlush();
    const rows = server.rows("start-rows-filtered");
    expect(rows.map((r) => r.span_attributes?.name).sort()).toEqual(["POST /agent", "chat"]);
    expect(rows.find((r) => r.span_attributes?.name === "chat")!.span_parents).toEqual([root.spanContext().spanId]);
    expect(rows.every((r) => r.metrics?.end !== undefined)).toBe(true);
    await provider.shutdown();
  });
});

describe("impersonateUser", () => {
  it("sends x-bt-impersonate-user on every request, from the option or the environment", async () => {
    for (const [project, opts] of [
      ["impersonate-option", { impersonateUser: "user-42" }],
      ["impersonate-env", { env: { BRAINTRUST_IMPERSONATE_USER: "user-42" } }],
    ] as const) {
      const before = server.requests.length;
      const processor = new BraintrustSpanProcessor({ ...options(project), ...opts });
      const provider = providerWith(processor);
      provider.getTracer("t").startSpan("s").end();
      await processor.forceFlush();
      const requests = server.requests.slice(before);
      expect(requests.map((r) => r.path)).toEqual(expect.arrayContaining(["/v1/project", expect.stringMatching(/\/insert$/)]));
      for (const request of requests) expect(request.headers["x-bt-impersonate-user"]).toBe("user-42");
      expect(server.rows(project)).toHaveLength(1);
      await provider.shutdown();
    }
  });
});

describe("never hurts the app", () => {
  it("a processor without an API key accepts spans silently and reports why it is idle", async () => {
    const processor = new BraintrustSpanProcessor({ env: {} });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("t");
    expect(() => tracer.startActiveSpan("s", (s) => s.end())).not.toThrow();
    await expect(processor.ready()).rejects.toThrow(/no API key/);
    expect(processor.stats().dropped.unresolved).toBe(1);
    await provider.shutdown();
  });

  it("a span that is not span-shaped is dropped, not thrown", () => {
    const processor = new BraintrustSpanProcessor({ ...options("bad-spans"), filterAISpans: true, logSpanStart: true });
    const broken = { name: "x", spanContext: () => { throw new Error("nope"); } } as never;
    expect(() => processor.onStart(broken, context.active())).not.toThrow();
    expect(() => processor.onEnd(broken)).not.toThrow();
    expect(processor.stats().dropped.invalid).toBe(1);
    return processor.shutdown();
  });

  it("after shutdown, spans are counted as dropped", async () => {
    const processor = new BraintrustSpanProcessor(options("after-shutdown"));
    const provider = providerWith(processor);
    const span = provider.getTracer("t").startSpan("late");
    await processor.shutdown();
    span.end();
    expect(processor.stats().dropped.shutdown).toBe(1);
  });
});

describe("bookkeeping", () => {
  it("the processor remembers the last 1,000 finished traces for late children, and forgets older ones", async () => {
    const processor = new BraintrustSpanProcessor({ ...options("bookkeeping"), filterAISpans: true });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("t");
    // 1,001 traces of one kept span each, all finished: the first finished longest ago.
    const roots = Array.from({ length: 1001 }, (_, i) => {
      const root = tracer.startSpan(`ai.request ${i}`);
      root.end();
      return root;
    });
    // A child that starts after its trace ended (a handler's waitUntil) names its parent only if the processor still knows it.
    const late = (i: number) => tracer.startSpan(`ai.late ${i}`, {}, trace.setSpan(context.active(), roots[i]!)).end();
    late(1);
    late(0);
    await processor.forceFlush();
    const rows = new Map(server.rows("bookkeeping").map((r) => [r.span_attributes!.name as string, r]));
    expect(rows.size).toBe(1003);
    expect(rows.get("ai.late 1")!.span_parents).toEqual([roots[1]!.spanContext().spanId]);
    expect(rows.get("ai.late 0")!.span_parents).toBeUndefined(); // forgotten: no parent is safe to name
    await provider.shutdown();
  });
});
