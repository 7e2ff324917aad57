// Attachments, as Braintrust's API serves them: `POST /attachment` registers one and answers
// a signed upload URL with the headers to send; the upload is a PUT to that URL, which, like
// an object store, takes no API key (and refuses one) but checks its signature and headers;
// `POST /attachment/status` records the outcome; `GET /attachment` answers a download URL.
import type { IncomingHttpHeaders } from "node:http";
import { type ApiRequest, type Reply, type Route, invalid, isObject, ok, problem } from "./reply.js";
import type { LocalStore } from "./store.js";

/** The header the upload must carry, as S3's signed headers are. */
const UPLOAD_SIGNATURE_HEADER = "x-bt-local-signature";
const UPLOAD_PATH = "/attachment/upload/";
const DOWNLOAD_PATH = "/attachment/download/";

const str = (v: unknown): v is string => typeof v === "string" && v !== "";

/** The server's own origin, as the client reached it. */
function origin(headers: IncomingHttpHeaders): string {
  return `http://${headers.host ?? "127.0.0.1"}`;
}

function wrongOrg({ catalog }: LocalStore, orgId: string): Reply | undefined {
  return catalog.hasOrg(orgId) ? undefined : problem(403, `org_id ${orgId} is not an org this key belongs to (the org_id of a project this server holds)`);
}

function createAttachment(store: LocalStore, { body, headers }: ApiRequest): Reply {
  if (!isObject(body)) return invalid("body must be a JSON object");
  for (const field of ["key", "filename", "content_type", "org_id"]) {
    if (!str(body[field])) return invalid(`${field}: must be a non-empty string`);
  }
  const { key, filename, content_type, org_id } = body as Record<string, string>;
  const refused = wrongOrg(store, org_id);
  if (refused) return refused;
  store.attachments.register({ key, filename, content_type, org_id });
  const signature = store.attachments.sign("put", key);
  return ok({
    signedUrl: `${origin(headers)}${UPLOAD_PATH}${encodeURIComponent(key)}?signature=${signature}`,
    headers: { "content-type": content_type, [UPLOAD_SIGNATURE_HEADER]: store.attachments.sign("put-header", key) },
  });
}

function upload(store: LocalStore, { params, query, headers, raw }: ApiRequest): Reply {
  const key = params[0]!;
  if (headers.authorization !== undefined) {
    return problem(400, "An upload to a signed URL must not carry an Authorization header: the object store takes the URL's signature, and the API key must never go there");
  }
  if (!store.attachments.verify("put", key, query.get("signature") ?? undefined)) return problem(403, "The URL's signature does not match");
  const signed = headers[UPLOAD_SIGNATURE_HEADER];
  if (!store.attachments.verify("put-header", key, typeof signed === "string" ? signed : undefined)) {
    return problem(403, `The signed header ${UPLOAD_SIGNATURE_HEADER} is missing or does not match: send exactly the headers POST /attachment answered`);
  }
  const meta = store.attachments.meta(key);
  if (!meta) return problem(404, `No attachment registered with key ${key}`);
  if (headers["content-type"] !== meta.content_type) {
    return problem(403, `The signed header content-type must be ${meta.content_type}, got ${String(headers["content-type"])}`);
  }
  if (!store.attachments.put(key, Buffer.from(raw))) return problem(413, "The object is larger than the store holds");
  return { status: 200, body: "" };
}

function setStatus(store: LocalStore, { body }: ApiRequest): Reply {
  if (!isObject(body)) return invalid("body must be a JSON object");
  if (!str(body.key) || !str(body.org_id)) return invalid("key and org_id: must be non-empty strings");
  const status = body.status;
  if (!isObject(status) || !["uploading", "done", "error"].includes(status.upload_status as string)) {
    return invalid('status: must be {upload_status: "uploading" | "done" | "error", error_message?}');
  }
  const refused = wrongOrg(store, body.org_id);
  if (refused) return refused;
  const meta = store.attachments.setStatus(body.key, {
    upload_status: status.upload_status as "uploading" | "done" | "error",
    ...(typeof status.error_message === "string" ? { error_message: status.error_message } : {}),
  });
  return meta ? ok({ status: meta.status }) : problem(404, `No attachment with key ${body.key}`);
}

function readAttachment(store: LocalStore, { query, headers }: ApiRequest): Reply {
  const key = query.get("key");
  if (!key) return invalid("key: required");
  const orgId = query.get("org_id");
  if (orgId) {
    const refused = wrongOrg(store, orgId);
    if (refused) return refused;
  }
  const meta = store.attachments.meta(key);
  if (!meta) return problem(404, `No attachment with key ${key}`);
  const url = `${origin(headers)}${DOWNLOAD_PATH}${encodeURIComponent(key)}?signature=${store.attachments.sign("get", key)}`;
  return ok({ downloadUrl: url, status: meta.status });
}

function download(store: LocalStore, { params, query }: ApiRequest): Reply {
  const key = params[0]!;
  if (!store.attachments.verify("get", key, query.get("signature") ?? undefined)) return problem(403, "The URL's signature does not match");
  const meta = store.attachments.meta(key);
  const bytes = store.attachments.get(key);
  if (!meta || !bytes) return problem(404, `No stored object with key ${key}`);
  return {
    status: 200,
    body: bytes,
    contentType: meta.content_type,
    headers: { "content-disposition": `inline; filename="${meta.filename.replace(/["\\\r\n]/g, "_")}"`, "cache-control": "private, max-age=3600" },
  };
}

export const ATTACHMENT_ROUTES: Route[] = [
  { pattern: /^\/attachment$/, group: "attachment", methods: { POST: createAttachment, GET: readAttachment } },
  { pattern: /^\/attachment\/status$/, group: "attachment", methods: { POST: setStatus } },
  { pattern: /^\/attachment\/upload\/([^/]+)$/, group: "object-store", auth: false, anyBody: true, methods: { PUT: upload } },
  { pattern: /^\/attachment\/download\/([^/]+)$/, group: "object-store", auth: false, methods: { GET: download } },
];
