// Every request body the exporter sends validates against Braintrust's official OpenAPI spec.
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BraintrustSpanProcessor } from "../src/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "../src/testing/index.js";
import { describeWithSpec, loadSpecValidators } from "./helpers/spec.js";
import { providerWith } from "./helpers/tracing.js";

describeWithSpec("conformance with the official OpenAPI spec", await loadSpecValidators(), (v) => {
  let server: LocalBraintrust;
  beforeAll(async () => {
    server = await startLocalBraintrust();
  });
  afterAll(() => server.close());

  it("validates project and insert request bodies", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "conformance", orgName: "acme" });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("conformance");
    tracer.startActiveSpan("root", (root) => {
      tracer.startActiveSpan("llm", (span) => {
        span.setAttributes({
          "braintrust.input_json": JSON.stringify([{ role: "user", content: "hi" }]),
          "braintrust.output_json": JSON.stringify({ role: "assistant", content: "hello" }),
          "braintrust.metrics": JSON.stringify({ prompt_tokens: 3.7, completion_tokens: 2, nan: null }),
          "braintrust.scores": JSON.stringify({ quality: 0.5 }),
          "braintrust.span_attributes": JSON.stringify({ type: "llm" }),
          "braintrust.tags": ["a"],
          weird: Number.NaN,
          list: [1, 2, 3],
        });
        span.recordException(new TypeError("boom"));
        span.setStatus({ code: 2 });
        span.end();
      });
      root.end();
    });
    await processor.forceFlush();

    const projectBodies = server.requests.filter((r) => r.path === "/v1/project" && r.method === "POST").map((r) => r.body);
    const insertBodies = server.requests.filter((r) => r.path.endsWith("/insert")).map((r) => r.body);
    expect(projectBodies).toEqual([{ name: "conformance", org_name: "acme" }]);
    expect(insertBodies.length).toBeGreaterThan(0);
    for (const body of projectBodies) expect(v.createProject(body)).toEqual([]);
    for (const body of insertBodies) expect(v.insertProjectLogs(body)).toEqual([]);
    expect(server.rows("conformance")).toHaveLength(2);
    await provider.shutdown();
    trace.disable();
  });
});
