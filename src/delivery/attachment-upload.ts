// One attachment's journey, as Braintrust's SDKs make it: ask the API for a signed URL
// (`POST /attachment`), PUT the bytes there with exactly the headers it gave (never the key),
// then record the outcome (`POST /attachment/status`). Each request is retried as inserts
// are (retry.ts), within the upload's deadline.
import type { UploadPort } from "./attachment-http.js";
import { classify } from "./classify.js";
import { type BackoffPolicy, type Outcome, sleep, withRetry } from "./retry.js";

export interface UploadJob {
  readonly key: string;
  readonly filename: string;
  readonly contentType: string;
  /** The decoded bytes. */
  readonly body: Uint8Array;
  readonly orgId: string;
}

/** Why an upload failed, for the marker and the one message said per cause. */
export type UploadFailure = "api" | "store" | "timeout";

export type UploadResult = { ok: true } | { ok: false; cause: UploadFailure; detail: string };

export interface UploadOptions {
  readonly deadline: number;
  readonly policy: BackoffPolicy;
  readonly attemptTimeoutMs: number;
  readonly signal?: AbortSignal;
}

export async function uploadAttachment(port: UploadPort, job: UploadJob, options: UploadOptions): Promise<UploadResult> {
  const asked = await retried(options, (timeoutMs) =>
    port.request({
      method: "POST",
      target: "/attachment",
      body: JSON.stringify({ key: job.key, filename: job.filename, content_type: job.contentType, org_id: job.orgId }),
      timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
  if (!asked.ok) return asked.timedOut ? { ok: false, cause: "timeout", detail: asked.detail } : { ok: false, cause: "api", detail: asked.detail };
  const target = signedTarget(asked.body);
  if (!target) return { ok: false, cause: "api", detail: "its answer had no signedUrl" };

  const stored = await retried(options, (timeoutMs) =>
    port.request({ method: "PUT", target: target.url, headers: target.headers, body: job.body, timeoutMs, ...(options.signal ? { signal: options.signal } : {}) }),
  );
  const status = stored.ok ? { upload_status: "done" } : { upload_status: "error", error_message: stored.detail };
  // The status is bookkeeping: the bytes are stored (or not) whatever it says, so it is not retried past a short wait.
  await retried({ ...options, deadline: Math.min(options.deadline, Date.now() + options.attemptTimeoutMs) }, (timeoutMs) =>
    port.request({
      method: "POST",
      target: "/attachment/status",
      body: JSON.stringify({ key: job.key, org_id: job.orgId, status }),
      timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
  if (stored.ok) return { ok: true };
  return { ok: false, cause: stored.timedOut ? "timeout" : "store", detail: stored.detail };
}

const UPLOAD = { op: "upload", url: "the API" } as const;

type Attempted = { ok: true; body: string } | { ok: false; timedOut: boolean; detail: string };

async function retried(options: UploadOptions, send: (timeoutMs: number) => Promise<Outcome>): Promise<Attempted> {
  const result = await withRetry((remaining) => send(Math.min(remaining, options.attemptTimeoutMs)), {
    deadline: options.deadline,
    policy: options.policy,
    sleep,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (result.decision === "done" && result.outcome.kind === "ok") return { ok: true, body: result.outcome.body };
  const detail = result.outcome ? classify(result.outcome, UPLOAD).message : "no attempt was made";
  return { ok: false, timedOut: result.decision === "timeout" || result.decision === "cancelled", detail };
}

/** The signed URL and its headers, from `{signedUrl, headers}`; Azure Blob URLs also need their blob type. */
function signedTarget(body: string): { url: string; headers: Record<string, string> } | undefined {
  let answer: { signedUrl?: unknown; headers?: unknown };
  try {
    answer = JSON.parse(body) as typeof answer;
  } catch {
    return undefined;
  }
  if (typeof answer?.signedUrl !== "string" || answer.signedUrl === "") return undefined;
  const headers: Record<string, string> = {};
  if (typeof answer.headers === "object" && answer.headers !== null) {
    for (const [name, value] of Object.entries(answer.headers)) if (typeof value === "string") headers[name] = value;
  }
  try {
    const host = new URL(answer.signedUrl).hostname;
    if (host.endsWith(".blob.core.windows.net") && !Object.keys(headers).some((h) => h.toLowerCase() === "x-ms-blob-type")) {
      headers["x-ms-blob-type"] = "BlockBlob";
    }
  } catch {
    return undefined;
  }
  return { url: answer.signedUrl, headers };
}
