// The requests attachment uploads make, behind one small port: JSON calls to the API
// (`/attachment`, `/attachment/status`) with the key, and the upload itself, a PUT to the
// object store's signed URL with exactly the headers the API gave and never the key. Both go
// through the delivery's transport. The API calls wait for a slot in its one limiter, so
// uploads and inserts together stay within maxConcurrentRequests; the PUT goes to another
// server and takes no API slot: an object store that hangs must not hold the slots inserts
// need. The uploads' own cap (attachments.ts) bounds how many PUTs run at once. Like the
// transport, it never throws: every failure is an Outcome for the retry policy.
import type { Limiter } from "./limiter.js";
import type { Outcome } from "./outcome.js";
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

export class TransportUploadPort implements UploadPort {
  constructor(
    private readonly transport: Transport,
    private readonly limiter: Limiter,
  ) {}

  request({ method, target, headers = {}, body, timeoutMs, signal }: UploadRequest): Promise<Outcome> {
    if (method === "POST") return this.limiter.run(() => this.transport.request({ method, path: target, body, timeoutMs, signal }), signal ? { signal } : {});
    return this.transport.request({ method, url: target, headers, body, timeoutMs, signal });
  }

  /** The transport is the delivery's, closed with it; requests under way end with their signal. */
  async close(): Promise<void> {}
}
