// Attachments under load: the throughput of a stream of 1 MB images against an object store
// that answers each upload after 100 ms, and the memory held while 5 MB images meet an object
// store that never answers. Each runs in a fresh process (RSS of its own), against an API and
// an object store in that process.
//
//   npx tsx bench/attachments.ts               # both
//   npx tsx bench/attachments.ts throughput    # one: throughput | dead-store
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { BasicTracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { BraintrustSpanProcessor } from "braintrust-otel-exporter";

const MiB = 1024 * 1024;
const SCENARIOS = ["throughput", "dead-store"] as const;
type Scenario = (typeof SCENARIOS)[number];

/** An API that answers lookups, inserts and /attachment, whose signed URLs point at `store`. */
async function serveApi(storeUrl: () => string): Promise<{ url: string; inserted: () => number; close(): void }> {
  let rows = 0;
  return serve((req, res, body) => {
    const json = (value: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.url === "/v1/project") return json({ id: "p-1", org_id: "org-1", name: "bench" });
    if (req.url === "/attachment") return json({ signedUrl: `${storeUrl()}/${JSON.parse(body).key}`, headers: { "content-type": "image/png" } });
    if (req.url === "/attachment/status") return json({});
    if (req.url?.endsWith("/insert")) {
      const events = (JSON.parse(body) as { events: unknown[] }).events;
      rows += events.length;
      return json({ row_ids: events.map((_, i) => String(i)) });
    }
    res.writeHead(404);
    res.end();
  }, (req) => req.url === "/attachment" || req.url?.endsWith("/insert") === true);
}

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
  keepBody: (req: IncomingMessage) => boolean = () => false,
): Promise<{ url: string; inserted: () => number; close(): void }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const keep = keepBody(req);
    req.on("data", (c: Buffer) => keep && chunks.push(c));
    req.on("end", () => handler(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    inserted: () => 0,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** A span whose input holds one image of `bytes` random bytes (PNG signature first) and a question. */
function imageSpan(tracer: ReturnType<BasicTracerProvider["getTracer"]>, bytes: number): void {
  const image = randomBytes(bytes);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(image);
  const messages = [{ role: "user", content: [{ type: "text", text: "What is in this image?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${image.toString("base64")}` } }] }];
  tracer.startSpan("chat", { attributes: { "gen_ai.operation.name": "chat", "gen_ai.input.messages": JSON.stringify(messages) } }).end();
}

const RUNS: Record<Scenario, () => Promise<string>> = {
  /** 200 spans, each with a new 1 MB image, as fast as they come; the store answers after 100 ms. */
  async throughput() {
    let stored = 0;
    const store = await serve((_req, res) => {
      setTimeout(() => {
        stored++;
        res.writeHead(200);
        res.end();
      }, 100);
    });
    const api = await serveApi(() => store.url);
    const processor = new BraintrustSpanProcessor({ apiKey: "sk-bench", apiUrl: api.url, projectName: "bench" });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer("bench");
    await processor.ready();
    const count = 200;
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      imageSpan(tracer, MiB);
      await new Promise((r) => setImmediate(r));
    }
    await processor.forceFlush();
    const seconds = (performance.now() - started) / 1000;
    const { sent } = processor.stats();
    await provider.shutdown();
    store.close();
    api.close();
    return `${count} spans with a new 1 MiB image each: ${stored} uploads, ${sent} rows sent in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(1)} images/s, ${((count * MiB) / MiB / seconds).toFixed(1)} MiB/s (4 uploads at once, 100 ms each)`;
  },

  /** 100 spans with a new 5 MB image each while the object store never answers. */
  async "dead-store"() {
    const store = await serve(() => {});
    const api = await serveApi(() => store.url);
    const budget = 64 * MiB;
    const ours = new BraintrustSpanProcessor({ apiKey: "sk-bench", apiUrl: api.url, projectName: "bench", maxAttachmentBytes: budget });
    await ours.ready();
    // NOOP=1: the same span work with a span processor that does nothing, for the host's share.
    const noop = process.env.NOOP === "1";
    const processor: SpanProcessor = noop ? { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} } : ours;
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer("bench");
    const before = settledRss();
    const mem0 = process.memoryUsage();
    let peak = before;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    for (let i = 0; i < 100; i++) {
      imageSpan(tracer, 5 * 1000 * 1000);
      await new Promise((r) => setImmediate(r));
    }
    ours.stats(); // builds the rows still pending
    const after = settledRss();
    const mem1 = process.memoryUsage();
    clearInterval(sample);
    const held = ours.stats();
    void provider.shutdown();
    store.close();
    api.close();
    const grown = after - before;
    const kept = mem1.heapUsed - mem0.heapUsed + (mem1.external - mem0.external);
    if (noop) return `same span work, no-op processor: RSS +${(grown / MiB).toFixed(1)} MiB after GC, peak +${((peak - before) / MiB).toFixed(1)} MiB; heap + external kept +${(kept / MiB).toFixed(1)} MiB`;
    return `RSS +${(grown / MiB).toFixed(1)} MiB after GC, peak +${((peak - before) / MiB).toFixed(1)} MiB; heap + external kept +${(kept / MiB).toFixed(1)} MiB (bound: maxAttachmentBytes ${budget / MiB} MiB + 10 %: ${kept <= budget * 1.1 ? "within" : "OVER"}), with 100 new 5 MB images and an object store that never answers (${held.queued} rows held or queued, ${held.sent} sent)`;
  },
};

function settledRss(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().rss;
}

const name = process.argv[2] as Scenario | undefined;
if (process.env.ATTACHMENTS_CHILD === "1" && name) {
  console.log(await RUNS[name]());
  process.exit(0);
} else {
  const runs: [Scenario, string][] = (name ? [name] : SCENARIOS).flatMap((s): [Scenario, string][] => (s === "dead-store" ? [[s, "0"], [s, "1"]] : [[s, "0"]]));
  for (const [scenario, noop] of runs) {
    const run = spawnSync(process.execPath, [...process.execArgv, "--expose-gc", fileURLToPath(import.meta.url), scenario], {
      env: { ...process.env, ATTACHMENTS_CHILD: "1", NOOP: noop },
      encoding: "utf8",
      timeout: 300_000,
    });
    console.log(`${scenario.padEnd(12)} ${run.stdout.trim().split("\n").pop() ?? ""}${run.status === 0 ? "" : `\n${run.stderr}`}`);
  }
}
