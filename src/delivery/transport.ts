// HTTP for the exporter: one method, `request`, over undici, that returns an Outcome and
// never throws. API requests (`path`) go to the API origin through one keep-alive dispatcher
// (a Pool, a proxy agent when HTTP(S)_PROXY asks for one, or the user's own) with the key and
// the user's headers. An upload (`url`) goes to an object store's signed URL through a
// dispatcher for any origin, through the proxy when one is set, with exactly the headers it
// is given: never the key, never a user header, and never the user's dispatcher, which may
// be bound to the API's origin. Every request has a timeout, and at most a few KiB of an
// error answer are read.
//
// The transport keeps no count of requests: the limiter (limiter.ts) decides how many are in
// flight. The key lives in private fields only, so util.inspect of anything that holds a
// transport (the processor, its delivery) cannot print it.
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { Dispatcher } from "undici";
import { type ProxyInUse, type ProxySettings, proxyFor } from "../config/proxy.js";
import { redact } from "../log.js";
import { whenAborted } from "./abort.js";
import { readBounded } from "./answer.js";
import { anyOriginDispatcher, ownDispatcher } from "./dispatcher.js";
import type { Outcome } from "./outcome.js";
import { parseRetryAfter } from "./retry.js";

export interface TransportOptions {
  apiUrl: string;
  apiKey: string;
  headers: Readonly<Record<string, string>>;
  /** Connections per origin; the limiter keeps requests in flight within it. */
  maxConcurrent: number;
  /** HTTP_PROXY / HTTPS_PROXY / NO_PROXY as read from the environment. */
  proxy?: ProxySettings;
  /** The user's own dispatcher (mTLS, a private CA, a custom agent) for API requests; never closed by us. */
  dispatcher?: Dispatcher;
  /** Compress insert bodies with gzip. */
  compression?: "gzip";
}

interface Common {
  readonly body?: string | Uint8Array;
  /** Gives up after this long. */
  readonly timeoutMs: number;
  /** Gives up when this aborts. */
  readonly signal?: AbortSignal | undefined;
}

export type Request =
  /** To the API: `path` like `/v1/project`, under apiUrl's path prefix, with the key and the user's headers. */
  | (Common & { readonly method: "GET" | "POST"; readonly path: string })
  /** To an object store's signed URL, with exactly `headers`: never the key nor a user header. */
  | (Common & { readonly method: "PUT"; readonly url: string; readonly headers: Readonly<Record<string, string>> });

const gzipAsync = promisify(gzip);
/** Smaller bodies are sent as they are: the header would cost more than the bytes saved. */
const MIN_GZIP_BYTES = 1024;

/** Error bodies are kept for messages only; a proxy's multi-megabyte page is not. */
const MAX_ERROR_BODY = 4096;
/** A success body is `{row_ids}`, a project or `{signedUrl, headers}`: 1 MiB holds the ids of 20k rows. */
const MAX_OK_BODY = 1024 * 1024;
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Where one request goes and how. */
interface Route {
  readonly dispatcher: Dispatcher | Promise<Dispatcher>;
  readonly origin: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  /** The proxy the request goes through, named when it fails. */
  readonly proxy: ProxyInUse | undefined;
}

export class Transport {
  /** A promise only while undici is being imported (see dispatcher.ts). */
  readonly #dispatcher: Dispatcher | Promise<Dispatcher>;
  readonly #ownsDispatcher: boolean;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;
  readonly #gzipHeaders: Record<string, string> | undefined;
  readonly #connections: number;
  readonly #proxySettings: ProxySettings | undefined;
  /** The proxy our own dispatcher sends API requests through, named when a request fails. */
  readonly #proxy: ProxyInUse | undefined;
  /** For uploads to signed URLs; made at the first upload. */
  #uploads: Dispatcher | Promise<Dispatcher> | undefined;
  readonly #closing = new AbortController();

