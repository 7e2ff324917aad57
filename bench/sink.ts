// The loopback sink, in its own process so its work is not charged to any contender.
// The live server answers every request at once; rows are counted after the answer is
// sent so counting never delays a contender. The dead server reads requests and never
// answers (the backpressure case).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { BENCH_PROJECT_ID, type SinkCounters, type SinkMessage, type SinkReply } from "./protocol.js";

const PROJECT = JSON.stringify({
  id: BENCH_PROJECT_ID,
  org_id: "0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d",
  name: "bench",
  created: "2025-01-01T00:00:00.000Z",
});

let counters = fresh();
/** How long inserts and OTLP exports wait for their answer (a contender sets it after its warm-up). */
let delayMs = 0;

function fresh(): SinkCounters {
  return { requests: 0, headerBytes: 0, bodyBytes: 0, rows: 0, unknownPaths: [], peakInFlight: 0, rampMillis: 0 };
}

/** The sink's own CPU ms since it started; a run's is the difference from the read at its reset. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
let cpuAtReset = 0;

/** Delayed inserts (and OTLP exports) being answered now; when the first came, and when the peak was first reached. */
let inFlight = 0;
let firstDelayedAt = 0;

/** Request line + headers as they came over the socket (give or take whitespace). */
function headerBytesOf(req: IncomingMessage): number {
  let n = req.method!.length + req.url!.length + 12;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) n += raw[i]!.length + raw[i + 1]!.length + 4;
  return n + 2;
}

function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
}

/** OTLP spans in an export body. */
function countSpans(body: Buffer, encoding: string | undefined): number {
  try {
    const parsed = JSON.parse((encoding === "gzip" ? gunzipSync(body) : body).toString("utf8"));
    let spans = 0;
    for (const rs of parsed.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
    return spans;
  } catch {
    return 0;
  }
}

const SPAN_ID_KEY = Buffer.from('"span_id":"');

/**
 * Rows in an insert body, found by a byte search for their `span_id` key rather than a parse:
 * a parse of every body cost the sink about as much CPU as the contender spends sending it, and
 * against the slow API (80k rows/s) made the sink, not the contender, the bottleneck.
 */
function rowsIn(body: Buffer, encoding: string | undefined): number {
  const bytes = encoding === "gzip" ? gunzipSync(body) : body;
  let n = 0;
  for (let at = bytes.indexOf(SPAN_ID_KEY); at >= 0; at = bytes.indexOf(SPAN_ID_KEY, at + SPAN_ID_KEY.length)) n++;
  return n;
}

/** `{row_ids}` with one id per row, as the API answers (the exporter checks the count). */
function rowIdsFor(n: number): string {
  return `{"row_ids":[${n > 0 ? `${'"r",'.repeat(n - 1)}"r"` : ""}]}`;
}

function live(req: IncomingMessage, res: ServerResponse): void {
  counters.requests++;
  counters.headerBytes += headerBytesOf(req);
  const path = (req.url ?? "").split("?")[0]!;
  readBody(req, (body) => {
    counters.bodyBytes += body.length;
    let reply: string;
    /** The rows in the body; OTLP's are parsed on a later turn, so that counting never delays the answer. */
    let rows: () => number = () => 0;
    if (path === "/_bench/delay") {
      delayMs = Number(new URL(req.url ?? "", "http://sink").searchParams.get("ms")) || 0;
      res.writeHead(204).end();
      return;
    }
    if (path === "/_bench/rows") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ rows: counters.rows }));
      return;
    }
    const encoding = req.headers["content-encoding"];
    if (path === "/v1/traces") {
      reply = "{}";
      rows = () => countSpans(body, encoding);
    } else if (path.startsWith("/v1/project_logs/") && path.endsWith("/insert")) {
      const n = rowsIn(body, encoding);
      reply = rowIdsFor(n);
      rows = () => n;
    } else if (path === "/v1/project" || path === `/v1/project/${BENCH_PROJECT_ID}`) reply = PROJECT;
    else {
      if (counters.unknownPaths.length < 10) counters.unknownPaths.push(`${req.method} ${path}`);
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const answer = () => res.writeHead(200, { "content-type": "application/json" }).end(reply);
    const insert = !path.startsWith("/v1/project") || path.endsWith("/insert");
    if (delayMs > 0 && insert) {
      track();
      setTimeout(() => {
        inFlight--;
        answer();
      }, delayMs);
    } else answer();
    if (insert) setImmediate(() => (counters.rows += rows()));
  });
}

/** The requests in flight at the sink show the concurrency a contender reached, and how long it took to get there. */
function track(): void {
  const now = performance.now();
  if (firstDelayedAt === 0) firstDelayedAt = now;
  if (++inFlight > counters.peakInFlight) {
    counters.peakInFlight = inFlight;
    counters.rampMillis = now - firstDelayedAt;
  }
}

function dead(req: IncomingMessage): void {
  counters.requests++;
  counters.headerBytes += headerBytesOf(req);
  req.on("data", (chunk: Buffer) => (counters.bodyBytes += chunk.length));
  // Never answered: the contender's own timeout is what ends the request.
}

function listen(server: Server): Promise<string> {
  server.keepAliveTimeout = 30_000;
  server.requestTimeout = 0;
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

async function main(): Promise<void> {
  const [liveUrl, deadUrl] = await Promise.all([listen(createServer(live)), listen(createServer(dead))]);
  process.on("message", (message: SinkMessage) => {
    if (message.type === "reset") {
      counters = fresh();
      delayMs = 0;
      firstDelayedAt = 0;
      cpuAtReset = cpuMs();
    }
    // Rows are counted on setImmediate after each answer; let those run before replying.
    else if (message.type === "stats") setImmediate(() => process.send!({ type: "stats", counters: { ...counters, cpuMs: cpuMs() - cpuAtReset } } satisfies SinkReply));
  });
  process.on("disconnect", () => process.exit(0));
  process.send!({ type: "ready", live: liveUrl, dead: deadUrl } satisfies SinkReply);
}

void main();
