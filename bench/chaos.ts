// Chaos run: 100,000 spans through the real BraintrustSpanProcessor while the local
// Braintrust server fails in every way it knows, then an exact audit of what arrived.
//
//   npm run chaos                        # 100,000 spans at 10,000 spans/s
//   npm run chaos -- --spans 20000 --rate 0   # as fast as the CPU allows (the queue bounds will bite)
//
// The server runs in a child process, so the peak RSS printed is the exporter's side alone.
import { fork } from "node:child_process";
import { setImmediate as tick } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { Fault, LocalBraintrust } from "braintrust-otel-exporter/testing";

const PROJECT = "chaos";

// Faults every insert may meet: error statuses (429/503 with Retry-After: 1), resets,
// a proxy's HTML 502, and slow answers. Bodies over 1 MiB get 413.
const MIXED: Fault = {
  failRate: 0.15,
  failStatuses: [429, 500, 502, 503, 504],
  retryAfter: "1",
  resetRate: 0.03,
  garbage: "html502",
  garbageRate: 0.02,
  delayMs: 5,
  maxBodyBytes: 1024 * 1024,
};
// Later: the rows are stored, then the answer fails or is cut: only ids keep retries exactly-once.
const AMBIGUOUS: Fault = { ...MIXED, failAfterStore: true, garbage: "invalid-json", garbageRate: 0.05 };

type Command = "setFault" | "down" | "up" | "audit" | "close";
interface Audit {
  rows: number;
  distinctSpanIds: number;
  spanIds: string[];
  /** Rows in insert bodies the server received, answered or not. */
  rowsReceived: number;
  faults: ReturnType<LocalBraintrust["faults"]>;
}

if (process.argv.includes("--serve")) {
  await serve();
} else {
  await run(numberArg("--spans", 100_000), numberArg("--rate", 10_000, 0));
}

async function run(totalSpans: number, rate: number): Promise<void> {
  const server = await startServer();
  const [{ BraintrustSpanProcessor }, { NodeTracerProvider }] = await Promise.all([
    import("braintrust-otel-exporter"),
    import("@opentelemetry/sdk-trace-node"),
  ]);
  const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: PROJECT, env: {} });
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer("chaos");
  const expected = new Set<string>();

  const rssBaseline = process.memoryUsage().rss;
  let rssPeak = rssBaseline;
  let heapPeak = 0;
  let queuedBytesPeak = 0;
  const sampler = setInterval(() => {
    const memory = process.memoryUsage();
    rssPeak = Math.max(rssPeak, memory.rss);
    heapPeak = Math.max(heapPeak, memory.heapUsed);
    queuedBytesPeak = Math.max(queuedBytesPeak, processor.stats().queuedBytes);
  }, 20);
  const started = performance.now();
  await server.call("setFault", MIXED);

  const phases = [
    { at: 0.4, what: "API down for 2 s", act: () => outage(server, 2_000) },
    { at: 0.7, what: "ambiguous failures (stored, then failed)", act: () => server.call("setFault", AMBIGUOUS) },
  ];
  const pending: Promise<unknown>[] = [];
  let produceMs = 0;
  for (let i = 0; i < totalSpans; i += 5) {
    const phase = phases[0];
    if (phase && i >= phase.at * totalSpans) {
      phases.shift();
      console.log(`  at span ${i}: ${phase.what}`);
      pending.push(phase.act());
    }
    const t0 = performance.now();
    trace(tracer, i, expected);
    produceMs += performance.now() - t0;
    if (i % 500 === 0) {
      // An app yields to its event loop now and then, and (unless --rate 0) makes spans at a steady pace.
      const ahead = rate > 0 ? (i * 1000) / rate - (performance.now() - started) : 0;
      await (ahead > 1 ? new Promise((r) => setTimeout(r, ahead)) : tick());
    }
  }
  await Promise.all(pending);
  const producedAt = performance.now();
  while (processor.stats().queued > 0) await processor.forceFlush();
  await provider.shutdown();
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;

  const audit = (await server.call("audit")) as Audit;
  await server.call("close");
  const stored = new Set(audit.spanIds);
  const missing = [...expected].filter((id) => !stored.has(id)).length;
  const stats = processor.stats();
  const droppedTotal = Object.values(stats.dropped).reduce((a, b) => a + b, 0) - stats.dropped.tooLarge;

  console.log(`
spans created       ${expected.size} (${rate > 0 ? `${rate}/s` : "unpaced"})
delivered           ${stored.size} (${audit.rows} rows stored; missing ${missing})
duplicates          ${audit.rows - audit.distinctSpanIds} duplicate ids stored; ${audit.rowsReceived - audit.distinctSpanIds} rows re-sent (retries and 413 splits; a stored row is replaced by id)
dropped (lost)      ${droppedTotal} — ${JSON.stringify(stats.dropped)} (tooLarge counts truncated rows, which were delivered)
retried requests    ${stats.retried}
faults injected     ${JSON.stringify(audit.faults)}
peak RSS            ${mb(Math.max(rssPeak, maxRssBytes))} MB (${mb(rssBaseline)} MB before the first span; heap used at most ${mb(heapPeak)} MB; queue held at most ${mb(queuedBytesPeak)} MB)
wall time           ${(wallMs / 1000).toFixed(1)} s (spans produced in ${((producedAt - started) / 1000).toFixed(1)} s; span.end() + onEnd ${(produceMs / 1000).toFixed(2)} s total, ${((produceMs * 1000) / expected.size).toFixed(1)} µs per span)
`);
  // Exact accounting: every span is stored once, or counted in exactly one dropped reason.
  const ok = audit.rows === audit.distinctSpanIds && missing === droppedTotal && stored.size + droppedTotal === expected.size;
  // Every fault injected here is retryable: a row the API refused means the exporter sent something wrong.
  const refused = stats.dropped.rejected + stats.dropped.invalid;
  console.log(
    !ok
      ? "FAILED: stored + dropped does not add up to the spans created"
      : refused > 0
        ? `FAILED: ${refused} rows were refused or invalid, though every fault injected is retryable (${stats.lastError})`
        : `OK: every span stored exactly once${droppedTotal ? `, except ${droppedTotal} counted as dropped` : ""}`,
  );
  process.exitCode = ok && refused === 0 ? 0 : 1;
}

