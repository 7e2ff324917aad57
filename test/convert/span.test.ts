import { context, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { toBraintrustEvent } from "../../src/convert/index.js";
import type { SpanLike } from "../../src/convert/types.js";
import { oneSpan, recordSpans } from "../helpers/spans.js";

describe("span identity, tree and times", () => {
  it("maps ids, parents and the root to the Braintrust tree fields", () => {
    const spans = recordSpans((tracer) => {
      const root = tracer.startSpan("root");
      tracer.startSpan("child", {}, trace.setSpan(context.active(), root)).end();
      root.end();
    });
    const [child, root] = spans.map(toBraintrustEvent);
    const rootCtx = spans[1].spanContext();
    expect(root.id).toBe(rootCtx.spanId);
    expect(root.span_id).toBe(rootCtx.spanId);
    expect(root.root_span_id).toBe(rootCtx.traceId);
    expect(root.span_parents).toBeUndefined();
    expect(root.span_attributes).toEqual({ name: "root", type: "task" });
    expect(child.span_parents).toEqual([rootCtx.spanId]);
    expect(child.root_span_id).toBe(rootCtx.traceId);
    expect(child.span_attributes).toEqual({ name: "child" });
  });

  it("gives the same id for the same span every time, so retries replace rows", () => {
    const span = oneSpan({ a: 1 });
    expect(toBraintrustEvent(span).id).toBe(toBraintrustEvent(span).id);
  });

  it("converts hrtime to unix seconds and created to ISO", () => {
    const span = oneSpan({});
    const event = toBraintrustEvent(span);
    const start = span.startTime[0] + span.startTime[1] / 1e9;
    expect(event.metrics.start).toBeCloseTo(start, 6);
    expect(event.metrics.end).toBeGreaterThanOrEqual(event.metrics.start);
    expect(event.created).toBe(new Date(start * 1000).toISOString());
  });

  it("clamps a span that ends before it starts", () => {
    const span = fake({ startTime: [2000, 0], endTime: [1000, 0] });
    const event = toBraintrustEvent(span);
    expect(event.metrics).toEqual({ start: 2000, end: 2000 });
  });

  it("replaces zero or malformed ids instead of sending them", () => {
    const event = toBraintrustEvent(fake({ spanId: "0000000000000000", traceId: "xyz" }));
    expect(event.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(event.span_id).not.toBe("0000000000000000");
    expect(event.root_span_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("accepts only lowercase hex of the right length, not all zeros, even right after a valid id", () => {
    const trace = "0af7651916cd43dd8448eb211c80319c";
    const parent = "b7ad6b7169203331";
    const valid = toBraintrustEvent(fake({ traceId: trace, parentSpanId: parent }));
    expect(valid.root_span_id).toBe(trace);
    expect(valid.span_parents).toEqual([parent]);
    for (const bad of [trace.toUpperCase(), trace.slice(1), `${trace}0`, "0".repeat(32), `${trace.slice(1)}g`, "", trace.replace("a", " ")]) {
      const event = toBraintrustEvent(fake({ traceId: bad }));
      expect(event.root_span_id).toMatch(/^[0-9a-f]{32}$/);
      expect(event.root_span_id).not.toBe(bad);
      // the valid ids are still valid after the invalid ones
      expect(toBraintrustEvent(fake({ traceId: trace, parentSpanId: parent })).root_span_id).toBe(trace);
    }
    for (const bad of [parent.toUpperCase(), parent.slice(1), "0".repeat(16), `${parent.slice(1)}-`]) {
      const event = toBraintrustEvent(fake({ spanId: bad, parentSpanId: bad }));
      expect(event.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(event.span_id).not.toBe(bad);
      expect(event.span_parents).toBeUndefined();
    }
    expect(toBraintrustEvent(fake({ spanId: "000000000000000f" })).span_id).toBe("000000000000000f");
  });

  it("reads the parent from SDK 1.x spans (parentSpanId)", () => {
    const event = toBraintrustEvent(fake({ parentSpanId: "aaaaaaaaaaaaaaaa" }));
    expect(event.span_parents).toEqual(["aaaaaaaaaaaaaaaa"]);
    expect(event.span_attributes.type).toBeUndefined();
  });
});

describe("errors", () => {
  it("turns exception events into Type: message and stack", () => {
    const span = oneSpan({}, {
      events: [["exception", { "exception.type": "TypeError", "exception.message": "boom", "exception.stacktrace": "at x" }]],
      error: "boom",
    });
    expect(toBraintrustEvent(span).error).toBe("TypeError: boom\n\nat x");
  });

  it("uses the status message when there is no exception event", () => {
    expect(toBraintrustEvent(oneSpan({}, { error: "upstream failed" })).error).toBe("upstream failed");
  });

  it("leaves error out of successful spans", () => {
    expect(toBraintrustEvent(oneSpan({})).error).toBeUndefined();
  });
});

function fake(over: Partial<{ spanId: string; traceId: string; parentSpanId: string; startTime: [number, number]; endTime: [number, number] }>): SpanLike {
  return {
    name: "fake",
    spanContext: () => ({ spanId: over.spanId ?? "1111111111111111", traceId: over.traceId ?? "22222222222222222222222222222222" }),
    parentSpanId: over.parentSpanId,
    startTime: over.startTime ?? [1000, 0],
    endTime: over.endTime ?? [1001, 500_000_000],
    attributes: {},
  };
}
