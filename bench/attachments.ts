// Attachments under load: the throughput of a stream of 1 MB images against an object store
// that answers each upload after 100 ms, in a fresh process, against an API and an object
// store in that process. The memory held while 5 MB images meet an object store that never
// answers is `npx tsx bench/bounds.ts attachments`.
//
//   npx tsx bench/attachments.ts
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { BraintrustSpanProcessor } from "braintrust-otel-exporter";

const MiB = 1024 * 1024;
const SCENARIOS = ["throughput"] as const;
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
    return `${count} spans with a new 1 MiB image each, ${sent} rows sent in ${seconds.toFixed(2)} s: ${stored} images uploaded = ${(stored / seconds).toFixed(1)} uploads/s (4 at once, 100 ms each), ${count - stored} sent with a marker (attachment budget full); ${(count / seconds).toFixed(1)} spans/s`;
  },
};

const name = process.argv[2] as Scenario | undefined;
if (process.env.ATTACHMENTS_CHILD === "1" && name) {
  console.log(await RUNS[name]());
  process.exit(0);
} else {
  for (const scenario of name ? [name] : SCENARIOS) {
    const run = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), scenario], {
      env: { ...process.env, ATTACHMENTS_CHILD: "1" },
      encoding: "utf8",
      timeout: 300_000,
    });
    console.log(`${scenario.padEnd(12)} ${run.stdout.trim().split("\n").pop() ?? ""}${run.status === 0 ? "" : `\n${run.stderr}`}`);
  }
}
