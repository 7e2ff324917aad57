// The distributed tracing helpers, restating @braintrust/otel's expectations for them, plus
// the W3C details Braintrust's spec (features/distributed-tracing.md) asks of a receiver.
import { context, propagation, trace } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addParentToBaggage, addSpanParentToBaggage, parentFromHeaders } from "../../src/index.js";
import { baggageEntry } from "../../src/spans/baggage.js";
import { resetLogState } from "../../src/log.js";
import { captureDiag } from "../helpers/diag.js";

const provider = new BasicTracerProvider();
const tracer = provider.getTracer("baggage");
beforeEach(() => resetLogState());
beforeAll(() => {
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
});
afterAll(() => propagation.disable());

const PARENT = "project_name:test:span_id:abc123:row_id:xyz789";
const entry = (ctx: ReturnType<typeof context.active> | undefined) => propagation.getBaggage(ctx!)?.getEntry("braintrust.parent")?.value;

/** Braintrust's span-components v4 format, read back: [4, type, n, (field, id bytes)…] + JSON. */
function decode(slug: string) {
  const bytes = Buffer.from(slug, "base64");
  expect(bytes[0]).toBe(4);
  const out: Record<string, unknown> = { object_type: bytes[1] };
  let at = 3;
  for (let i = 0; i < bytes[2]!; i++) {
    const field = bytes[at]!;
    const size = field === 3 ? 8 : 16;
    out[field === 3 ? "span_id" : "root_span_id"] = bytes.subarray(at + 1, at + 1 + size).toString("hex");
    at += 1 + size;
  }
  return { ...out, ...JSON.parse(bytes.subarray(at).toString("utf8")) };
}

describe("addParentToBaggage", () => {
  it("puts braintrust.parent in the active context's baggage, or in the given context's", () => {
    expect(entry(addParentToBaggage(PARENT))).toBe(PARENT);
    const given = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: "acme" } }));
    const ctx = addParentToBaggage(PARENT, given);
    expect(entry(ctx)).toBe(PARENT);
    expect(propagation.getBaggage(ctx)!.getEntry("tenant")!.value).toBe("acme"); // other entries kept
  });

  it("is what propagation.inject sends: percent-encoded, and read back exactly", () => {
    const name = 'project_name:Café a,b c;"x"%+';
    const headers: Record<string, string> = {};
    propagation.inject(addParentToBaggage(name), headers);
    expect(headers.baggage).toMatch(/^braintrust\.parent=[\x21-\x7e]+$/);
    expect(baggageEntry(headers.baggage!, "braintrust.parent")).toBe(name);
  });
});

describe("addSpanParentToBaggage", () => {
  it("copies the span's braintrust.parent attribute into baggage", () => {
    const span = tracer.startSpan("test-span");
    span.setAttribute("braintrust.parent", PARENT);
    expect(entry(addSpanParentToBaggage(span))).toBe(PARENT);
    const initial = context.active();
    expect(entry(addSpanParentToBaggage(span, initial))).toBe(PARENT);
    span.end();
  });

  it("returns undefined, with a diag warning, when the span has no braintrust.parent", async () => {
    const diag = captureDiag();
    try {
      const span = tracer.startSpan("test-span");
      expect(addSpanParentToBaggage(span)).toBeUndefined();
      span.end();
      expect(diag.messages.some((m) => m.includes("braintrust.parent"))).toBe(true);
    } finally {
      diag.stop();
    }
  });
});

