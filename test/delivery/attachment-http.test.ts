// Attachment calls share the inserts' transport and their one limiter: uploads and inserts
// together stay within maxConcurrentRequests API requests at the server, while the PUT to the
// signed URL takes no API slot (a store that hangs holds back no insert), carries neither the
// key nor a user header, and never goes through the user's dispatcher.
import { trace } from "@opentelemetry/api";
import { Agent, type Dispatcher } from "undici";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { BraintrustExporterOptions } from "../../src/config/config.js";
import { BraintrustSpanProcessor } from "../../src/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { watchEachTest } from "../helpers/diag.js";
import { png } from "../helpers/media.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeEach(async () => {
  server = await startLocalBraintrust();
});
afterEach(() => server.close());
const watch = watchEachTest();

const image = (seed: number) => `data:image/png;base64,${png(24, 24, seed).toString("base64")}`;

/** Spans with a distinct image each and spans without media, interleaved; flushed and shut down. */
async function logMixed(project: string, options: BraintrustExporterOptions, images: number, plain: number): Promise<void> {
  const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: project, ...options });
  const provider = providerWith(processor);
  const tracer = provider.getTracer("attachment-http-test");
  for (let i = 0; i < Math.max(images, plain); i++) {
    if (i < images) {
      const content = [{ type: "text", text: `look ${i}` }, { type: "image_url", image_url: { url: image(300 + i) } }];
      tracer.startSpan(`llm ${i}`, { attributes: { "gen_ai.operation.name": "chat", "gen_ai.input.messages": JSON.stringify([{ role: "user", content }]) } }).end();
    }
    if (i < plain) tracer.startSpan(`step ${i}`, { attributes: { input: `step ${i}` } }).end();
  }
  await processor.forceFlush();
  await provider.shutdown();
  trace.disable();
}

it("uploads and inserts together never have more than maxConcurrentRequests API requests in flight at the server", async () => {
  watch.start();
  // Each request is held a while, so uploads and inserts overlap.
  server.setFault({ routes: ["insert", "attachment", "object-store", "project"], delayMs: 30 });
  await logMixed("shared-limit", { maxConcurrentRequests: 2, maxExportBatchSize: 3, headers: { "x-team": "team-secret" } }, 10, 30);
  expect(server.rows("shared-limit")).toHaveLength(40);
  const puts = server.requests.filter((r) => r.method === "PUT");
  expect(puts).toHaveLength(10);
  expect(server.requests.filter((r) => r.path.endsWith("/insert")).length).toBeGreaterThan(1);
  expect(server.peakConcurrent()).toBe(2);
  // The key and the user's headers go to the API, never to the object store.
  for (const put of puts) {
    expect(put.headers.authorization).toBeUndefined();
    expect(put.headers["x-team"]).toBeUndefined();
  }
  for (const asked of server.requests.filter((r) => r.path === "/attachment")) expect(asked.headers["x-team"]).toBe("team-secret");
});

it("an object store that never answers holds back no insert: rows without media arrive while every PUT hangs", async () => {
  watch.start();
  server.setFault({ routes: ["object-store"], hang: true });
  // Attempts that outlast the test's wait: rows held back behind a hung PUT would not arrive in it.
  const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "dead-store", exportTimeoutMillis: 600_000 });
  const provider = providerWith(processor);
  const tracer = provider.getTracer("attachment-http-test");
  for (let i = 0; i < 6; i++) {
    const content = [{ type: "text", text: `look ${i}` }, { type: "image_url", image_url: { url: image(400 + i) } }];
    tracer.startSpan(`llm ${i}`, { attributes: { "gen_ai.operation.name": "chat", "gen_ai.input.messages": JSON.stringify([{ role: "user", content }]) } }).end();
  }
  await expect.poll(() => server.objectStoreOpen()).toBe(4);
  for (let i = 0; i < 5; i++) tracer.startSpan(`step ${i}`, { attributes: { input: `step ${i}` } }).end();
  await expect.poll(() => server.rows("dead-store").length).toBe(5);
  // Every PUT made is still hanging: the rows did not wait for one to end.
  expect(server.objectStoreOpen()).toBe(server.requests.filter((r) => r.method === "PUT").length);
  expect(server.rows("dead-store").every((row) => String(row.span_attributes?.name).startsWith("step"))).toBe(true);
  // The store comes back: the hung PUTs are cut, retried and stored, and the rows they held arrive with their references.
  server.setFault(undefined);
  await server.down();
  await server.up();
  await processor.forceFlush();
  expect(server.rows("dead-store")).toHaveLength(11);
  expect(JSON.stringify(server.rows("dead-store"))).not.toContain("not uploaded");
  await provider.shutdown();
  trace.disable();
});

it("the PUT to the signed URL never goes through the dispatcher option, which carries the API calls", async () => {
  watch.start();
  const seen: string[] = [];
  class Counting extends Agent {
    override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      seen.push(`${options.method} ${options.path}`);
      return super.dispatch(options, handler);
    }
  }
  const dispatcher = new Counting();
  try {
    await logMixed("own-dispatcher", { dispatcher }, 2, 1);
  } finally {
    await dispatcher.close();
  }
  expect(server.rows("own-dispatcher")).toHaveLength(3);
  expect(server.requests.filter((r) => r.method === "PUT")).toHaveLength(2);
  expect(seen.filter((s) => s.startsWith("POST /attachment"))).toHaveLength(4);
  expect(seen.filter((s) => s.startsWith("PUT"))).toEqual([]);
});
