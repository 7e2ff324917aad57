// Shared by the local-server tests: a small JSON client over real loopback HTTP, and
// the real `dev` command in a child process.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
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

export interface RunningDev {
  child: ChildProcess;
  /** What it printed up to "Press Ctrl+C to stop." */
  printed: string;
  /** The BRAINTRUST_* lines it printed, as an environment. */
  env: Record<string, string>;
}

/** The real `dev` command in a child process, on a free port, once it is listening. */
export async function startDev(): Promise<RunningDev> {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  // No BRAINTRUST_* from this machine: dev would take its key instead of printing one.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("BRAINTRUST_")));
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "dev", "--port", "0", "--quiet"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let printed = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      printed += d.toString();
      if (printed.includes("Press Ctrl+C")) resolve();
    });
    child.once("exit", () => reject(new Error(`dev exited: ${printed}`)));
  });
  const printedEnv = Object.fromEntries([...printed.matchAll(/^\s+(?:export\s+)?(BRAINTRUST_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  return { child, printed, env: printedEnv };
}

/** Peak resident set size of a process, in MB, from the kernel (Linux). */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** The real `dev` for one test file: started before its tests, killed after them. */
export function useDev(): { dev: RunningDev; url: string; apiKey: string } {
  const state = {} as { dev: RunningDev; url: string; apiKey: string };
  beforeAll(async () => {
    state.dev = await startDev();
    [state.url, state.apiKey] = [state.dev.env.BRAINTRUST_API_URL!, state.dev.env.BRAINTRUST_API_KEY!];
  });
  afterAll(() => {
    state.dev?.child.kill("SIGKILL");
  });
  return state;
}
