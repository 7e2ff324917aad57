// The command line, run for real: `dev` in a child process, `tail` against it.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invocation } from "../src/cli/invocation.js";
import { main } from "../src/cli/main.js";
import { tailTarget } from "../src/cli/tail-config.js";
import { type LocalBraintrust, startLocalBraintrust } from "../src/testing/index.js";
import { buildBundle, runChild } from "./helpers/child.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "bt-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
  return { ...base, NO_COLOR: "1", TZ: "UTC", ...extra };
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
async function runHere(args: string[], env: Record<string, string> = {}, cwd = dir) {
  let stdout = "";
  let stderr = "";
  const out = { write: (t: string) => void (stdout += t), note: (l: string) => void (stderr += l + "\n"), width: 100, color: false };
  // In a directory of its own: no .env.braintrust of the machine's is read.
  const code = await main(args, env, out, new AbortController().signal, "test", { cwd });
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
  });

  it("dev prints where it listens and the env lines for an app", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.apiKey).toMatch(/^sk-local-[0-9a-f]+$/);
    expect(server.dev.stdout()).toContain("Press Ctrl+C to stop.");
    expect(server.dev.stdout()).toContain(`Web viewer: ${server.url}/#key=${server.apiKey}\n`);
  });

  it("tail prints each trace as a tree", async () => {
    const { code, stdout, stderr } = await run(["tail", "--project", "cli-demo"], tailEnv);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.split("\n")).toEqual([
      `trace first-root · ${new Date(100_000).toISOString().slice(0, 19).replace("T", " ")}`,
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
    expect(noKey.stderr).toContain(".env.braintrust");

    const port = await freePort();
    const down = await runHere(["tail", "--project", "x"], { ...tailEnv, BRAINTRUST_API_URL: `http://127.0.0.1:${port}` });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("Cannot reach the Braintrust API");
    expect(down.stderr).toContain("The URL comes from BRAINTRUST_API_URL.");
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
    // No project named: the one the exporter logs to, said so.
    const noProject = await runHere(["tail"], tailEnv);
    expect(noProject.stderr).toContain('reading "default-otel-project", where the exporter logs when none is set');
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
      expect(second.dev.stdout()).toContain("(1 project, 3 rows loaded)");
      const { stdout } = await runHere(["tail", "--project", "kept"], { BRAINTRUST_API_URL: second.url, BRAINTRUST_API_KEY: "sk-fixed" });
      expect(stdout).toContain("kept agent [task] 2.00s");
      expect(stdout).toContain("└─ lookup [tool]");
    } finally {
      second.dev.child.kill("SIGTERM");
      await second.dev.exited;
    }
  });
});