describe("parentFromHeaders", () => {
  const traceparent = "00-12345678901234567890123456789012-1234567890123456-01";

  it("turns traceparent + braintrust.parent baggage into the parent string Braintrust's SDK takes", () => {
    const slug = parentFromHeaders({ traceparent, baggage: "braintrust.parent=project_name:test" })!;
    expect(decode(slug)).toEqual({
      object_type: 2,
      compute_object_metadata_args: { project_name: "test" },
      row_id: "otel",
      span_id: "1234567890123456",
      root_span_id: "12345678901234567890123456789012",
    });
    // The braintrust SDK's own SpanComponentsV4 encoder writes exactly this for the same input.
    expect(slug).toBe("BAICAxI0VniQEjRWBBI0VniQEjRWeJASNFZ4kBJ7ImNvbXB1dGVfb2JqZWN0X21ldGFkYXRhX2FyZ3MiOnsicHJvamVjdF9uYW1lIjoidGVzdCJ9LCJyb3dfaWQiOiJvdGVsIn0=");
  });

  it("handles project_id and experiment_id parents", () => {
    const byId = decode(parentFromHeaders({ traceparent: "00-abcdef12345678901234567890123456-fedcba9876543210-01", baggage: "braintrust.parent=project_id:my-project-id" })!);
    expect(byId).toMatchObject({ object_type: 2, object_id: "my-project-id", span_id: "fedcba9876543210", root_span_id: "abcdef12345678901234567890123456" });
    const experiment = parentFromHeaders({ traceparent: "00-11111111111111111111111111111111-2222222222222222-01", baggage: "braintrust.parent=experiment_id:my-experiment-id" })!;
    expect(decode(experiment)).toMatchObject({ object_type: 1, object_id: "my-experiment-id" });
  });

  it("matches header names in any case, and keeps other baggage entries out of it", () => {
    const slug = parentFromHeaders({ Traceparent: traceparent, BAGGAGE: "tenant=acme,braintrust.parent=project_name:test;prop=1,other=x" });
    expect(decode(slug!)).toMatchObject({ compute_object_metadata_args: { project_name: "test" } });
  });

  it.each([
    ["no traceparent", { baggage: "braintrust.parent=project_name:test" }],
    ["no baggage", { traceparent }],
    ["no braintrust.parent in baggage", { traceparent, baggage: "foo=bar,baz=qux" }],
    ["a malformed traceparent", { traceparent: "invalid-traceparent", baggage: "braintrust.parent=project_name:test" }],
    ["an all-zero trace id", { traceparent: "00-00000000000000000000000000000000-1234567890123456-01", baggage: "braintrust.parent=project_name:test" }],
    ["an all-zero span id", { traceparent: "00-12345678901234567890123456789012-0000000000000000-01", baggage: "braintrust.parent=project_name:test" }],
    ["an invalid parent", { traceparent, baggage: "braintrust.parent=invalid" }],
    ["version ff", { traceparent: "ff-12345678901234567890123456789012-1234567890123456-01", baggage: "braintrust.parent=project_name:test" }],
  ])("returns undefined, with a diag message and no throw, for %s", (_, headers) => {
    const diag = captureDiag();
    try {
      expect(parentFromHeaders(headers as Record<string, string>)).toBeUndefined();
      expect(diag.messages.some((m) => m.includes("parentFromHeaders"))).toBe(true);
    } finally {
      diag.stop();
    }
  });

  it("reads no further than the W3C limits: 64 members, 8192 bytes, whole members only", () => {
    const filler = Array.from({ length: 64 }, (_, i) => `k${i}=v`).join(",");
    expect(parentFromHeaders({ traceparent, baggage: `${filler},braintrust.parent=project_name:test` })).toBeUndefined();
    const big = `a=${"x".repeat(8200)}`;
    expect(parentFromHeaders({ traceparent, baggage: `${big},braintrust.parent=project_name:test` })).toBeUndefined();
    expect(parentFromHeaders({ traceparent, baggage: `braintrust.parent=project_name:test,${big}` })).toBeDefined();
  });

  it("never throws on junk", () => {
    expect(parentFromHeaders(null as never)).toBeUndefined();
    expect(parentFromHeaders({ traceparent: 42 as never, baggage: ["a", "b"] as never })).toBeUndefined();
    expect(parentFromHeaders({ traceparent, baggage: "braintrust.parent=%E0%A4%A" })).toBeUndefined();
  });

  it("round-trips from a span's injected headers", () => {
    const span = tracer.startSpan("sender");
    const headers: Record<string, string> = {};
    propagation.inject(addParentToBaggage("project_id:p-1", trace.setSpan(context.active(), span)), headers);
    expect(decode(parentFromHeaders(headers)!)).toMatchObject({ object_id: "p-1", span_id: span.spanContext().spanId, root_span_id: span.spanContext().traceId });
    span.end();
  });
});
