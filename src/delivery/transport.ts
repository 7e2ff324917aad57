// HTTP to the Braintrust API: one keep-alive undici Pool for the API origin, at most
// `maxConcurrent` requests in flight (others wait their turn), a timeout on every request.
// It never throws: every failure comes back as an Outcome for the retry policy to judge.
import { Pool } from "undici";
import { redact } from "../log.js";
import { type Outcome, parseRetryAfter } from "./retry.js";

export interface TransportOptions {
  apiUrl: string;
  apiKey: string;
  headers: Readonly<Record<string, string>>;
  maxConcurrent: number;
}

/** Error bodies are kept for messages only; a proxy's multi-megabyte page is not. */
const MAX_ERROR_BODY = 4096;

export class Transport {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly closing = new AbortController();

  constructor(private readonly options: TransportOptions) {
    const url = new URL(options.apiUrl);
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.pool = new Pool(url.origin, {
      connections: options.maxConcurrent,
      keepAliveTimeout: 30_000,
      connect: { timeout: 10_000 },
    });
    // A socket that fails between requests must not surface as an 'error' event.
    this.pool.on("connectionError", () => {});
    this.headers = {
      ...options.headers,
      authorization: `Bearer ${options.apiKey}`,
      "content-type": "application/json",
    };
  }

  /** The URL path for an API path like `/v1/project`, under any path prefix in apiUrl. */
  path(apiPath: string): string {
    return this.basePath + apiPath;
  }

  /** POSTs `body` (JSON, as text or UTF-8 bytes) to `apiPath`; gives up after `timeoutMs`. */
  async post(apiPath: string, body: string | Uint8Array, timeoutMs: number): Promise<Outcome> {
    if (!(await this.acquire())) return closedOutcome();
    const abort = new AbortController();
    const onClose = () => abort.abort();
    this.closing.signal.addEventListener("abort", onClose, { once: true });
    const timer = setTimeout(() => abort.abort(), Math.max(1, timeoutMs));
    timer.unref();
    try {
      const res = await this.pool.request({
        path: this.path(apiPath),
        method: "POST",
        headers: this.headers,
        body,
        signal: abort.signal,
        headersTimeout: Math.max(1, timeoutMs),
        bodyTimeout: Math.max(1, timeoutMs),
      });
      const text = await res.body.text();
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { kind: "ok", status, body: text };
      const header = res.headers["retry-after"];
      const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header);
      return {
        kind: "http",
        status,
        body: text.slice(0, MAX_ERROR_BODY),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    } catch (err) {
      if (abort.signal.aborted && !this.closing.signal.aborted) {
        return { kind: "network", code: "ETIMEDOUT", message: `no answer within ${timeoutMs} ms` };
      }
      return networkOutcome(err);
    } finally {
      clearTimeout(timer);
      this.closing.signal.removeEventListener("abort", onClose);
      this.release();
    }
  }

  /** Aborts requests in flight and closes every socket. Idempotent; never rejects. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    for (const wake of this.waiting.splice(0)) wake();
    await this.pool.destroy().catch(() => {});
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  private acquire(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.active < this.options.maxConcurrent) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      this.waiting.push(() => {
        if (this.closed) return resolve(false);
        this.active++;
        resolve(true);
      });
    });
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
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
