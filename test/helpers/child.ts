// A fresh Node process running a short app script against the exporter, as a user's app
// would: no diag logger, its stderr, stdout and exit code captured. The children load the
// exporter bundled once (as the package ships it) rather than each compiling the
// TypeScript sources: a dozen at once stay quick on a small machine.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll } from "vitest";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";

export const repo = fileURLToPath(new URL("../..", import.meta.url));

export interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const cache = join(repo, "node_modules", ".cache", "child-test");
const bundle = join(cache, "index.mjs");
let built: Promise<unknown> | undefined;
let scripts = 0;

/** Bundles src/index.ts once per test process; call in beforeAll. */
export function buildBundle(): Promise<unknown> {
  built ??= build({
    entryPoints: [join(repo, "src/index.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bundle,
    external: ["@opentelemetry/*", "undici"],
    logLevel: "error",
  });
  return built;
}

/**
 * Runs `body` as an ES module in a fresh process with `trace`, `context`, `NodeTracerProvider`,
 * `BatchSpanProcessor`, `SimpleSpanProcessor`, the exporter's entry points and `tracer()` in
 * scope. `env` is all the environment it gets besides PATH and HOME; `onStdout` sees stdout
 * so far on each chunk (to signal the child); `cwd` is where it runs (the script itself sits
 * beside the bundle, so its imports resolve wherever that is).
 */
export function runChild(body: string, env: Record<string, string> = {}, onStdout?: (text: string, pid: number) => void, cwd = repo): Promise<Child> {
  const script = `
    import { trace, context } from "@opentelemetry/api";
    import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
    import { BatchSpanProcessor, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
    import { BraintrustSpanProcessor, BraintrustExporter, register } from ${JSON.stringify(pathToFileURL(bundle).href)};
    const tracer = () => trace.getTracer("child");
    ${body}
  `;
  mkdirSync(cache, { recursive: true });
  const file = join(cache, `script-${process.pid}-${++scripts}.mjs`);
  writeFileSync(file, script);
  const child = spawn(process.execPath, [file], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, child.pid!);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // Only a hung child meets this: it ends killed, with signal SIGKILL.
  const killer = setTimeout(() => child.kill("SIGKILL"), 50_000);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout: stdout.trim(), stderr });
    });
  });
}

/** The lines our package printed (process warnings carry a `(node:PID)` prefix and a hint line). */
export const ours = (stderr: string): string[] => stderr.split("\n").filter((l) => l.includes("braintrust-otel-exporter:"));

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

export interface ChildrenServer {
  /** The local server the children of this file send to. */
  readonly server: LocalBraintrust;
  /** The environment that points a child at it. */
  env(): Record<string, string>;
}

/** Before this file's tests: the bundle built and a local server started; after them, the server closed. */
export function localServerForChildren(): ChildrenServer {
  let server: LocalBraintrust | undefined;
  beforeAll(async () => {
    await buildBundle();
    server = await startLocalBraintrust();
  }, 60_000);
  afterAll(() => server?.close());
  return {
    get server() {
      if (!server) throw new Error("the local server starts in beforeAll");
      return server;
    },
    env: () => ({ BRAINTRUST_API_KEY: server!.apiKey, BRAINTRUST_API_URL: server!.url }),
  };
}
