// Bounded under every fault: memory, timers and the host app's event loop while the API is
// down or hostile. Each scenario runs in a fresh process (RSS of its own), against a server
// in this process that never answers, or answers with what hurts.
//
//   npx tsx bench/bounds.ts                # every scenario
//   npx tsx bench/bounds.ts destinations   # one: destinations | error-page | retry-after | root-flush | attachments
//
// Printed per scenario: the figure, the bound it is held to, and the warnings and unhandled
// rejections the app would have seen (there must be none). The scenarios whose figure
// also moves with the host (RSS the allocator keeps, event-loop lag on a busy machine) are
// run a second time with a no-op span processor doing the same span work (and root-flush a
// third, without flushOnRootEnd), each in its own process, so the exporter's share shows.
// The destinations scenario runs in a host whose V8 heap has grown to its working size (see
// warmHost), and once more in a freshly started one, to show what that first growth costs.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { getHeapSpaceStatistics } from "node:v8";
import { BraintrustSpanProcessor } from "braintrust-otel-exporter";
import { BasicTracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace-base";

const MiB = 1024 * 1024;
const SCENARIOS = ["destinations", "error-page", "retry-after", "root-flush", "attachments"] as const;
type Scenario = (typeof SCENARIOS)[number];
/**
 * How each scenario's span work is processed: ours, a no-op processor, ours without
 * flushOnRootEnd, ours in a host whose young generation has not grown yet (see warmHost).
 */
type Variant = "exporter" | "noop" | "no-root-flush" | "cold-host";
const VARIANTS: Record<Scenario, Variant[]> = {
  destinations: ["exporter", "noop", "cold-host"],
  "error-page": ["exporter"],
  "retry-after": ["exporter"],
  "root-flush": ["exporter", "no-root-flush", "noop"],
  // The no-op run first: the exporter's run is held to its growth over that one.
  attachments: ["noop", "exporter"],
};
const NOOP: SpanProcessor = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };

interface Result {
  figure: string;
  bound: string;
  ok: boolean;
  warnings: string[];
  rejections: number;
  /** RSS growth, for a later variant of the same scenario to compare with. */
  rss?: number;
}