describe("the command line as people use it", () => {
  it("--version prints the package's version; --help and -h work for every command", async () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(await run(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    for (const [args, usage] of [
      [["dev", "--help"], "Usage: braintrust-otel-exporter dev [options]"],
      [["dev", "-h"], "Usage: braintrust-otel-exporter dev [options]"],
      [["tail", "--help"], "Usage: braintrust-otel-exporter tail [options]"],
      [["tail", "-h", "--project", "x"], "Usage: braintrust-otel-exporter tail [options]"],
      [["help", "tail"], "Usage: braintrust-otel-exporter tail [options]"],
    ] as const) {
      const help = await runHere([...args]);
      expect(help.code).toBe(0);
      expect(help.stdout.startsWith(usage)).toBe(true);
      expect(help.stderr).toBe("");
    }
  });

  it("a usage error is one line and the command's synopsis, not the whole help", async () => {
    const bad = await runHere(["tail", "--limit", "zero"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd().split("\n")).toEqual([
      'error: --limit must be an integer from 1 to 1000, not "zero"',
      "Usage: braintrust-otel-exporter tail [options]",
      "Run `braintrust-otel-exporter tail --help` for the options.",
    ]);
    const devFlag = await runHere(["dev", "--prot", "1"]);
    expect(devFlag.code).toBe(2);
    expect(devFlag.stderr).toContain("--prot");
    expect(devFlag.stderr).toContain("Usage: braintrust-otel-exporter dev [options]");
    expect(devFlag.stderr).not.toContain("--api-key");
  });

  it("a URL without a scheme is 'not a URL', not a network error", async () => {
    for (const url of ["127.0.0.1:8787", "localhost:8787", "api.braintrust.dev"]) {
      const { code, stderr } = await runHere(["tail", "--project", "x", "--api-url", url], { BRAINTRUST_API_KEY: "sk-x" });
      expect(code).toBe(2);
      expect(stderr).toContain(`--api-url "${url}" is not a URL: write it with http:// or https://`);
    }
    const fromEnv = await runHere(["tail", "--project", "x"], { BRAINTRUST_API_KEY: "sk-x", BRAINTRUST_API_URL: "localhost:1" });
    expect(fromEnv.stderr).toContain('BRAINTRUST_API_URL "localhost:1" is not a URL');
  });

  it("tail never prints a key written into the URL, in any of its messages", async () => {
    const secret = "sk-in-the-url-0123456789";
    const port = await freePort();
    const unreachable = await runHere(["tail", "--project", "x", "--api-url", `http://${secret}@127.0.0.1:${port}`], { BRAINTRUST_API_KEY: "sk-other" });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`Cannot reach the Braintrust API at http://127.0.0.1:${port}`);
    const noScheme = await runHere(["tail", "--project", "x", "--api-url", `${secret}@127.0.0.1:${port}`], { BRAINTRUST_API_KEY: "sk-other" });
    expect(noScheme.code).toBe(2);
    const withPassword = await runHere(["tail", "--project", "x", "--api-url", `http://user:${secret}@127.0.0.1:${port}`], { BRAINTRUST_API_KEY: "sk-other" });
    expect(withPassword.code).toBe(1);

    const server = await startLocalBraintrust({ apiKey: secret });
    try {
      const url = server.url.replace("http://", `http://${secret}@`);
      const missing = await runHere(["tail", "--project", "absent", "--api-url", url], { BRAINTRUST_API_KEY: secret });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`Project "absent" not found at ${server.url}.`);
      const wrongId = await runHere(["tail", "--project-id", "nope", "--api-url", url], { BRAINTRUST_API_KEY: secret });
      expect(wrongId.stderr).toContain(`Not found at ${server.url}: POST /v1/project_logs/nope/fetch (404).`);
      for (const r of [unreachable, noScheme, withPassword, missing, wrongId]) expect(r.stdout + r.stderr).not.toContain(secret);
    } finally {
      await server.close();
    }
  });

  it("tail strips ESC, BEL, C1 and bidi control characters from what a server says", async () => {
    const hostile = createHttpServer((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("\x1b]0;owned\x07\x1b[2J\x9b31m boom \u202etxt.exe\u2066 \u200f end");
    });
    await new Promise<void>((resolve) => hostile.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = hostile.address() as { port: number };
      const { code, stderr } = await runHere(["tail", "--project", "x", "--api-url", `http://127.0.0.1:${port}`], { BRAINTRUST_API_KEY: "sk-x" });
      expect(code).toBe(1);
      expect(stderr).toContain("GET /v1/project failed with 500:");
      expect(stderr).toContain("boom txt.exe end");
      expect(stderr.trimEnd()).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    } finally {
      hostile.close();
    }
  });

  it("dev --data refuses a file that is not a journal, and a directory, in one line with no stack", async () => {
    const notes = join(dir, "notes.md");
    writeFileSync(notes, "# notes\n");
    for (const [file, message] of [
      [notes, `error: --data: ${notes} is not a journal of this server (line 1 is not one of its entries).`],
      [dir, `error: --data: ${dir} is a directory or device, not a journal file: pass a file path.`],
    ] as const) {
      const { code, stdout, stderr } = await run(["dev", "--port", "0", "--data", file]);
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(stderr.startsWith(message)).toBe(true);
    }
    expect(readFileSync(notes, "utf8")).toBe("# notes\n");
    const damaged = join(dir, "damaged.jsonl");
    writeFileSync(damaged, '{"kind":"key","apiKey":"sk-a"}\n{not json}\n{"kind":"key","apiKey":"sk-b"}\n');
    const bad = await run(["dev", "--port", "0", "--data", damaged]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`error: --data: ${damaged}: line 2 is not a journal entry. Remove or fix that line, or pass another file.\n`);
  });

  it("tail --follow says it is watching, and polls less and less while nothing changes", async () => {
    const server = await startLocalBraintrust();
    try {
      const id = (await api(server.url, server.apiKey, "POST", "/v1/project", { name: "idle" })).id;
      await api(server.url, server.apiKey, "POST", `/v1/project_logs/${id}/insert`, { events: traceRows("idle", 1) });
      // When following starts (the note), then when each poll's fetch reaches the server.
      const at: number[] = [];
      const record = server.requests.push.bind(server.requests);
      server.requests.push = (...requests) => {
        for (const r of requests) if (r.path.endsWith("/fetch") && at.length > 0) at.push(performance.now());
        return record(...requests);
      };
      let stderr = "";
      const note = (l: string) => {
        stderr += l + "\n";
        if (l.startsWith("Watching")) at.push(performance.now());
      };
      const out = { write: () => {}, note, width: 100, color: false };
      const controller = new AbortController();
      const running = main(["tail", "--project", "idle", "--follow", "--interval", "100"], { BRAINTRUST_API_URL: server.url, BRAINTRUST_API_KEY: server.apiKey }, out, controller.signal);
      while (at.length < 5) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort();
      expect(await running).toBe(0);
      expect(stderr).toBe('Watching project "idle" for new traces… (Ctrl+C to stop)\n');
      // Each idle poll waits twice as long as the one before, from 100 ms: a slow machine only
      // stretches the gaps, never shortens them (timers fire at most a millisecond early).
      const gaps = at.slice(1, 5).map((t, i) => t - at[i]!);
      [100, 200, 400, 800].forEach((wait, i) => expect(gaps[i]).toBeGreaterThanOrEqual(wait - 1));
    } finally {
      await server.close();
    }
  });

  it("dev takes its key from BRAINTRUST_API_KEY without printing it, and logs '1 event'", async () => {
    const key = "sk-from-the-environment-42";
    const dev = start(["dev", "--port", "0"], { BRAINTRUST_API_KEY: key });
    try {
      const [, url] = await dev.waitFor(/export BRAINTRUST_API_URL=(\S+)/);
      expect(dev.stdout()).toContain("BRAINTRUST_API_KEY: the key already in your environment");
      expect(dev.stdout()).toContain(`Web viewer: ${url}/ (it asks for the key)`);
      const project = await api(url!, key, "POST", "/v1/project", { name: "env-key" });
      await api(url!, key, "POST", `/v1/project_logs/${project.id}/insert`, { events: traceRows("one", 1).slice(0, 1) });
      await dev.waitFor(/POST \/v1\/project_logs\/\S+\/insert 200 1 event\n/);
      expect(dev.stdout()).not.toContain(key);
    } finally {
      dev.child.kill("SIGTERM");
      await dev.exited;
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

const tsx = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;

/** The CLI from the sources, run in `cwd` with only `extraEnv` (and PATH, HOME). */
function runIn(cwd: string, args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", tsx, join(root, "src/cli.ts"), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", TZ: "UTC", ...extraEnv },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("tail reads its configuration exactly as the exporter does", () => {
  let lb: LocalBraintrust;
  beforeAll(async () => {
    lb = await startLocalBraintrust();
    await buildBundle();
  }, 60_000);
  afterAll(() => lb.close());

  it("an app and tail run with only .env.braintrust (found above the working directory): tail shows the app's trace", { timeout: 60_000 }, async () => {
    const app = mkdtempSync(join(dir, "app-"));
    const sub = join(app, "src");
    mkdirSync(sub);
    writeFileSync(join(app, ".env.braintrust"), `BRAINTRUST_API_URL=${lb.url}\nBRAINTRUST_API_KEY=${lb.apiKey}\nBRAINTRUST_PROJECT=from-env-file\n`);
    const ran = await runChild(
      `const processor = new BraintrustSpanProcessor();
       const provider = new NodeTracerProvider({ spanProcessors: [processor] });
       provider.getTracer("app").startSpan("written by the app").end();
       await provider.shutdown();`,
      {},
      undefined,
      sub,
    );
    expect(ran.stderr).toBe("");
    expect(lb.rows("from-env-file")).toHaveLength(1);

    const tailed = await runIn(sub, ["tail"]);
    expect(tailed.stderr).toBe("");
    expect(tailed.code).toBe(0);
    expect(tailed.stdout).toContain("written by the app");

    // The environment beats the file, for tail as for the exporter.
    const other = await runIn(sub, ["tail"], { BRAINTRUST_PROJECT: "not-in-the-file" });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('Project "not-in-the-file" not found');
    expect(other.stderr).toContain("The project comes from BRAINTRUST_PROJECT; pass --project to read another.");

    // A project only the file names, not found: the file is named.
    writeFileSync(join(app, ".env.braintrust"), `BRAINTRUST_API_URL=${lb.url}\nBRAINTRUST_API_KEY=${lb.apiKey}\nBRAINTRUST_PROJECT=misspelt\n`);
    const misspelt = await runIn(sub, ["tail"]);
    expect(misspelt.stderr).toBe(`error: Project "misspelt" not found at ${lb.url}. The project comes from BRAINTRUST_PROJECT in .env.braintrust; pass --project to read another.\n`);
  });

  it("a URL nothing answers names where it came from: the flag, the variable, or the file", { timeout: 60_000 }, async () => {
    const app = mkdtempSync(join(dir, "down-"));
    const port = await freePort();
    writeFileSync(join(app, ".env.braintrust"), `BRAINTRUST_API_URL=http://127.0.0.1:${port}\nBRAINTRUST_API_KEY=sk-from-file-0123456789\n`);
    const fromFile = await runIn(app, ["tail", "--project", "p"]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toBe(`error: Cannot reach the Braintrust API at http://127.0.0.1:${port} (ECONNREFUSED). The URL comes from BRAINTRUST_API_URL in .env.braintrust.\n`);
    const fromFlag = await runHere(["tail", "--project", "p", "--api-url", `http://127.0.0.1:${port}`], {}, app);
    expect(fromFlag.stderr).toContain("The URL comes from --api-url.");
    expect(fromFile.stderr + fromFlag.stderr).not.toContain("sk-from-file");
  });

  it("with no URL anywhere, names the default and the variable and flag that change it", () => {
    const target = tailTarget({ project: "p" }, { BRAINTRUST_API_KEY: "sk-x-0123456789" }, dir);
    expect(target.apiUrl).toBe("https://api.braintrust.dev");
    expect(target.urlHint).toBe(
      "No URL is set (--api-url, BRAINTRUST_API_URL or .env.braintrust), so this is the default, https://api.braintrust.dev: set BRAINTRUST_API_URL or pass --api-url to read another server, such as the one `dev` runs.",
    );
  });

  it("BRAINTRUST_PARENT names the project as it does for the exporter; an experiment is refused with the fix", () => {
    expect(tailTarget({}, { BRAINTRUST_API_KEY: "sk-x-0123456789", BRAINTRUST_PARENT: "project_id:abc", BRAINTRUST_PROJECT: "n" }, dir)).toMatchObject({ projectId: "abc" });
    const flagWins = tailTarget({ project: "flag" }, { BRAINTRUST_API_KEY: "sk-x-0123456789", BRAINTRUST_PARENT: "project_id:abc" }, dir);
    expect([flagWins.project, flagWins.projectId]).toEqual(["flag", undefined]);
    expect(() => tailTarget({}, { BRAINTRUST_API_KEY: "sk-x-0123456789", BRAINTRUST_PARENT: "experiment_id:e1" }, dir)).toThrow(
      "BRAINTRUST_PARENT names an experiment (experiment_id:e1); tail reads project logs: pass --project NAME or --project-id ID.",
    );
  });
});

describe("the README's commands, from a clone of the repository", () => {
  it("`npm run dev` starts the server, and the tail command it prints works where it was run", { timeout: 90_000 }, async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    expect(readme).toContain("npm run dev");
    const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.dev).toBeDefined();

    // npm, then a shell, then tsx, then node: a group of its own, ended as a whole.
    const npm = spawn("npm", ["run", "--silent", "dev", "--", "--port", "0"], { cwd: root, env: env(), detached: true });
    let printed = "";
    npm.stdout.on("data", (d: Buffer) => (printed += d.toString()));
    const exited = new Promise((resolve) => npm.on("close", resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const check = () => (printed.includes("Press Ctrl+C to stop.") ? resolve() : undefined);
        npm.stdout.on("data", check);
        void exited.then(() => reject(new Error(`npm run dev ended: ${printed}`)));
      });
      const exported = Object.fromEntries([...printed.matchAll(/^\s+export (BRAINTRUST_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
      const tailLine = /^\s+(npm run tail -- .*)$/m.exec(printed)?.[1];
      expect(tailLine).toBe("npm run tail -- --project NAME --follow");

      const project = await api(exported.BRAINTRUST_API_URL!, exported.BRAINTRUST_API_KEY!, "POST", "/v1/project", { name: "from-the-readme" });
      await api(exported.BRAINTRUST_API_URL!, exported.BRAINTRUST_API_KEY!, "POST", `/v1/project_logs/${project.id}/insert`, { events: traceRows("readme", 5) });
      // The printed command, without --follow (so it ends), in the shell dev was run from.
      const command = tailLine!.replace("NAME", "from-the-readme").replace(" --follow", "");
      const { stdout } = await promisify(execFile)("sh", ["-c", command], { cwd: root, env: env(exported) });
      expect(stdout).toContain("readme agent [task]");
    } finally {
      process.kill(-npm.pid!, "SIGTERM");
      await exited;
    }
  });
});

describe("the command dev suggests is the form it was itself started in", () => {
  it.each([
    ["/srv/app/node_modules/braintrust-otel-exporter/dist/cli.js", "/srv/app", "npx braintrust-otel-exporter tail --project NAME"],
    ["/home/me/.npm/_npx/1a2b/node_modules/braintrust-otel-exporter/dist/cli.js", "/tmp", "npx braintrust-otel-exporter tail --project NAME"],
    ["/home/me/braintrust-otel-exporter/src/cli.ts", "/home/me/braintrust-otel-exporter", "npm run tail -- --project NAME"],
    ["/home/me/braintrust-otel-exporter/dist/cli.js", "/home/me/braintrust-otel-exporter", "node dist/cli.js tail --project NAME"],
    ["/home/me/my clone/dist/cli.js", "/home/me", 'node "my clone/dist/cli.js" tail --project NAME'],
  ])("%s from %s", (entry, cwd, expected) => {
    expect(invocation(entry, cwd)("tail", "--project NAME")).toBe(expected);
  });
});
