// compression: "gzip" sends insert bodies gzipped; off by default.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/config.js";
import { BraintrustSpanProcessor } from "../../src/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

async function send(projectName: string, compression?: "gzip") {
  const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName, ...(compression ? { compression } : {}) });
  const tracer = providerWith(processor).getTracer("gzip");
  for (let i = 0; i < 200; i++) {
    tracer.startSpan(`chat ${i}`, { attributes: { "braintrust.input_json": JSON.stringify([{ role: "user", content: `the same question, again and again ${i}` }]) } }).end();
  }
  expect(await processor.flush()).toMatchObject({ sent: 200, dropped: 0, pending: 0 });
  await processor.shutdown();
  const inserts = server.requests.filter((r) => r.path.endsWith("/insert") && (r.body as { events?: unknown[] }).events?.length);
  return inserts.filter((r) => server.rows(projectName).some((row) => (r.body as { events: { id: string }[] }).events[0]!.id === row.id));
}

describe("compression", () => {
  it("gzips insert bodies when asked, and every row arrives intact", async () => {
    const inserts = await send("gzipped", "gzip");
    expect(inserts.length).toBeGreaterThan(0);
    for (const r of inserts) expect(r.headers["content-encoding"]).toBe("gzip");
    const rows = server.rows("gzipped");
    expect(rows).toHaveLength(200);
    expect(rows.map((r) => r.input).filter((input) => Array.isArray(input))).toHaveLength(200);
    // Repetitive rows compress well: the bytes on the wire are a fraction of the JSON.
    const wire = inserts.reduce((n, r) => n + r.bytes, 0);
    const json = inserts.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r.body)), 0);
    expect(wire * 3).toBeLessThan(json);
  });

  it("is off by default", async () => {
    const inserts = await send("plain");
    expect(inserts.length).toBeGreaterThan(0);
    for (const r of inserts) expect(r.headers["content-encoding"]).toBeUndefined();
    expect(server.rows("plain")).toHaveLength(200);
  });

  it("warns about a value it does not know, and sends uncompressed", () => {
    const result = resolveConfig({ apiKey: "k", projectName: "p", compression: "brotli" as never, env: {} });
    expect(result.ok && result.config.compression).toBe(undefined);
    expect(result.warnings.join("\n")).toMatch(/`compression` must be "gzip" or "none"/);
  });
});
