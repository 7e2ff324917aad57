// HTTP plumbing around the routes: body limits, bearer auth, fault injection and
// the request log. The listening socket can go down and come back on the same port,
// so clients can be tested against an outage.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { SUPPORTED_ENCODINGS, contentEncoding, readBody } from "./body.js";
import type { FaultAction, FaultInjector } from "./faults.js";
import { type Reply, problem } from "./reply.js";
import { type MatchedRoute, matchRoute } from "./routes.js";
import { viewerReply } from "./viewer.js";
import type { LocalStore } from "./store.js";

/** One request as the server saw it; `status` is 0 when it was never answered. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names; `authorization` reads "Bearer ***". */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when it is not JSON (undefined when empty). */
  body: unknown;
  status: number;
  bytes: number;
  /** The fault injected into this request, if any. */
  fault?: FaultAction["kind"] | "tooLarge";
  /** What the route made of it, in a few words (e.g. "3 spans"), when it says. */
  note?: string;
}

export interface ServerOptions {
  host: string;
  port: number;
  apiKey: string;
  maxRequestBytes: number;
  onRequest?: (request: RecordedRequest) => void;
  /** Keep every request in `requests` (bodies included): right for tests, not for a long-running server. */
  recordRequests: boolean;
}

const HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>";
// A response cut off mid-array: what a client sees from a proxy that truncates bodies.
const BROKEN_JSON = '{"row_ids": ["';
/** The paths the object store answers (attachment-routes.ts), which are not the API's. */
const OBJECT_STORE = /^\/attachment\/(upload|download)\//;

export class LocalServer {
  readonly requests: RecordedRequest[] = [];
  /**
   * Requests being handled now (arrived, not yet answered or cut), and the most at once: the
   * API's, and the object store's (signed uploads and downloads) apart.
   */
  readonly concurrency = { now: 0, peak: 0, objectStore: 0 };
  private server: Server | undefined;
  private port: number;

  constructor(
    private readonly store: LocalStore,
    private readonly faults: FaultInjector,
    private readonly options: ServerOptions,
  ) {
    this.port = options.port;
  }