function parent(names: readonly string[]): void {
  let failed = false;
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name}; one of ${SCENARIOS.join(", ")}`);
    let baseline: number | undefined;
    for (const variant of VARIANTS[name as Scenario]) {
      const result = run(name, variant, baseline);
      failed = result.failed || failed;
      if (variant === "noop") baseline = result.rss;
    }
  }
  if (failed) process.exitCode = 1;
}

/** One scenario in a fresh process; failed when it failed its bound or the app saw a warning. */
function run(name: string, variant: Variant, baseline: number | undefined): { failed: boolean; rss?: number } {
  {
    const label = variant === "exporter" ? name : `  ${variant}`;
    let failed = false;
    const run = spawnSync(process.execPath, [...process.execArgv, "--expose-gc", fileURLToPath(import.meta.url), name], {
      env: { ...process.env, BOUNDS_CHILD: "1", BOUNDS_VARIANT: variant, ...(baseline === undefined ? {} : { BOUNDS_BASELINE_RSS: String(baseline) }) },
      encoding: "utf8",
      timeout: 300_000,
    });
    const line = run.stdout.trim().split("\n").pop() ?? "";
    let result: Result;
    try {
      result = JSON.parse(line) as Result;
    } catch {
      console.log(`${label}: did not finish (exit ${run.status})\n${run.stderr}`);
      return { failed: true };
    }
    const clean = result.warnings.length === 0 && result.rejections === 0;
    if (variant !== "exporter") {
      console.log(`${label.padEnd(15)} ${result.figure}  (${variant === "cold-host" ? "ours, in a host whose young generation has not grown yet" : "same span work, for comparison"})`);
      return { failed: !clean, ...(result.rss === undefined ? {} : { rss: result.rss }) };
    }
    failed ||= !result.ok || !clean;
    console.log(`${label.padEnd(15)} ${result.figure}  (bound: ${result.bound})  ${result.ok ? "ok" : "OVER"}`);
    console.log(`${"".padEnd(15)} warnings: ${result.warnings.length === 0 ? "none" : result.warnings.join("; ")}; unhandled rejections: ${result.rejections}`);
    return { failed };
  }
}

const variant = (process.env.BOUNDS_VARIANT ?? "exporter") as Variant;

/** The processor a scenario's spans go to, for the variant this process runs. */
function processorFor(options: ConstructorParameters<typeof BraintrustSpanProcessor>[0]): SpanProcessor {
  if (variant === "noop") return NOOP;
  return new BraintrustSpanProcessor(variant === "no-root-flush" ? { ...options, flushOnRootEnd: false } : options);
}

async function child(name: Scenario): Promise<void> {
  const warnings: string[] = [];
  let rejections = 0;
  // The exporter's own setup line (BRAINTRUST_OTEL: the API does not answer) is what it
  // should say; the app must see no other warning.
  process.on("warning", (w) => {
    if ((w as { code?: string }).code !== "BRAINTRUST_OTEL") warnings.push(w.name);
  });
  process.on("unhandledRejection", () => rejections++);
  const result = await SCENARIO_RUNS[name]();
  await new Promise((r) => setTimeout(r, 50));
  console.log(JSON.stringify({ ...result, warnings, rejections }));
  process.exit(0);
}

const SCENARIO_RUNS: Record<Scenario, () => Promise<Omit<Result, "warnings" | "rejections">>> = {
  /** The API never answers; spans name 10,000 destinations (braintrust.parent), 20 spans each. */
  async destinations() {
    const budget = 16 * MiB;
    const api = await serve(() => {});
    const processor = processorFor({ apiKey: "sk-bounds-bench", apiUrl: api.url, projectName: "default", maxQueueBytes: budget, maxQueueSize: 1_000_000, exportTimeoutMillis: 2_000 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer("bounds");
    if (variant !== "cold-host") warmHost();
    const before = settled();
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10_000; i++) {
        tracer.startSpan("tenant-work", { attributes: { "braintrust.parent": `project_name:tenant-${i}`, input: "x".repeat(160) } }).end();
      }
      await new Promise((r) => setImmediate(r));
    }
    const stats = processor instanceof BraintrustSpanProcessor ? processor.stats() : undefined; // builds the rows still pending
    const after = settled();
    const grown = after.rss - before.rss;
    void provider.shutdown();
    api.close();
    const held = stats ? ` holding ${stats.queued} rows for 10,000 destinations (${stats.dropped.queueFull} dropped: queue full or destination forgotten)` : "";
    return {
      figure: `RSS ${signed(grown)} MiB${held}; after GC: heap used ${signed(after.heapUsed - before.heapUsed)}, young generation reserved ${signed(after.young - before.young)} (of ${mib(after.young)}), external ${signed(after.external - before.external)} MiB`,
      bound: `queue budget ${mib(budget)} MiB + 10 % = ${mib(budget * 1.1)} MiB`,
      ok: grown <= budget * 1.1,
    };
  },

  /** Every lookup meets a 64 MB error page. */
  async "error-page"() {
    const page = Buffer.alloc(64 * MiB, "x");
    const api = await serve((_req, res) => {
      res.writeHead(502, { "content-type": "text/html", "content-length": String(page.length) });
      res.end(page);
    });
    const before = settled().rss;
    let peak = before;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    for (let i = 0; i < 5; i++) {
      const processor = new BraintrustSpanProcessor({ apiKey: "sk-bounds-bench", apiUrl: api.url, projectName: `p${i}`, exportTimeoutMillis: 2_000 });
      await processor.ready().catch(() => {});
      await processor.shutdown();
    }
    clearInterval(sample);
    api.close();
    const grown = peak - before;
    return { figure: `peak RSS +${mib(grown)} MiB over five 64 MB error pages`, bound: "16 MiB", ok: grown < 16 * MiB };
  },

  /** The lookup answers 503 with Retry-After: 3000000 (seconds, past setTimeout's range) for 5 s. */
  async "retry-after"() {
    let lookups = 0;
    const api = await serve((_req, res) => {
      lookups++;
      res.writeHead(503, { "retry-after": "3000000", "content-type": "application/json" });
      res.end('{"error":"busy"}');
    });
    const processor = new BraintrustSpanProcessor({ apiKey: "sk-bounds-bench", apiUrl: api.url, projectName: "p" });
    await new Promise((r) => setTimeout(r, 5_000));
    await processor.shutdown();
    api.close();
    return { figure: `${lookups} lookup request(s) in 5 s`, bound: "1 per capped interval (60 s)", ok: lookups <= 1 };
  },

  /** 1,000 roots/s for 10 s with flushOnRootEnd while the API never answers. */
  async "root-flush"() {
    const api = await serve(() => {});
    const processor = processorFor({ apiKey: "sk-bounds-bench", apiUrl: api.url, projectId: "p-1", flushOnRootEnd: true });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer("bounds");
    const lag = monitorEventLoopDelay({ resolution: 1 });
    const before = settled().rss;
    lag.enable();
    for (let ms = 0; ms < 10_000; ms += 10) {
      for (let i = 0; i < 10; i++) tracer.startSpan("request", { attributes: { input: "hello" } }).end();
      await new Promise((r) => setTimeout(r, 10));
    }
    lag.disable();
    const grown = settled().rss - before;
    void provider.shutdown();
    api.close();
    const p99 = lag.percentile(99) / 1e6;
    return { figure: `event-loop lag p99 ${p99.toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms; RSS +${mib(grown)} MiB`, bound: "p99 <= 5 ms", ok: p99 <= 5 };
  },

  attachments,
};

/**
 * 100 spans with a new 5 MB image each, while the object store takes each upload's bytes and
 * never answers; the API answers lookups, /attachment and inserts. What the exporter may keep
 * is the media waiting to upload (maxAttachmentBytes) and the rows in its queue
 * (maxQueueBytes): its RSS growth over the no-op run's is held to that. The app's own work
 * is kept out of the allocator, whose retention would otherwise swing both runs by tens of MiB:
 * each image is one buffer with new bytes in its head, and its base64 is made in pieces
 * (Node makes a string over 1 MB from its own malloc'd memory, which glibc keeps once freed).
 */
async function attachments(): Promise<Omit<Result, "warnings" | "rejections">> {
  const media = 64 * MiB;
  const queue = 16 * MiB;
  const store = await serve(() => {});
  let rows = 0;
  const api = await serve((req, res, body) => {
    const json = (value: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.url === "/v1/project") return json({ id: "p-1", org_id: "org-1", name: "bounds" });
    if (req.url === "/attachment") return json({ signedUrl: `${store.url}/upload`, headers: {} });
    if (req.url?.endsWith("/insert")) {
      const events = (JSON.parse(body) as { events: unknown[] }).events;
      rows += events.length;
      return json({ row_ids: events.map((_, i) => String(i)) });
    }
    json({});
  }, true);
  const ours = new BraintrustSpanProcessor({ apiKey: "sk-bounds-bench", apiUrl: api.url, projectName: "bounds", maxAttachmentBytes: media, maxQueueBytes: queue });
  await ours.ready();
  const provider = new BasicTracerProvider({ spanProcessors: [variant === "noop" ? NOOP : ours] });
  const tracer = provider.getTracer("bounds");
  const image = randomBytes(5_000_000);
  warmHost();
  const before = await settledLater();
  let peak = before.rss;
  let atPeak = "";
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peak) {
      peak = m.rss;
      atPeak = ` (heap total ${mib(m.heapTotal)}, external ${mib(m.external)})`;
    }
  }, 5);
  for (let i = 0; i < 100; i++) {
    randomBytes(64).copy(image);
    const base64: string[] = [];
    for (let at = 0; at < image.length; at += 48 * 1024) base64.push(image.subarray(at, at + 48 * 1024).toString("base64"));
    const messages = [{ role: "user", content: [{ type: "text", text: "What is in this image?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${base64.join("")}` } }] }];
    tracer.startSpan("chat", { attributes: { "gen_ai.operation.name": "chat", "gen_ai.input.messages": JSON.stringify(messages) } }).end();
    await new Promise((r) => setImmediate(r));
  }
  const stats = ours.stats(); // builds the rows still pending
  const after = await settledLater();
  clearInterval(sample);
  void provider.shutdown();
  void ours.shutdown();
  store.close();
  api.close();
  const grown = after.rss - before.rss;
  const kept = `after GC: heap used ${signed(after.heapUsed - before.heapUsed)}, external ${signed(after.external - before.external)} MiB`;
  if (variant === "noop") return { figure: `RSS ${signed(grown)} MiB, peak ${signed(peak - before.rss)}${atPeak}; ${kept}`, bound: "", ok: true, rss: grown };
  const baseline = Number(process.env.BOUNDS_BASELINE_RSS ?? 0);
  const budget = (media + queue) * 1.1;
  return {
    figure: `RSS ${signed(grown)} MiB (${signed(grown - baseline)} over the no-op run), peak ${signed(peak - before.rss)}${atPeak}; ${kept}; ${rows} rows inserted, ${stats.queued} held or queued`,
    bound: `over the no-op run <= maxAttachmentBytes ${mib(media)} + maxQueueBytes ${mib(queue)} MiB + 10 % = ${mib(budget)} MiB; heap + external kept <= ${mib(budget)} MiB`,
    ok: grown - baseline <= budget && after.heapUsed - before.heapUsed + after.external - before.external <= budget,
  };
}

