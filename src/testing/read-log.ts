// The read side of the Braintrust API, for `tail`, examples and tests: find a
// project by name (never create it) and read its log, from the local server or the
// real API alike. Failures become one clear sentence without the API key in it.
import { request } from "undici";
import { type TraceRow, latestVersions } from "../view/trace-tree.js";
import { terminalSafe } from "../view/terminal-text.js";

export interface ApiTarget {
  apiUrl: string;
  apiKey: string;
  orgName?: string;
}

export interface LogPage {
  events: TraceRow[];
  cursor: string | null;
}

/** A failure to show the user as is; `fatal` ones are not worth retrying (bad key, no project). */
export class ApiReadError extends Error {
  constructor(
    message: string,
    readonly fatal: boolean,
    /** What to fix: the URL (nothing answered there), the key (refused) or the project (not found). */
    readonly fix?: "unreachable" | "key" | "project",
  ) {
    super(message);
  }
}

export interface ReadProjectLogOptions {
  /** Default: BRAINTRUST_PROJECT. */
  projectName?: string;
  /** Skips the name lookup. Default: BRAINTRUST_PROJECT_ID. */
  projectId?: string;
  /** Default: BRAINTRUST_API_KEY. */
  apiKey?: string;
  /** Default: BRAINTRUST_API_URL, else https://api.braintrust.dev. */
  apiUrl?: string;
  /** Default: BRAINTRUST_ORG_NAME. */
  orgName?: string;
  /** Most recent traces to read (default: all). */
  limit?: number;
}

const TIMEOUT_MS = 15_000;
const PAGE_TRACES = 100;
const DEFAULT_API_URL = "https://api.braintrust.dev";

/**
 * Every row of a project's log (or of its `limit` newest traces), newest trace first,
 * each row once in its latest version: what `renderTraceTree` takes.
 */
export async function readProjectLog(options: ReadProjectLogOptions = {}): Promise<TraceRow[]> {
  const env = (name: string) => process.env[name]?.trim() || undefined;
  const apiKey = options.apiKey ?? env("BRAINTRUST_API_KEY");
  if (!apiKey) throw new ApiReadError("No API key: pass apiKey or set BRAINTRUST_API_KEY.", true);
  const target: ApiTarget = {
    apiKey,
    apiUrl: options.apiUrl ?? env("BRAINTRUST_API_URL") ?? DEFAULT_API_URL,
    orgName: options.orgName ?? env("BRAINTRUST_ORG_NAME"),
  };
  const name = options.projectName ?? env("BRAINTRUST_PROJECT");
  const projectId = options.projectId ?? (name === undefined ? env("BRAINTRUST_PROJECT_ID") : undefined);
  if (!projectId && !name) throw new ApiReadError("No project: pass projectName or projectId.", true);
  const id = projectId ?? (await findProjectId(target, name!));

  const limit = options.limit ?? Infinity;
  const rows: TraceRow[] = [];
  const roots = new Set<unknown>();
  let cursor: string | null = null;
  do {
    const page = await fetchLogs(target, id, Math.min(PAGE_TRACES, limit - roots.size), cursor);
    if (page.events.length === 0) break;
    for (const row of page.events) {
      // Pages hold whole traces; a trace past the limit can only come from a repeat.
      if (roots.size >= limit && !roots.has(row.root_span_id)) continue;
      roots.add(row.root_span_id);
      rows.push(row);
    }
    cursor = page.cursor;
  } while (cursor !== null && roots.size < limit);
  return latestVersions(rows);
}

/** The id of the project with that name; an ApiReadError when there is none. */
export async function findProjectId(target: ApiTarget, name: string): Promise<string> {
  const query = new URLSearchParams({ project_name: name });
  if (target.orgName) query.set("org_name", target.orgName);
  const body = (await call(target, "GET", `/v1/project?${query}`)) as { objects?: { id?: unknown; name?: unknown }[] };
  const match = (body.objects ?? []).find((p) => p.name === name && typeof p.id === "string");
  if (!match) throw new ApiReadError(`Project "${terminalSafe(name)}" not found at ${shownUrl(target)}.`, true, "project");
  return match.id as string;
}

