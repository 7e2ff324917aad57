// Shared by the local-server tests: a small JSON client over real loopback HTTP,
// and the official spec's validators when the spec is present.
import type { LocalBraintrust } from "braintrust-otel-exporter/testing";

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** One request with the server's key unless `key` says otherwise (null: no Authorization header). */
export async function call(lb: LocalBraintrust, method: string, path: string, body?: unknown, key?: string | null): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const apiKey = key === undefined ? lb.apiKey : key;
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  const res = await fetch(lb.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Creates (or gets) a project and returns its id. */
export async function projectId(lb: LocalBraintrust, name: string): Promise<string> {
  const res = await call(lb, "POST", "/v1/project", { name });
  if (res.status !== 200) throw new Error(`project create failed: ${res.status} ${res.text}`);
  return res.json.id as string;
}

export async function insert(lb: LocalBraintrust, id: string, events: unknown[]): Promise<Answer> {
  return call(lb, "POST", `/v1/project_logs/${id}/insert`, { events });
}
