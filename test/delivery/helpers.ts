// Shared by the delivery tests: synthetic rows, configs, and a tiny scripted HTTP server
// for behaviour the local Braintrust server does not model (sockets, headers, concurrency).
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type BraintrustExporterOptions, type ExporterConfig, resolveConfig } from "../../src/config/config.js";
import { Batcher } from "../../src/delivery/batch.js";
import { Limiter } from "../../src/delivery/limiter.js";
import type { SenderOptions } from "../../src/delivery/sender.js";

/** One valid InsertProjectLogsEvent, serialized, with a unique id. */
export function event(id: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    span_id: id,
    root_span_id: id,
    created: "2025-01-01T00:00:00.000Z",
    input: { q: `question ${id}` },
    output: "answer",
    metrics: { start: 1_735_689_600, end: 1_735_689_601 },
    span_attributes: { name: "work", type: "task" },
    ...extra,
  });
}

export function configFor(options: BraintrustExporterOptions): ExporterConfig {
  const result = resolveConfig({ env: {}, ...options });
  if (!result.ok) throw new Error(result.error);
  return result.config;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  remotePort: number;
}

export interface ScriptedServer {
  url: string;
  seen: SeenRequest[];
  /** Most requests being handled at once. */
  peakConcurrent: number;
  close(): Promise<void>;
}

/**
 * A loopback server whose every answer comes from `handler`, except the project check the
 * exporter makes before sending (`GET /v1/project/{id}`), which it answers as the API does
 * and leaves out of `seen`.
 */
export async function scriptedServer(
  handler: (req: SeenRequest, res: ServerResponse) => void | Promise<void>,
): Promise<ScriptedServer> {
  let current = 0;
  const state: ScriptedServer = { url: "", seen: [], peakConcurrent: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const project = req.method === "GET" ? /^\/v1\/project\/([^/?]+)$/.exec(req.url ?? "") : null;
      if (project) return json(res, 200, { id: decodeURIComponent(project[1]!), name: "scripted" });
      const seen: SeenRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        remotePort: req.socket.remotePort ?? 0,
      };
      state.seen.push(seen);
      current++;
      state.peakConcurrent = Math.max(state.peakConcurrent, current);
      res.on("close", () => current--);
      void Promise.resolve(handler(seen, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** Answers an insert the way the API does. */
export function acceptInsert(req: SeenRequest, res: ServerResponse): void {
  const { events } = JSON.parse(req.body) as { events: { id: string }[] };
  json(res, 200, { row_ids: events.map((e) => e.id) });
}

export { captureDiag, captureWarnings, trackUnhandled } from "../helpers/diag.js";

/** Polls `check` until it holds (the wait is bounded by the test's own timeout). */
export async function until(check: () => boolean, intervalMs = 10): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, intervalMs));
}

/** Sender options for tests: quick retries (5–20 ms), a 5 s deadline, no org; `over` replaces any of them. */
export function senderOptions(over: Partial<SenderOptions> = {}): SenderOptions {
  return {
    batches: new Batcher(512, 5_000_000),
    exportTimeoutMillis: 5_000,
    attemptTimeoutMs: 2_000,
    orgName: undefined,
    policy: { baseDelayMs: 5, maxDelayMs: 20, maxWaitMs: 60_000, random: () => 0.5 },
    signal: new AbortController().signal,
    limiter: new Limiter({ max: 16 }),
    ...over,
  };
}
