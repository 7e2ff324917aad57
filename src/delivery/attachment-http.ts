// The requests attachment uploads make, behind one small port: JSON calls to the API
// (`/attachment`, `/attachment/status`) with the key, and the upload itself, a PUT to the
// object store's signed URL with exactly the headers the API gave and never the key. Like
// the transport, it never throws: every failure is an Outcome for the retry policy.
import type { Dispatcher } from "undici";
import type { ProxySettings } from "../config/proxy.js";
import { redact } from "../log.js";
import { whenAborted } from "./abort.js";
import { readBounded } from "./answer.js";
import { anyOriginDispatcher } from "./dispatcher.js";
import type { Outcome } from "./outcome.js";
import { parseRetryAfter } from "./retry.js";
import type { Transport } from "./transport.js";

export interface UploadRequest {
  /** POST to the API (`path`, with the key), or PUT to an absolute signed URL (never with the key). */
  readonly method: "POST" | "PUT";
  /** An API path like `/attachment`, or (PUT) an absolute URL. */
  readonly target: string;
  /** PUT: exactly these headers go with the bytes. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface UploadPort {
  request(request: UploadRequest): Promise<Outcome>;
  close(): Promise<void>;
}

/** A success body is `{signedUrl, headers}` or an acknowledgement. */
const MAX_ANSWER = 64 * 1024;

/**
 * API calls through the delivery's transport; PUTs through a dispatcher of their own, for any
 * origin, through the proxy when one is set. Never the user's `dispatcher`: it may be a Pool
 * bound to the API's origin, which would send the bytes there.
 */
export class TransportUploadPort implements UploadPort {
  readonly #transport: Transport;
  #own: Dispatcher | Promise<Dispatcher> | undefined;
  readonly #proxy: ProxySettings | undefined;
  readonly #closing = new AbortController();

  constructor(transport: Transport, options: { proxy?: ProxySettings | undefined; connections: number }) {
    this.#transport = transport;
    this.#proxy = options.proxy;
    this.#connections = options.connections;
  }

  readonly #connections: number;

  request(request: UploadRequest): Promise<Outcome> {
    if (request.method === "POST") return this.#transport.post(request.target, request.body, request.timeoutMs, request.signal);
    return this.put(request);
  }

  private dispatcher(): Dispatcher | Promise<Dispatcher> {
    this.#own ??= anyOriginDispatcher({ connections: this.#connections, keepAliveTimeout: 30_000, connect: { timeout: 10_000 } }, this.#proxy);
    return this.#own;
  }

  private async put({ target, headers = {}, body, timeoutMs, signal }: UploadRequest): Promise<Outcome> {
    if (this.#closing.signal.aborted || signal?.aborted) return { kind: "network", code: "ECLOSED", message: "the exporter is shut down" };
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return { kind: "invalid", status: 0, body: "the signed upload URL is not a URL" };
    }
    const abort = new AbortController();
    const stopClosing = whenAborted(this.#closing.signal, () => abort.abort());
    const stopCaller = signal ? whenAborted(signal, () => abort.abort()) : undefined;
    const timer = setTimeout(() => abort.abort(), Math.max(1, timeoutMs));
    timer.unref();
    try {
      const dispatcher = await this.dispatcher();
      const res = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: "PUT",
        headers: { ...headers },
        body,
        signal: abort.signal,
        headersTimeout: Math.max(1, timeoutMs),
        bodyTimeout: Math.max(1, timeoutMs),
      });
      const status = res.statusCode;
      const answer = await readBounded(res.body, MAX_ANSWER);
      if (status >= 200 && status < 300) return { kind: "ok", status, body: answer.text };
      const retryAfter = res.headers["retry-after"];
      const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
      return { kind: "http", status, body: answer.text, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    } catch (err) {
      if (abort.signal.aborted && !this.#closing.signal.aborted && !signal?.aborted) {
        return { kind: "network", code: "ETIMEDOUT", message: `no answer within ${timeoutMs} ms` };
      }
      const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
      const code = [e?.cause?.code, e?.code].find((c): c is string => typeof c === "string") ?? "ENETWORK";
      return { kind: "network", code, message: redact(typeof e?.message === "string" ? e.message : String(err)) };
    } finally {
      clearTimeout(timer);
      stopClosing();
      stopCaller?.();
    }
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    if (this.#own) await Promise.resolve(this.#own).then((d) => d.destroy()).catch(() => {});
  }
}
