// Attachment calls share the inserts' transport and their one limiter: uploads and inserts
// together stay within maxConcurrentRequests at the server, and the PUT to the signed URL
// carries neither the key nor a user header, nor goes through the user's dispatcher.
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

it("uploads and inserts together never have more than maxConcurrentRequests requests in flight at the server", async () => {
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
