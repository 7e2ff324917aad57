// context.span_origin on every row: this exporter's name and version, the span's
// instrumentation scope, and where it ran; merged with what braintrust.context_json says,
// even when that attribute is set after the span started.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { context, trace } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor } from "../../src/index.js";
import { addSpanOrigin } from "../../src/rows/origin.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import type { BraintrustEvent, BraintrustExporterOptions, SpanLike } from "../../src/index.js";
import { providerWith } from "../helpers/tracing.js";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

function processorFor(project: string, options: BraintrustExporterOptions = {}) {
  // A pinned environment, so the CI this runs on is not what is tested.
  return new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: project, env: {}, ...options });
}

describe("span origin", () => {
  it("names this exporter, its version and the span's instrumentation scope on every row", async () => {
    const project = `origin-${randomUUID()}`;
    const processor = processorFor(project, { logSpanStart: true });
    const provider = providerWith(processor);
    const running = provider.getTracer("@opentelemetry/instrumentation-openai", "0.5.1").startSpan("chat gpt-4o");
    await processor.forceFlush();
    expect(server.rows(project)[0]!.context?.span_origin).toEqual({
      name: "braintrust-otel-exporter",
      version,
      instrumentation: { name: "@opentelemetry/instrumentation-openai", version: "0.5.1" },
    });
    running.end();
    provider.getTracer("app").startSpan("no version").end();
    await processor.forceFlush();
    const rows = server.rows(project);
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.span_attributes?.name === "no version")!.context?.span_origin).toEqual({ name: "braintrust-otel-exporter", version, instrumentation: { name: "app" } });
    await provider.shutdown();
  });

  it("names each row's own scope when scopes alternate (the origin's text is made once per scope)", async () => {
    const project = `origin-alternate-${randomUUID()}`;
    const processor = processorFor(project, { environment: { type: "server", name: "eu" } });
    const provider = providerWith(processor);
    const scopes = [["lib-a", "1.0.0"], ["lib-a", "2.0.0"], ["lib-b", undefined], ["lib-a", "1.0.0"], ["lib-b", undefined]] as const;
    scopes.forEach(([name, v], i) => provider.getTracer(name, v).startSpan(`span ${i}`).end());
    await processor.forceFlush();
    const rows = server.rows(project);
    expect(rows).toHaveLength(scopes.length);
    scopes.forEach(([name, v], i) => {
      const row = rows.find((r) => r.span_attributes?.name === `span ${i}`)!;
      expect(row.context).toEqual({
        span_origin: { name: "braintrust-otel-exporter", version, instrumentation: v === undefined ? { name } : { name, version: v }, environment: { type: "server", name: "eu" } },
      });
    });
    await provider.shutdown();
  });

  it("records the environment from the option, or from BRAINTRUST_ENVIRONMENT_*, or detects CI", async () => {
    const explicit = `origin-env-${randomUUID()}`;
    const fromEnv = `origin-env-vars-${randomUUID()}`;
    const detected = `origin-env-ci-${randomUUID()}`;
    const none = `origin-env-none-${randomUUID()}`;
    for (const [project, options] of [
      [explicit, { environment: { type: "server", name: "eu_west" }, env: { GITHUB_ACTIONS: "true" } }],
      [fromEnv, { env: { BRAINTRUST_ENVIRONMENT_TYPE: "server", BRAINTRUST_ENVIRONMENT_NAME: "canary", GITHUB_ACTIONS: "true" } }],
      [detected, { env: { GITHUB_ACTIONS: "true", CI: "true" } }],
      [none, { environment: null, env: { GITHUB_ACTIONS: "true" } }],
    ] as const) {
      const processor = processorFor(project, options);
      const provider = providerWith(processor);
      provider.getTracer("t").startSpan("s").end();
      await processor.forceFlush();
      await provider.shutdown();
    }
    const originOf = (project: string) => server.rows(project)[0]!.context?.span_origin as Record<string, unknown>;
    expect(originOf(explicit).environment).toEqual({ type: "server", name: "eu_west" });
    expect(originOf(fromEnv).environment).toEqual({ type: "server", name: "canary" });
    expect(originOf(detected).environment).toEqual({ type: "ci", name: "github_actions" });
    expect(originOf(none).environment).toBeUndefined();
  });

  it("merges with braintrust.context_json set after the span started, instead of replacing it", async () => {
    const project = `origin-merge-${randomUUID()}`;
    const processor = processorFor(project);
    const provider = providerWith(processor);
    const tracer = provider.getTracer("app");
    const span = tracer.startSpan("late-context", { attributes: { "code.function.name": "handler" } });
    span.setAttribute("braintrust.context_json", JSON.stringify({ metadata: { source: "late-attribute" }, span_origin: { name: "my-wrapper" } }));
    span.end();
    await processor.forceFlush();
    const row = server.rows(project)[0]!;
    expect(row.context).toEqual({
      metadata: { source: "late-attribute" },
      caller_functionname: "handler",
      // What the span says wins key by key; the rest is filled in.
      span_origin: { name: "my-wrapper", version, instrumentation: { name: "app" } },
    });
    await provider.shutdown();
  });

  it("credits a Braintrust SDK named by the resource's braintrust.sdk.name / .version", async () => {
    const project = `origin-sdk-${randomUUID()}`;
    const processor = processorFor(project);
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ "braintrust.sdk.name": "braintrust.sdk.python", "braintrust.sdk.version": "0.48.1" }),
      spanProcessors: [processor],
    });
    const tracer = provider.getTracer("braintrust");
    const root = tracer.startSpan("eval");
    tracer.startSpan("task", {}, trace.setSpan(context.active(), root)).end();
    root.end();
    await processor.forceFlush();
    for (const row of server.rows(project)) {
      expect(row.context?.span_origin).toEqual({ name: "braintrust.sdk.python", version: "0.48.1", instrumentation: { name: "braintrust" } });
      expect(row.metadata?.["braintrust.sdk.name"]).toBeUndefined();
    }
    await provider.shutdown();
  });

  it("reads SDK 1.x's instrumentationLibrary, and gives each row its own copy", () => {
    const env = { type: "ci", name: "ci" };
    const span = { name: "x", attributes: {}, instrumentationLibrary: { name: "legacy-lib", version: "1.2.3" } } as unknown as SpanLike;
    const a: BraintrustEvent = { id: "a", span_id: "a", root_span_id: "t", created: "", metrics: {}, span_attributes: { name: "x" } };
    const b: BraintrustEvent = { ...a, id: "b" };
    addSpanOrigin(a, span, env);
    addSpanOrigin(b, span, env);
    expect(a.context).toEqual({ span_origin: { name: "braintrust-otel-exporter", version, instrumentation: { name: "legacy-lib", version: "1.2.3" }, environment: env } });
    (a.context!.span_origin as { environment: { name: string } }).environment.name = "changed";
    expect((b.context!.span_origin as { environment: { name: string } }).environment.name).toBe("ci");
    expect(env.name).toBe("ci");
  });
});
