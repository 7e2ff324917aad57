// HTTP to the Braintrust API: one keep-alive undici dispatcher for the API origin (a Pool,
// a proxy agent when HTTP(S)_PROXY asks for one, or the user's own), at most
// `maxConcurrent` requests in flight (others wait their turn), a timeout on every request,
// and at most a few KiB of any answer read. It never throws: every failure comes back as an
// Outcome for the retry policy to judge.
//
// The key lives in private fields only, so util.inspect of anything that holds a
// transport (the processor, its delivery) cannot print it.
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { Dispatcher } from "undici";
import { type ProxyInUse, type ProxySettings, proxyFor } from "../config/proxy.js";
import { redact } from "../log.js";
import { whenAborted } from "./abort.js";
import { readBounded } from "./answer.js";
import { ownDispatcher } from "./dispatcher.js";
import type { Outcome } from "./outcome.js";
import { parseRetryAfter } from "./retry.js";

export interface TransportOptions {
  apiUrl: string;
  apiKey: string;
  headers: Readonly<Record<string, string>>;
  maxConcurrent: number;
  /** HTTP_PROXY / HTTPS_PROXY / NO_PROXY as read from the environment. */
  proxy?: ProxySettings;
  /** The user's own dispatcher (mTLS, a private CA, a custom agent); never closed by us. */
  dispatcher?: Dispatcher;
  /** Compress insert bodies with gzip. */
  compression?: "gzip";
}

const gzipAsync = promisify(gzip);
/** Smaller bodies are sent as they are: the header would cost more than the bytes saved. */
const MIN_GZIP_BYTES = 1024;

/** Error bodies are kept for messages only; a proxy's multi-megabyte page is not. */
const MAX_ERROR_BODY = 4096;
/** A success body is `{row_ids}` or a project: 1 MiB holds the ids of 20k rows. */
const MAX_OK_BODY = 1024 * 1024;
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export class Transport {
  /** A promise only while undici is being imported (see dispatcher.ts). */
  readonly #dispatcher: Dispatcher | Promise<Dispatcher>;
  readonly #ownsDispatcher: boolean;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;
  readonly #gzipHeaders: Record<string, string> | undefined;
  readonly #maxConcurrent: number;
  /** The proxy our own dispatcher sends API requests through, named when a request fails. */
  readonly #proxy: ProxyInUse | undefined;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #closing = new AbortController();

  constructor(options: TransportOptions) {
    const url = new URL(options.apiUrl);
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, "");
    this.#maxConcurrent = options.maxConcurrent;
    const tuning = { connections: options.maxConcurrent, keepAliveTimeout: 30_000, connect: { timeout: 10_000 } };
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
      this.#ownsDispatcher = false;
      this.#proxy = undefined;
    } else {
      this.#dispatcher = ownDispatcher(url.origin, tuning, options.proxy);
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

  /** POSTs `body` (JSON, as text or UTF-8 bytes) to `apiPath`; gives up after `timeoutMs`, or when `signal` aborts. */
  post(apiPath: string, body: string | Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    if (this.#gzipHeaders && typeof body !== "string" && body.length >= MIN_GZIP_BYTES) return this.postGzipped(apiPath, body, timeoutMs, signal);
    return this.request("POST", apiPath, body, timeoutMs, signal);
  }

  /**
   * Level 1: on rows of JSON most of the ratio of level 6 for a fraction of its CPU. zlib runs
   * on libuv's thread pool, so the event loop does not wait for it (the process still pays it).
   */
  private async postGzipped(apiPath: string, body: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    const started = Date.now();
    let compressed: Buffer;
    try {
      compressed = await gzipAsync(body, { level: 1 });
    } catch {
      return this.request("POST", apiPath, body, timeoutMs, signal);
    }
    return this.request("POST", apiPath, compressed, Math.max(1, timeoutMs - (Date.now() - started)), signal, this.#gzipHeaders);
  }

  /** GETs `apiPath`; gives up after `timeoutMs`, or when `signal` aborts. */
  get(apiPath: string, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    return this.request("GET", apiPath, undefined, timeoutMs, signal);
  }

  private async request(
    method: "GET" | "POST",
    apiPath: string,
    body: string | Uint8Array | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
    headers: Record<string, string> = this.#headers,
  ): Promise<Outcome> {
    if (!(await this.acquire())) return closedOutcome();
    if (signal?.aborted) {
      // Given up while it waited its turn: no request for nobody.
      this.release();
      return closedOutcome();
    }
    const abort = new AbortController();
    const stopListening = whenAborted(this.#closing.signal, () => abort.abort());
    const stopCaller = signal ? whenAborted(signal, () => abort.abort()) : undefined;
    const timer = setTimeout(() => abort.abort(), Math.max(1, timeoutMs));
    timer.unref();
    try {
      const dispatcher = this.#dispatcher instanceof Promise ? await this.#dispatcher : this.#dispatcher;
      const res = await dispatcher.request({
        origin: this.#origin,
        path: this.path(apiPath),
        method,
        headers,
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
        return { kind: "http", status, body: answer.text, location: redact(new URL(location, this.#origin + this.path(apiPath)).href) };
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
        return { kind: "network", code: "ETIMEDOUT", message: `no answer within ${timeoutMs} ms`, ...this.via() };
      }
      return { ...networkOutcome(err), ...this.via() };
    } finally {
      clearTimeout(timer);
      stopListening();
      stopCaller?.();
      this.release();
    }
  }

  /** Aborts requests in flight and closes every socket we opened. Idempotent; never rejects. */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    for (const wake of this.#waiting.splice(0)) wake();
    if (this.#ownsDispatcher) await Promise.resolve(this.#dispatcher).then((d) => d.destroy()).catch(() => {});
  }

  private via(): { proxy?: ProxyInUse } {
    return this.#proxy ? { proxy: this.#proxy } : {};
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  private acquire(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.#active < this.#maxConcurrent) {
      this.#active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      this.#waiting.push(() => {
        if (this.closed) return resolve(false);
        this.#active++;
        resolve(true);
      });
    });
  }

  private release(): void {
    this.#active--;
    this.#waiting.shift()?.();
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
