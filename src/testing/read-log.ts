// The read side of the Braintrust API, for `tail`: find a project by name (never
// create it) and read log pages. Failures become one clear sentence, and the API
// key never appears in any of them.
import { request } from "undici";
import type { TraceRow } from "../trace-tree.js";

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
export class CliError extends Error {
  constructor(
    message: string,
    readonly fatal: boolean,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 15_000;

/** The id of the project with that name; a CliError when there is none. */
export async function findProjectId(target: ApiTarget, name: string): Promise<string> {
  const query = new URLSearchParams({ project_name: name });
  if (target.orgName) query.set("org_name", target.orgName);
  const body = (await call(target, "GET", `/v1/project?${query}`)) as { objects?: { id?: unknown; name?: unknown }[] };
  const match = (body.objects ?? []).find((p) => p.name === name && typeof p.id === "string");
  if (!match) throw new CliError(`Project "${name}" not found at ${target.apiUrl}.`, true);
  return match.id as string;
}

/** One page of whole traces, newest first; `limit` counts traces. */
export async function fetchLogs(target: ApiTarget, projectId: string, limit: number, cursor?: string | null): Promise<LogPage> {
  const body = (await call(target, "POST", `/v1/project_logs/${encodeURIComponent(projectId)}/fetch`, {
    limit,
    ...(cursor ? { cursor } : {}),
  })) as Partial<LogPage>;
  if (!Array.isArray(body.events)) throw new CliError(`Unexpected answer from ${target.apiUrl}: no "events" list.`, false);
  return { events: body.events, cursor: typeof body.cursor === "string" && body.cursor !== "" ? body.cursor : null };
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
    throw new CliError(`Cannot reach the Braintrust API at ${target.apiUrl} (${scrub(String(code), target.apiKey)}).`, false);
  }
  const text = await res.body.text();
  if (res.statusCode === 401) {
    throw new CliError(`API key rejected by ${target.apiUrl} (401). Check BRAINTRUST_API_KEY.`, true);
  }
  if (res.statusCode === 403) {
    throw new CliError(`Access denied by ${target.apiUrl} (403): the API key cannot read this project.`, true);
  }
  if (res.statusCode === 404) throw new CliError(`Not found at ${target.apiUrl}: ${method} ${path.split("?")[0]} (404).`, true);
  if (res.statusCode >= 300) {
    const detail = scrub(text.replace(/\s+/g, " ").slice(0, 200), target.apiKey);
    throw new CliError(`${method} ${path.split("?")[0]} failed with ${res.statusCode}: ${detail}`, false);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`Unexpected answer from ${target.apiUrl}: not JSON.`, false);
  }
}

/**
 * The CLI keeps its own two-line redaction instead of src/log.ts: that module loads
 * @opentelemetry/api, a peer dependency the command line must run without.
 */
function scrub(text: string, apiKey: string): string {
  return (apiKey ? text.split(apiKey).join("***") : text).replace(/(bearer\s+)\S+/gi, "$1***");
}