/** One trace: an agent root, two LLM calls and a tool, plus a retrieval step; 1 in 2,000 spans carries 1 MB. */
function trace(tracer: import("@opentelemetry/api").Tracer, n: number, expected: Set<string>): void {
  tracer.startActiveSpan(`agent ${n}`, (root) => {
    root.setAttributes({ "gen_ai.operation.name": "invoke_agent", "braintrust.input_json": JSON.stringify({ task: `task ${n}` }) });
    for (let k = 0; k < 4; k++) {
      tracer.startActiveSpan(k === 2 ? "execute_tool search" : "chat gpt-4o", (span) => {
        span.setAttributes({
          "gen_ai.operation.name": k === 2 ? "execute_tool" : "chat",
          "gen_ai.request.model": "gpt-4o",
          "gen_ai.provider.name": "openai",
          "gen_ai.usage.input_tokens": 120 + k,
          "gen_ai.usage.output_tokens": 40 + k,
          "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: `question ${n}.${k} `.repeat(8) }] }]),
          "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: (n + k) % 2_000 === 0 ? "x".repeat(1_000_000) : `answer ${n}.${k}` }] }]),
        });
        expected.add(span.spanContext().spanId);
        span.end();
      });
    }
    expected.add(root.spanContext().spanId);
    root.end();
  });
}

async function outage(server: Awaited<ReturnType<typeof startServer>>, ms: number): Promise<void> {
  await server.call("down");
  await new Promise((r) => setTimeout(r, ms));
  await server.call("up");
}

/** The local server in a child process, driven over IPC. */
async function startServer() {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], { execArgv: process.execArgv, stdio: "inherit" });
  const replies = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  const hello = await new Promise<{ url: string; apiKey: string }>((resolve) => child.once("message", resolve as (m: unknown) => void));
  child.on("message", (m: { id: number; result: unknown }) => replies.get(m.id)?.(m.result));
  return {
    ...hello,
    call(cmd: Command, arg?: unknown): Promise<unknown> {
      const id = nextId++;
      return new Promise((resolve) => {
        replies.set(id, resolve);
        child.send({ id, cmd, arg });
      });
    },
  };
}

async function serve(): Promise<void> {
  const { startLocalBraintrust } = await import("braintrust-otel-exporter/testing");
  const server = await startLocalBraintrust({ maxRequestBytes: 64 * 1024 * 1024 });
  const send = (m: unknown) => process.send!(m);
  // Never outlive the benchmark, whatever happens to it.
  process.on("disconnect", () => void server.close().finally(() => process.exit(0)));
  send({ url: server.url, apiKey: server.apiKey });
  process.on("message", async ({ id, cmd, arg }: { id: number; cmd: Command; arg?: unknown }) => {
    switch (cmd) {
      case "setFault":
        server.setFault(arg as Fault);
        return send({ id });
      case "down":
        await server.down();
        return send({ id });
      case "up":
        await server.up();
        return send({ id });
      case "audit": {
        const rows = server.rows(PROJECT);
        const spanIds = rows.map((r) => r.span_id);
        let rowsReceived = 0;
        for (const r of server.requests) {
          const events = (r.body as { events?: unknown[] } | undefined)?.events;
          if (r.path.endsWith("/insert") && Array.isArray(events)) rowsReceived += events.length;
        }
        const audit: Audit = { rows: rows.length, distinctSpanIds: new Set(spanIds).size, spanIds, rowsReceived, faults: server.faults() };
        return send({ id, result: audit });
      }
      case "close":
        await server.close();
        send({ id });
        process.disconnect();
        return;
    }
  });
}

function numberArg(name: string, fallback: number, min = 1): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(value) && value >= min ? value : fallback;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}