/** One page of whole traces, newest first; `limit` counts traces. */
export async function fetchLogs(target: ApiTarget, projectId: string, limit: number, cursor?: string | null): Promise<LogPage> {
  const body = (await call(target, "POST", `/v1/project_logs/${encodeURIComponent(projectId)}/fetch`, {
    limit,
    ...(cursor ? { cursor } : {}),
  })) as Partial<LogPage>;
  if (!Array.isArray(body.events)) throw new ApiReadError(`Unexpected answer from ${shownUrl(target)}: no "events" list.`, false);
  return { events: body.events, cursor: typeof body.cursor === "string" && body.cursor !== "" ? body.cursor : null };
}

/**
 * The size of a stored attachment, in bytes: its download URL from `GET /attachment`, then
 * the first byte of it (an object store answers a range with the whole size). Undefined when
 * it cannot be known; never throws.
 */
export async function attachmentSize(target: ApiTarget, ref: { key: string; filename?: unknown; content_type?: unknown }): Promise<number | undefined> {
  try {
    const query = new URLSearchParams({ key: ref.key, filename: String(ref.filename ?? ""), content_type: String(ref.content_type ?? "") });
    const answer = (await call(target, "GET", `/attachment?${query}`)) as { downloadUrl?: unknown };
    if (typeof answer.downloadUrl !== "string") return undefined;
    const res = await request(answer.downloadUrl, { method: "GET", headers: { range: "bytes=0-0" }, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
    res.body.destroy();
    if (res.statusCode >= 300) return undefined;
    const range = /\/(\d+)$/.exec(String(res.headers["content-range"] ?? ""));
    const size = Number(range ? range[1] : res.headers["content-length"]);
    return Number.isFinite(size) ? size : undefined;
  } catch {
    return undefined;
  }
}

async function call(target: ApiTarget, method: "GET" | "POST", path: string, json?: unknown): Promise<unknown> {
  const url = target.apiUrl.replace(/\/+$/, "") + path;
  let res;
  try {
    res = await request(url, {
      method,
      headers: { authorization: `Bearer ${target.apiKey}`, "content-type": "application/json" },
      body: json === undefined ? undefined : JSON.stringify(json),
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).message;
    throw new ApiReadError(`Cannot reach the Braintrust API at ${shownUrl(target)} (${scrub(String(code), target)}).`, false, "unreachable");
  }
  const text = await res.body.text();
  const where = shownUrl(target);
  if (res.statusCode === 401) {
    throw new ApiReadError(`API key rejected by ${where} (401). Check BRAINTRUST_API_KEY.`, true, "key");
  }
  if (res.statusCode === 403) {
    throw new ApiReadError(`Access denied by ${where} (403): the API key cannot read this project.`, true);
  }
  const route = terminalSafe(path.split("?")[0]!);
  if (res.statusCode === 404) throw new ApiReadError(`Not found at ${where}: ${method} ${route} (404).`, true);
  if (res.statusCode >= 300) {
    const detail = scrub(text.slice(0, 400), target).replace(/\s+/g, " ").trim().slice(0, 200);
    throw new ApiReadError(`${method} ${route} failed with ${res.statusCode}: ${detail}`, false);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiReadError(`Unexpected answer from ${where}: not JSON.`, false);
  }
}

/**
 * The API URL as it may be shown: without the user-info part (`http://KEY@host` puts a
 * secret there), and inert in a terminal.
 */
export function shownUrl(target: Pick<ApiTarget, "apiUrl">): string {
  let shown: string;
  try {
    const url = new URL(target.apiUrl);
    url.username = "";
    url.password = "";
    shown = url.href.replace(/\/$/, "");
  } catch {
    shown = target.apiUrl.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#]*@/i, "$1");
  }
  return terminalSafe(shown);
}

/**
 * What the server or the network said, made safe to print: no key, no user-info of the
 * URL, no bearer token, no control or bidi characters. Its own few lines instead of
 * src/log.ts: that module loads @opentelemetry/api, which the command line runs without.
 */
function scrub(text: string, target: ApiTarget): string {
  const secrets = [target.apiKey, ...userInfo(target.apiUrl)].filter((s) => s.length >= 4);
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return terminalSafe(out.replace(/(bearer\s+)\S+/gi, "$1***"));
}

function userInfo(apiUrl: string): string[] {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(apiUrl);
  if (!m) return [];
  const parts = m[1]!.split(":");
  return [m[1]!, ...parts, ...parts.map((p) => safeDecode(p))];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
