// A setting read late applies everywhere it applies read early. Apps load dotenv after their
// instrumentation file: the processor is built with nothing in the environment, then the
// variables appear before the first span. For every variable the config (and the log level)
// reads, the rows, requests and counters of that late processor must equal those of one
// built with the same variables already set. Real processors against the local server.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BraintrustExporter, BraintrustSpanProcessor } from "../../src/index.js";
import { enabled, resetLogState } from "../../src/log.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { providerWith } from "../helpers/tracing.js";
import { SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

let server: LocalBraintrust;
let closedPort: number;
beforeAll(async () => {
  server = await startLocalBraintrust();
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(() => server.close());

/** Every upper-case name a config source file reads: what "every env var" means here. */
function namesReadByConfig(): string[] {
  const dir = fileURLToPath(new URL("../../src/config/", import.meta.url));
  const names = new Set<string>();
  for (const file of readdirSync(dir)) {
    for (const [, name] of readFileSync(join(dir, file), "utf8").matchAll(/"([A-Z][A-Z0-9_]{2,})"/g)) names.add(name!);
  }
  // Error codes and a prefix, not variables.
  for (const notVariable of ["ENOENT", "ENOTDIR", "AWS_ECS_"]) names.delete(notVariable);
  return [...names].sort();
}

interface Case {
  /** The spans include one with an image in its input. */
  media?: boolean;
  /** The variables to set (besides the key and URL); `tag` makes names unique per run. */
  vars(tag: string): Record<string, string>;
  /** The project the rows go to. */
  project(tag: string): string;
}

const named = (tag: string) => `late-config-${tag}`;
/** Most variables only need a project; the rows go there. */
const plain = (name: string, value: string): [string, Case] => [name, { vars: (tag) => ({ BRAINTRUST_PROJECT: named(tag), [name]: value }), project: named }];

const CASES: [string, Case][] = [
  ["BRAINTRUST_API_KEY", { media: true, vars: (tag) => ({ BRAINTRUST_PROJECT: named(tag) }), project: named }],
  ["BRAINTRUST_API_URL", { media: true, vars: (tag) => ({ BRAINTRUST_PROJECT: named(tag) }), project: named }],
  ["BRAINTRUST_PROJECT", { media: true, vars: (tag) => ({ BRAINTRUST_PROJECT: named(tag) }), project: named }],
  [
    "BRAINTRUST_PROJECT_ID",
    { vars: (tag) => ({ BRAINTRUST_PROJECT_ID: server.createExperiment(named(tag), "e").project_id }), project: named },
  ],
  ["BRAINTRUST_PARENT", { vars: (tag) => ({ BRAINTRUST_PARENT: `project_name:${named(tag)}` }), project: named }],
  plain("BRAINTRUST_ORG_NAME", "acme"),
  plain("BRAINTRUST_IMPERSONATE_USER", "someone@example.com"),
  plain("BRAINTRUST_FILTER_AI_SPANS", "true"),
  plain("BRAINTRUST_ENVIRONMENT_TYPE", "server"),
  plain("BRAINTRUST_ENVIRONMENT_NAME", "staging"),
  plain("BRAINTRUST_APP_URL", "https://example.com"),
  ["BRAINTRUST_ATTACHMENTS", { media: true, vars: (tag) => ({ BRAINTRUST_PROJECT: named(tag), BRAINTRUST_ATTACHMENTS: "false" }), project: named }],
  // Through a proxy that is not there: the same failure, said the same way.
  ["HTTP_PROXY", { vars: (tag) => ({ BRAINTRUST_PROJECT: named(tag), HTTP_PROXY: `http://127.0.0.1:${closedPort}` }), project: named }],
  ["HTTPS_PROXY", { vars: (tag) => ({ BRAINTRUST_PROJECT: named(tag), HTTPS_PROXY: `http://127.0.0.1:${closedPort}` }), project: named }],
  ["NO_PROXY", { vars: (tag) => ({ BRAINTRUST_PROJECT: named(tag), HTTP_PROXY: `http://127.0.0.1:${closedPort}`, NO_PROXY: "127.0.0.1" }), project: named }],
  plain("OTEL_LOG_LEVEL", "debug"),
  plain("BRAINTRUST_DEBUG", "1"),
  plain("CI", "true"),
  plain("NODE_ENV", "production"),
  plain("AWS_EXECUTION_ENV", "AWS_Lambda_nodejs20.x"),
  ...namesReadByConfig()
    .filter((name) => !/^(BRAINTRUST_|HTTPS?_PROXY$|CI$|NODE_ENV$|AWS_EXECUTION_ENV$)/.test(name))
    .map((name) => plain(name, "1")),
];

/** Cleared before each run and restored after: what the cases set, and what the host may have set. */
const TOUCHED = [...new Set([...CASES.map(([name]) => name), ...namesReadByConfig(), "http_proxy", "https_proxy", "no_proxy", "NO_PROXY", "OTEL_LOG_LEVEL", "BRAINTRUST_DEBUG", "BRAINTRUST_API_KEY", "BRAINTRUST_API_URL"])];

let saved: Record<string, string | undefined>;
let savedCwd: string;
let dir: string;
beforeEach(() => {
  saved = Object.fromEntries(TOUCHED.map((name) => [name, process.env[name]]));
  savedCwd = process.cwd();
  dir = mkdtempSync(join(tmpdir(), "bt-late-config-"));
  process.chdir(dir); // no .env.braintrust
});
afterEach(() => {
  process.chdir(savedCwd);
  rmSync(dir, { recursive: true, force: true });
  setEnv(saved);
});

function setEnv(vars: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

function clearEnv(): void {
  setEnv(Object.fromEntries(TOUCHED.map((name) => [name, undefined])));
}

type Face = BraintrustSpanProcessor | BraintrustExporter;

/** A PNG of 48 KiB as a data URI: large enough to be uploaded as an attachment. */
const IMAGE = `data:image/png;base64,${Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(48 * 1024, 7)]).toString("base64")}`;

/** A value with the ids made fresh per run (attachment keys) written as ID. */
function scrubbed<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "ID")) as T;
}

/** A request root, an LLM call and a plain step under it; then what the face and the server saw of them. */
async function observe(face: Face, c: Case, tag: string) {
  const before = server.requests.length;
  const provider = providerWith(face instanceof BraintrustExporter ? new SimpleSpanProcessor(face) : face);
  const tracer = provider.getTracer("late-config");
  tracer.startActiveSpan("GET /health", (root) => {
    tracer.startSpan("chat gpt-4o", { attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o" } }).end();
    tracer.startSpan("work", { attributes: { input: "x" } }).end();
    // Media in a message: uploaded as an attachment, or left inline (BRAINTRUST_ATTACHMENTS=false).
    if (c.media) tracer.startSpan("look", { attributes: { "braintrust.input_json": JSON.stringify([{ role: "user", content: [{ type: "image_url", image_url: { url: IMAGE } }] }]) } }).end();
    root.end();
  });
  await provider.forceFlush();
  const stats = face.stats();
  const debug = enabled("debug");
  await provider.shutdown();
  const rows = server.rows(c.project(tag));
  const nameOf = new Map(rows.map((r) => [r.span_id, r.span_attributes?.name]));
  const scrub = (text: string | undefined) => text?.split(tag).join("TAG").replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "ID");
  return {
    rows: rows
      .map((r) => scrubbed({
        name: r.span_attributes?.name,
        type: r.span_attributes?.type,
        parent: r.span_parents?.map((id) => nameOf.get(id) ?? "?"),
        input: r.input,
        output: r.output,
        metadata: r.metadata,
        origin: r.context?.span_origin,
      }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
    // Which requests were made and how, not how many times: a busy machine may retry one.
    requests: [
      ...new Set(
        server.requests.slice(before).map((r) =>
          JSON.stringify({
            route: `${r.method} ${scrub(r.path)?.replace(/[^/]{20,}/g, "KEY")}`,
            impersonate: r.headers["x-bt-impersonate-user"],
            org: (r.body as { org_name?: unknown } | undefined)?.org_name,
          }),
        ),
      ),
    ].sort(),
    sent: stats.sent,
    filtered: stats.filtered,
    dropped: stats.dropped,
    lastError: scrub(stats.lastError)?.replace(/ on \d+ attempts?| after \d+ attempts?/, ""),
    debug,
  };
}

async function run(makeFace: () => Face, c: Case, late: boolean) {
  resetLogState();
  clearEnv();
  const tag = randomUUID().slice(0, 8);
  const vars = { BRAINTRUST_API_KEY: server.apiKey, BRAINTRUST_API_URL: server.url, ...c.vars(tag) };
  if (!late) setEnv(vars);
  const face = makeFace();
  if (late) setEnv(vars); // what `import "dotenv/config"` does after the instrumentation file ran
  try {
    return await observe(face, c, tag);
  } finally {
    await face.shutdown();
  }
}

// Failures to reach a proxy that is not there are retried until the flush's deadline. A case
// with media keeps the default one: forceFlush waits for its upload, however slow the machine.
const options = { exportTimeoutMillis: 300 };
const optionsFor = (c: Case) => (c.media ? {} : options);

describe("late configuration equals early configuration", () => {
  it("covers every variable the config reads", () => {
    const covered = new Set(CASES.map(([name]) => name));
    expect(namesReadByConfig().filter((name) => !covered.has(name))).toEqual([]);
  });

  for (const [name, c] of CASES) {
    it(`${name}, set after the processor is built`, async () => {
      const early = await run(() => new BraintrustSpanProcessor(optionsFor(c)), c, false);
      const late = await run(() => new BraintrustSpanProcessor(optionsFor(c)), c, true);
      expect(late).toEqual(early);
      // The runs did something to compare: rows arrived, or the proxy that is not there was named.
      if (name === "HTTP_PROXY") expect(early.lastError).toMatch(/proxy/);
      else expect(early.rows.length).toBeGreaterThan(0);
    });
  }

  it("BRAINTRUST_FILTER_AI_SPANS, BRAINTRUST_ENVIRONMENT_NAME and BRAINTRUST_IMPERSONATE_USER, set after the exporter is built", async () => {
    const c: Case = {
      vars: (tag) => ({ BRAINTRUST_PROJECT: named(tag), BRAINTRUST_FILTER_AI_SPANS: "true", BRAINTRUST_ENVIRONMENT_NAME: "staging", BRAINTRUST_IMPERSONATE_USER: "someone" }),
      project: named,
    };
    const early = await run(() => new BraintrustExporter(options), c, false);
    const late = await run(() => new BraintrustExporter(options), c, true);
    expect(late).toEqual(early);
  });

  it("the filter set late leaves out the request span, as set early (the reported case)", async () => {
    const late = await run(() => new BraintrustSpanProcessor(options), CASES.find(([name]) => name === "BRAINTRUST_FILTER_AI_SPANS")![1], true);
    expect(late.filtered).toBe(2);
    expect(late.rows).toHaveLength(1);
    expect(late.rows.map((r) => r.name)).toEqual(["chat gpt-4o"]);
  });
});