  get url(): string {
    const host = this.options.host.includes(":") ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.port}`;
  }

  /** Starts listening; after `down()`, on the same port as before. */
  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      if (OBJECT_STORE.test(req.url ?? "")) {
        this.concurrency.objectStore++;
        res.once("close", () => this.concurrency.objectStore--);
      } else {
        this.concurrency.now++;
        this.concurrency.peak = Math.max(this.concurrency.peak, this.concurrency.now);
        res.once("close", () => this.concurrency.now--);
      }
      void this.handle(req, res).catch((err) => this.crash(res, err));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, this.options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts every open connection, hung requests included. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: recordedHeaders(req),
      body: undefined,
      status: 0,
      bytes: 0,
    };
    if (this.options.recordRequests) this.requests.push(record);
    const page = await viewerReply(record.method, record.path);
    if (page) return this.write(res, record, page.status, page.contentType, page.body, page.headers);

    const route = matchRoute(record.method, record.path);
    // Before a single byte of the body is read: a stranger's upload costs no memory.
    const authError = this.needsAuth(record.path, route) ? this.checkAuth(req.headers.authorization) : undefined;
    let parsed: ReturnType<typeof parseJson> = { ok: true, value: undefined };
    let raw: Buffer = Buffer.alloc(0);
    if (!authError) {
      const encoding = req.headers["content-encoding"];
      if (contentEncoding(encoding) === undefined) {
        return this.refuse(req, res, record, problem(415, `Content-Encoding ${String(encoding)} is not supported: send ${SUPPORTED_ENCODINGS}`));
      }
      const body = await readBody(req, this.options.maxRequestBytes);
      if (body === undefined) return; // the client went away mid-body
      record.bytes = body.bytes;
      if (body.kind === "tooLarge") {
        const inflated = contentEncoding(encoding) ? " once inflated" : "";
        return this.send(res, record, problem(413, `Request body exceeds ${this.options.maxRequestBytes} bytes${inflated}`));
      }
      if (body.kind === "corrupt") return this.send(res, record, problem(400, `Body does not inflate as ${String(encoding)}: ${body.message}`));
      raw = body.data;
      const text = raw.toString("utf8");
      parsed = parseJson(text);
      record.body = parsed.ok ? parsed.value : text;
    }

    // Faults stand for the network and the API's front door, so they hit requests with a bad key too.
    const plan = this.faults.plan(route?.group, authError ? Number(req.headers["content-length"]) || 0 : record.bytes);
    if (plan?.delayMs) await sleep(plan.delayMs);
    if (plan?.tooLarge) {
      record.fault = "tooLarge";
      return this.refuse(req, res, record, problem(413, "Request body too large"));
    }
    if (plan?.action && (!plan.afterStore || authError)) return this.inject(req, res, record, plan.action);
    if (authError) return this.refuse(req, res, record, problem(401, authError));
    const reply = this.answer(req, record, route, url.searchParams, parsed, raw);
    if (plan?.action) return this.inject(req, res, record, plan.action);
    this.send(res, record, reply);
  }

  /** Every /v1 path (known or not) and every other route, except those that say otherwise. */
  private needsAuth(path: string, route: MatchedRoute | undefined): boolean {
    return route ? route.auth : path.startsWith("/v1/");
  }

  /** The normal answer, once the key has been checked: the route, or why there is none. */
  private answer(
    req: IncomingMessage,
    { method, path }: RecordedRequest,
    route: MatchedRoute | undefined,
    query: URLSearchParams,
    parsed: ReturnType<typeof parseJson>,
    raw: Buffer,
  ): Reply {
    if (!route) return problem(404, `Not found: ${method} ${path}`);
    if (!route.handler) {
      return { ...problem(405, `Method ${method} not allowed`), headers: { allow: route.allowed.join(", ") } };
    }
    if (!parsed.ok && !route.anyBody) return problem(400, `Invalid JSON body: ${parsed.error}`);
    return route.handler(this.store, {
      method,
      params: route.params,
      query,
      headers: req.headers,
      body: parsed.ok ? parsed.value : undefined,
      bodyIsJson: parsed.ok,
      raw,
    });
  }

  private checkAuth(header: string | undefined): string | undefined {
    if (!header) return "Missing Authorization header; send 'Authorization: Bearer <API key>'";
    const m = /^bearer\s+(.+)$/i.exec(header.trim());
    if (!m) return "Malformed Authorization header; expected 'Bearer <API key>'";
    return m[1] === this.options.apiKey ? undefined : "Invalid API key";
  }

  /**
   * Answers without buffering the body: what the client still sends is read and thrown
   * away as it comes, so it gets its answer instead of a reset, and the upload costs
   * no memory. A body past the size limit is cut off with the connection.
   */
  private refuse(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, reply: Reply): void {
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > this.options.maxRequestBytes) req.socket.destroy();
    });
    this.send(res, record, reply);
  }

  private inject(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, action: FaultAction): void {
    record.fault = action.kind;
    switch (action.kind) {
      case "hang":
        return this.finished(record); // the socket stays open until down() or close()
      case "reset":
        req.socket.destroy();
        return this.finished(record);
      case "fail": {
        const headers = action.retryAfter === undefined ? undefined : { "retry-after": action.retryAfter };
        return this.send(res, record, { ...problem(action.status, `Injected failure (${action.status})`), headers });
      }
      case "garbage":
        return action.garbage === "html502"
          ? this.write(res, record, 502, "text/html", HTML_502)
          : this.write(res, record, 200, "application/json", BROKEN_JSON);
    }
  }

  private send(res: ServerResponse, record: RecordedRequest, reply: Reply): void {
    if (reply.note !== undefined) record.note = reply.note;
    if (reply.body instanceof Uint8Array) return this.write(res, record, reply.status, reply.contentType ?? "application/octet-stream", reply.body, reply.headers);
    if (typeof reply.body === "string") return this.write(res, record, reply.status, "text/plain; charset=utf-8", reply.body, reply.headers);
    this.write(res, record, reply.status, "application/json; charset=utf-8", JSON.stringify(reply.body), reply.headers);
  }

  private write(
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    contentType: string,
    text: string | Uint8Array,
    headers: Record<string, string> = {},
  ): void {
    if (res.destroyed || res.writableEnded) return; // down() cut this connection meanwhile
    record.status = status;
    res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
    this.finished(record);
  }

  private finished(record: RecordedRequest): void {
    this.options.onRequest?.(record);
  }

  /** A bug in a route must not take the server (or the test run) down with it. */
  private crash(res: ServerResponse, err: unknown): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify(problem(500, `Internal error: ${err instanceof Error ? err.message : String(err)}`).body));
  }
}

function recordedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = name === "authorization" ? "Bearer ***" : Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (text.trim() === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
