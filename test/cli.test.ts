// The command line, run for real: `dev` in a child process, `tail` against it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "bt-cli-"));

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the output once it matches, rejects if the process exits first. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** A clean environment: no BRAINTRUST_* from the machine, no colors. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("BRAINTRUST_") && k !== "FORCE_COLOR"));
  return { ...base, NO_COLOR: "1", ...extra };
}

function start(args: string[], extraEnv: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], { cwd: root, env: env(extraEnv) });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = out.match(pattern);
        if (m) {
          child.stdout!.off("data", check);
          resolve(m);
        }
      };
      child.stdout!.on("data", check);
      check();
      void exited.then(() => reject(new Error(`exited before ${pattern}: ${out}\n${err}`)));
    });
  return { child, stdout: () => out, stderr: () => err, waitFor, exited };
}

async function run(args: string[], extraEnv: Record<string, string> = {}) {
  const p = start(args, extraEnv);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** `main` in this process, for cases where spawning proves nothing more. */
async function runHere(args: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const out = { write: (t: string) => void (stdout += t), note: (l: string) => void (stderr += l + "\n"), width: 100, color: false };
  const code = await main(args, env, out, new AbortController().signal);
  return { code, stdout, stderr };
}

async function startDev(args: string[] = []) {
  const dev = start(["dev", "--port", "0", ...args]);
  const [, url] = await dev.waitFor(/BRAINTRUST_API_URL=(\S+)/);
  const [, apiKey] = await dev.waitFor(/BRAINTRUST_API_KEY=(\S+)/);
  return { dev, url: url!, apiKey: apiKey! };
}

async function api(url: string, apiKey: string, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as any;
}

const traceRows = (prefix: string, start: number) => [
  {
    id: `${prefix}-root`,
    span_id: `${prefix}-root`,
    root_span_id: `${prefix}-root`,
    span_attributes: { name: `${prefix} agent`, type: "task" },
    metrics: { start, end: start + 2 },
    input: "hi",
    output: "hello",
  },
  {
    id: `${prefix}-llm`,
    span_id: `${prefix}-llm`,
    root_span_id: `${prefix}-root`,
    span_parents: [`${prefix}-root`],
    span_attributes: { name: "chat", type: "llm" },
    metrics: { start: start + 0.5, end: start + 1, prompt_tokens: 5, completion_tokens: 3, tokens: 8 },
  },
  {
    id: `${prefix}-tool`,
    span_id: `${prefix}-tool`,
    root_span_id: `${prefix}-root`,
    span_parents: [`${prefix}-root`],
    span_attributes: { name: "lookup", type: "tool" },
    metrics: { start: start + 1.2, end: start + 1.25 },
    error: "Error: not found\n    at lookup",
  },
];

describe("braintrust-otel-exporter dev + tail", () => {
  let server: Awaited<ReturnType<typeof startDev>>;
  let tailEnv: Record<string, string>;

  beforeAll(async () => {
    server = await startDev();
    tailEnv = { BRAINTRUST_API_URL: server.url, BRAINTRUST_API_KEY: server.apiKey };
    const project = await api(server.url, server.apiKey, "POST", "/v1/project", { name: "cli-demo" });
    await api(server.url, server.apiKey, "POST", `/v1/project_logs/${project.id}/insert`, { events: traceRows("first", 100) });
  });
  afterAll(async () => {
    server.dev.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("dev prints where it listens and the env lines for an app", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.apiKey).toMatch(/^sk-local-[0-9a-f]+$/);
    expect(server.dev.stdout()).toContain("Press Ctrl+C to stop.");
  });

  it("tail prints each trace as a tree", async () => {
    const { code, stdout, stderr } = await run(["tail", "--project", "cli-demo"], tailEnv);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.split("\n")).toEqual([
      'first agent [task] 2.00s  "hi" → "hello"',
      "├─ chat [llm] 500ms 8 tok (5 in, 3 out)",
      "└─ lookup [tool] 50ms ✗ Error: not found",
      "",
    ]);
  });

  it("tail takes the project from the environment, and a flag over it", async () => {
    const fromEnv = await runHere(["tail"], { ...tailEnv, BRAINTRUST_PROJECT: "cli-demo" });
    expect(fromEnv.stdout).toContain("first agent");
    const flagWins = await runHere(["tail", "--project", "cli-demo"], { ...tailEnv, BRAINTRUST_PROJECT: "elsewhere", BRAINTRUST_PROJECT_ID: "nope" });
    expect(flagWins.stdout).toContain("first agent");
    const idFlag = await runHere(["tail", "--project-id", "00000000-0000-4000-8000-000000000000"], { ...tailEnv, BRAINTRUST_PROJECT: "cli-demo" });
    expect(idFlag.code).toBe(1);
    expect(idFlag.stderr).toContain("404");
  });

  it("tail --limit prints only the newest traces", async () => {
    const project = await api(server.url, server.apiKey, "POST", "/v1/project", { name: "cli-limit" });
    for (const prefix of ["older", "newer"]) {
      await api(server.url, server.apiKey, "POST", `/v1/project_logs/${project.id}/insert`, { events: traceRows(prefix, 10) });
    }
    const { stdout } = await runHere(["tail", "--project", "cli-limit", "--limit", "1"], tailEnv);
    expect(stdout).toContain("newer agent");
    expect(stdout).not.toContain("older agent");
  });

  it("tail --follow prints new traces as they arrive, and stops cleanly on SIGINT", async () => {
    const follow = start(["tail", "--project", "cli-demo", "--follow", "--interval", "100"], tailEnv);
    await follow.waitFor(/first agent/);
    const [project] = (await api(server.url, server.apiKey, "GET", "/v1/project?project_name=cli-demo")).objects;
    await api(server.url, server.apiKey, "POST", `/v1/project_logs/${project.id}/insert`, { events: traceRows("second", 200) });
    await follow.waitFor(/second agent \[task\] 2\.00s[^\n]*\n├─ chat[^\n]*\n└─ lookup/);
    // A change to a trace already shown prints that trace again, whole.
    await api(server.url, server.apiKey, "POST", `/v1/project_logs/${project.id}/insert`, {
      events: [{ id: "second-root", _is_merge: true, output: "changed" }],
    });
    await follow.waitFor(/second agent [^\n]*"hi" → "changed"\n├─ chat/);
    follow.child.kill("SIGINT");
    expect(await follow.exited).toBe(0);
    expect(follow.stdout().match(/first agent/g)).toHaveLength(1);
  });

  it("tail with a rejected key exits 1 with a clear message that does not contain the key", async () => {
    const key = "sk-wrong-0123456789abcdef";
    const { code, stdout, stderr } = await run(["tail", "--project", "cli-demo"], { ...tailEnv, BRAINTRUST_API_KEY: key });
    expect(code).toBe(1);
    expect(stderr).toContain("API key rejected");
    expect(stdout + stderr).not.toContain(key);
  });

  it("tail explains a missing project, a missing key and an unreachable server", async () => {
    const missing = await runHere(["tail", "--project", "never-created"], tailEnv);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Project "never-created" not found');
    const projects = await api(server.url, server.apiKey, "GET", "/v1/project?project_name=never-created");
    expect(projects.objects).toEqual([]); // tail only looks, never creates

    const noKey = await runHere(["tail", "--project", "cli-demo"], { BRAINTRUST_API_URL: server.url, BRAINTRUST_API_KEY: "  " });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain("BRAINTRUST_API_KEY is not set");

    const port = await freePort();
    const down = await runHere(["tail", "--project", "x"], { ...tailEnv, BRAINTRUST_API_URL: `http://127.0.0.1:${port}` });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("Cannot reach the Braintrust API");
    expect(down.stderr).not.toContain(server.apiKey);
  });

  it("prints usage for no command or help, and exits 2 on bad usage", async () => {
    for (const args of [[], ["help"], ["--help"]]) {
      const help = await runHere(args);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("Usage: braintrust-otel-exporter <command>");
    }
    const unknown = await runHere(["launch"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "launch"');
    const badNumber = await runHere(["tail", "--limit", "zero"], tailEnv);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain("--limit must be an integer");
    const badFlag = await runHere(["tail", "--projcet", "x"], tailEnv);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("--projcet");
    const noProject = await runHere(["tail"], tailEnv);
    expect(noProject.code).toBe(2);
    expect(noProject.stderr).toContain("Pass --project NAME");
  });

  it("dev refuses a port in use with exit 1", async () => {
    const { code, stderr } = await run(["dev", "--port", new URL(server.url).port]);
    expect(code).toBe(1);
    expect(stderr).toContain("is in use");
  });

  it("dev stops cleanly on SIGTERM", async () => {
    const other = await startDev(["--quiet"]);
    other.dev.child.kill("SIGTERM");
    expect(await other.dev.exited).toBe(0);
    expect(other.dev.stderr()).toContain("Stopped.");
  });

  it("dev --data keeps projects and rows across restarts", async () => {
    const dataFile = join(dir, "dev.jsonl");
    const first = await startDev(["--data", dataFile, "--api-key", "sk-fixed"]);
    expect(first.apiKey).toBe("sk-fixed");
    const project = await api(first.url, "sk-fixed", "POST", "/v1/project", { name: "kept" });
    await api(first.url, "sk-fixed", "POST", `/v1/project_logs/${project.id}/insert`, { events: traceRows("kept", 1) });
    first.dev.child.kill("SIGINT");
    expect(await first.dev.exited).toBe(0);

    const second = await startDev(["--data", dataFile, "--api-key", "sk-fixed"]);
    try {
      expect(second.dev.stdout()).toContain("(1 projects, 3 rows loaded)");
      const { stdout } = await runHere(["tail", "--project", "kept"], { BRAINTRUST_API_URL: second.url, BRAINTRUST_API_KEY: "sk-fixed" });
      expect(stdout).toContain("kept agent [task] 2.00s");
      expect(stdout).toContain("└─ lookup [tool]");
    } finally {
      second.dev.child.kill("SIGTERM");
      await second.dev.exited;
    }
  });
});

/** A port nothing listens on: bound once to learn it, then released. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