/** `settled()`, once V8 has had a moment to give the pages a full collection freed back to the OS. */
async function settledLater(): Promise<ReturnType<typeof settled>> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 200));
  return settled();
}

/** A loopback server whose answers come from `handler` (which may never answer), given the body when `withBody`. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void, withBody = false): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => withBody && chunks.push(chunk));
    req.on("end", () => handler(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/**
 * Brings the host to where any process that has run a while is: V8 doubles its young
 * generation (up to a cap, 32 MiB reserved on Node 20) each time more bytes have survived
 * scavenges since the last doubling than a semi-space holds, and never shrinks it while the
 * process allocates. A freshly started host is one doubling short, and the first 8 MB
 * that anything keeps across scavenges (10,000 tenants' state, one destination's queue,
 * or the app's own caches) pay it: +16 MiB reserved, and resident once used. Here the
 * host keeps short-lived batches of objects until the size stops changing.
 */
function warmHost(): void {
  let size = youngReserved();
  for (let steady = 0; steady < 6; ) {
    let kept: object[] = [];
    for (let i = 0; i < 200_000; i++) kept.push({ i });
    kept = [];
    const now = youngReserved();
    steady = now === size ? steady + 1 : 0;
    size = now;
  }
}

function youngReserved(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
}

/**
 * Memory after two full collections: RSS, heap in use, the young generation's reserve,
 * external buffers. RSS is read with the young generation's pages all resident: after a
 * full collection V8 may or may not have given one semi-space's pages back to the OS
 * (16 MiB), which made the same run read 0 or 16 MiB apart. Short-lived garbage twice
 * the young generation's size, made after the collections, brings them all back first.
 */
function settled(): { rss: number; heapUsed: number; young: number; external: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { heapUsed, external } = process.memoryUsage();
  const young = youngReserved();
  let garbage: object | undefined;
  for (let i = 0; i < (2 * young) / 16; i++) garbage = { i };
  void garbage;
  return { rss: process.memoryUsage().rss, heapUsed, young, external };
}

function signed(bytes: number): string {
  return `${bytes < 0 ? "" : "+"}${mib(bytes)}`;
}

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}

const scenario = process.argv[2] as Scenario | undefined;
if (scenario && (SCENARIOS as readonly string[]).includes(scenario) && process.env.BOUNDS_CHILD === "1") {
  await child(scenario);
} else {
  parent(scenario ? [scenario] : [...SCENARIOS]);
}