  constructor(options: TransportOptions) {
    const url = new URL(options.apiUrl);
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, "");
    this.#connections = options.maxConcurrent;
    this.#proxySettings = options.proxy;
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
      this.#ownsDispatcher = false;
      this.#proxy = undefined;
    } else {
      this.#dispatcher = ownDispatcher(url.origin, this.tuning(), options.proxy);
      if (this.#dispatcher instanceof Promise) this.#dispatcher.catch(() => {}); // each request reports it
      this.#ownsDispatcher = true;
      this.#proxy = proxyFor(options.proxy, url.href);
    }
    // A user header may replace the key's Authorization (a gateway with its own auth).
    this.#headers = {
      authorization: `Bearer ${options.apiKey}`,
      ...options.headers,
      "content-type": "application/json",
    };
    if (options.compression === "gzip") this.#gzipHeaders = { ...this.#headers, "content-encoding": "gzip" };
  }

  /** The URL path for an API path like `/v1/project`, under any path prefix in apiUrl. */
  path(apiPath: string): string {
    return this.#basePath + apiPath;
  }

  /** One request; every failure is an Outcome. */
  request(request: Request): Promise<Outcome> {
    if (this.closed || request.signal?.aborted) return Promise.resolve(closedOutcome());
    if (request.method === "PUT") {
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        return Promise.resolve({ kind: "invalid", status: 0, body: "the signed upload URL is not a URL" });
      }
      this.#uploads ??= anyOriginDispatcher(this.tuning(), this.#proxySettings);
      const route = { dispatcher: this.#uploads, origin: url.origin, path: url.pathname + url.search, headers: { ...request.headers }, proxy: proxyFor(this.#proxySettings, url.href) };
      return this.send(route, request);
    }
    const route = { dispatcher: this.#dispatcher, origin: this.#origin, path: this.path(request.path), headers: this.#headers, proxy: this.#proxy };
    const { body } = request;
    if (this.#gzipHeaders && request.method === "POST" && body !== undefined && typeof body !== "string" && body.length >= MIN_GZIP_BYTES) {
      return this.sendGzipped({ ...route, headers: this.#gzipHeaders }, request, body);
    }
    return this.send(route, request);
  }

  /** POSTs `body` (JSON, as text or UTF-8 bytes) to `apiPath`; gives up after `timeoutMs`, or when `signal` aborts. */
  post(apiPath: string, body: string | Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    return this.request({ method: "POST", path: apiPath, body, timeoutMs, signal });
  }

  /** GETs `apiPath`; gives up after `timeoutMs`, or when `signal` aborts. */
  get(apiPath: string, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    return this.request({ method: "GET", path: apiPath, timeoutMs, signal });
  }

  /**
   * Level 1: on rows of JSON most of the ratio of level 6 for a fraction of its CPU. zlib runs
   * on libuv's thread pool, so the event loop does not wait for it (the process still pays it).
   */
  private async sendGzipped(route: Route, request: Request, body: Uint8Array): Promise<Outcome> {
    const started = Date.now();
    let compressed: Buffer;
    try {
      compressed = await gzipAsync(body, { level: 1 });
    } catch {
      return this.send({ ...route, headers: this.#headers }, request);
    }
    return this.send(route, { ...request, body: compressed, timeoutMs: Math.max(1, request.timeoutMs - (Date.now() - started)) });
  }

  private async send(route: Route, { method, body, timeoutMs, signal }: Request): Promise<Outcome> {
    const abort = new AbortController();
    const stopListening = whenAborted(this.#closing.signal, () => abort.abort());
    const stopCaller = signal ? whenAborted(signal, () => abort.abort()) : undefined;
    const timer = setTimeout(() => abort.abort(), Math.max(1, timeoutMs));
    timer.unref();
    const via = route.proxy ? { proxy: route.proxy } : {};
    try {
      const dispatcher = route.dispatcher instanceof Promise ? await route.dispatcher : route.dispatcher;
      const res = await dispatcher.request({
        origin: route.origin,
        path: route.path,
        method,
        headers: route.headers,
        body,
        signal: abort.signal,
        headersTimeout: Math.max(1, timeoutMs),
        bodyTimeout: Math.max(1, timeoutMs),
      });
      const status = res.statusCode;
      const ok = status >= 200 && status < 300;
      const answer = await readBounded(res.body, ok ? MAX_OK_BODY : MAX_ERROR_BODY);
      if (ok) {
        if (answer.cut) return { kind: "invalid", status, body: `${answer.text.slice(0, 300)}… (an answer longer than ${MAX_OK_BODY} bytes)` };
        return { kind: "ok", status, body: answer.text };
      }
      const location = header(res.headers, "location");
      if (REDIRECTS.has(status) && location !== undefined) {
        return { kind: "http", status, body: answer.text, location: redact(new URL(location, route.origin + route.path).href) };
      }
      const retryAfterMs = parseRetryAfter(header(res.headers, "retry-after"));
      return {
        kind: "http",
        status,
        body: answer.text,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    } catch (err) {
      if (abort.signal.aborted && !this.#closing.signal.aborted) {
        return { kind: "network", code: "ETIMEDOUT", message: `no answer within ${timeoutMs} ms`, ...via };
      }
      return { ...networkOutcome(err), ...via };
    } finally {
      clearTimeout(timer);
      stopListening();
      stopCaller?.();
    }
  }

  /** Aborts requests in flight and closes every socket we opened. Idempotent; never rejects. */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    const own = [this.#ownsDispatcher ? this.#dispatcher : undefined, this.#uploads];
    await Promise.all(own.map((d) => (d ? Promise.resolve(d).then((x) => x.destroy()).catch(() => {}) : undefined)));
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  private tuning() {
    return { connections: this.#connections, keepAliveTimeout: 30_000, connect: { timeout: 10_000 } };
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function closedOutcome(): Outcome {
  return { kind: "network", code: "ECLOSED", message: "the exporter is shut down" };
}

function networkOutcome(err: unknown): Outcome {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = [e?.cause?.code, e?.code].find((c): c is string => typeof c === "string") ?? "ENETWORK";
  const message = typeof e?.message === "string" ? e.message : String(err);
  const cause = typeof e?.cause?.message === "string" && e.cause.message !== message ? ` (${e.cause.message})` : "";
  return { kind: "network", code, message: redact(message + cause) };
}
