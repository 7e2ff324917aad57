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
  return { requests: 0, headerBytes: 0, bodyBytes: 0, rows: 0, unknownPaths: [] };
}

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

function countRows(path: string, body: Buffer, encoding: string | undefined): number {
  try {
    const text = (encoding === "gzip" ? gunzipSync(body) : body).toString("utf8");
    const parsed = JSON.parse(text);
    if (path.endsWith("/insert")) return Array.isArray(parsed.events) ? parsed.events.length : 0;
    let spans = 0;
    for (const rs of parsed.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
    return spans;
  } catch {
    return 0;
  }
}

const SPAN_ID_KEY = Buffer.from('"span_id":"');

/** `{row_ids}` with one id per row, as the API answers (the exporter checks the count); rows found by a byte search, not a parse. */
function rowIdsFor(body: Buffer, encoding: string | undefined): string {
  const bytes = encoding === "gzip" ? gunzipSync(body) : body;
  let n = 0;
  for (let at = bytes.indexOf(SPAN_ID_KEY); at >= 0; at = bytes.indexOf(SPAN_ID_KEY, at + SPAN_ID_KEY.length)) n++;
  return `{"row_ids":[${n > 0 ? `${'"r",'.repeat(n - 1)}"r"` : ""}]}`;
}

function live(req: IncomingMessage, res: ServerResponse): void {
  counters.requests++;
  counters.headerBytes += headerBytesOf(req);
  const path = (req.url ?? "").split("?")[0]!;
  readBody(req, (body) => {
    counters.bodyBytes += body.length;
    let reply: string;
    if (path === "/_bench/delay") {
      delayMs = Number(new URL(req.url ?? "", "http://sink").searchParams.get("ms")) || 0;
      res.writeHead(204).end();
      return;
    }
    if (path === "/v1/traces") reply = "{}";
    else if (path.startsWith("/v1/project_logs/") && path.endsWith("/insert")) reply = rowIdsFor(body, req.headers["content-encoding"]);
    else if (path === "/v1/project" || path === `/v1/project/${BENCH_PROJECT_ID}`) reply = PROJECT;
    else {
      if (counters.unknownPaths.length < 10) counters.unknownPaths.push(`${req.method} ${path}`);
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const answer = () => res.writeHead(200, { "content-type": "application/json" }).end(reply);
    const insert = !path.startsWith("/v1/project") || path.endsWith("/insert");
    if (delayMs > 0 && insert) setTimeout(answer, delayMs);
    else answer();
    if (insert) {
      const encoding = req.headers["content-encoding"];
      setImmediate(() => (counters.rows += countRows(path, body, encoding)));
    }
  });
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
    }
    // Rows are counted on setImmediate after each answer; let those run before replying.
    else if (message.type === "stats") setImmediate(() => process.send!({ type: "stats", counters } satisfies SinkReply));
  });
  process.on("disconnect", () => process.exit(0));
  process.send!({ type: "ready", live: liveUrl, dead: deadUrl } satisfies SinkReply);
}

void main();
