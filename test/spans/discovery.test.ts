// Key, project and environment discovery as @braintrust/otel users rely on it: the option,
// then BRAINTRUST_API_KEY, then `.env.braintrust` in the working directory; the default
// project; and a second reading at first use for apps that load dotenv after their
// instrumentation file. Real processors and exporters against the local server; the process
// environment and working directory are set per test and restored.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { context, trace } from "@opentelemetry/api";
import { SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BraintrustExporter, BraintrustSpanProcessor } from "../../src/index.js";
import { resetLogState } from "../../src/log.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { captureDiag } from "../helpers/diag.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

const OURS = ["BRAINTRUST_API_KEY", "BRAINTRUST_API_URL", "BRAINTRUST_PROJECT", "BRAINTRUST_PROJECT_ID", "BRAINTRUST_PARENT", "BRAINTRUST_ORG_NAME", "BRAINTRUST_ENVIRONMENT_TYPE", "BRAINTRUST_ENVIRONMENT_NAME"];
let savedEnv: Record<string, string | undefined>;
let savedCwd: string;
let dir: string;
beforeEach(() => {
  resetLogState();
  savedEnv = Object.fromEntries(OURS.map((name) => [name, process.env[name]]));
  for (const name of OURS) delete process.env[name];
  savedCwd = process.cwd();
  dir = mkdtempSync(join(tmpdir(), "bt-discovery-"));
  process.chdir(dir);
});
afterEach(() => {
  process.chdir(savedCwd);
  rmSync(dir, { recursive: true, force: true });
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

async function oneSpan(processor: BraintrustSpanProcessor, name = "ai.generateText") {
  const provider = providerWith(processor);
  provider.getTracer("discovery").startSpan(name).end();
  await processor.forceFlush();
  await provider.shutdown();
}

const writeEnvFile = (text: string) => writeFileSync(join(dir, ".env.braintrust"), text);

describe("the API key", () => {
  it("comes from .env.braintrust in the working directory when neither option nor env var sets it", async () => {
    const project = `from-file-${randomUUID()}`;
    writeEnvFile(`BRAINTRUST_API_KEY=${server.apiKey}\nBRAINTRUST_API_URL=${server.url}\nBRAINTRUST_PROJECT=${project}\n`);
    const before = { ...process.env };
    const processor = new BraintrustSpanProcessor();
    await expect(processor.ready()).resolves.toBeUndefined();
    await oneSpan(processor);
    expect(server.rows(project)).toHaveLength(1);
    expect(process.env).toEqual(before); // read, never copied into process.env
  });

  it("option beats BRAINTRUST_API_KEY, which beats the file", async () => {
    const project = `precedence-${randomUUID()}`;
    writeEnvFile(`BRAINTRUST_API_KEY=sk-wrong-from-file\nBRAINTRUST_PROJECT=file-project\n`);
    process.env.BRAINTRUST_API_KEY = "sk-wrong-from-env";
    process.env.BRAINTRUST_API_URL = server.url;
    const byOption = new BraintrustSpanProcessor({ apiKey: server.apiKey, projectName: project });
    await expect(byOption.ready()).resolves.toBeUndefined();
    await oneSpan(byOption);
    expect(server.rows(project)).toHaveLength(1);
    // The env var wins over the file, so this one is rejected with the env var's (wrong) key.
    const byEnv = new BraintrustSpanProcessor();
    await expect(byEnv.ready()).rejects.toThrow(/401|key/i);
    await byEnv.shutdown();
  });

  it("is looked for again at first use: dotenv loaded after the instrumentation file still works", async () => {
    const project = `late-${randomUUID()}`;
    const processor = new BraintrustSpanProcessor(); // nothing configured yet
    const provider = providerWith(processor);
    const span = provider.getTracer("late").startSpan("ai.generateText");
    // What `import "dotenv/config"` in the app's main module does, after instrumentation ran:
    process.env.BRAINTRUST_API_KEY = server.apiKey;
    process.env.BRAINTRUST_API_URL = server.url;
    process.env.BRAINTRUST_PROJECT = project;
    span.end();
    await processor.forceFlush();
    expect(server.rows(project)).toHaveLength(1);
    await provider.shutdown();
  });

  it("the exporter reads it again at its first export too", async () => {
    const project = `late-exporter-${randomUUID()}`;
    const exporter = new BraintrustExporter();
    writeEnvFile(`BRAINTRUST_API_KEY=${server.apiKey}\nBRAINTRUST_API_URL=${server.url}\nBRAINTRUST_PROJECT=${project}\n`);
    const provider = providerWith(new SimpleSpanProcessor(exporter));
    provider.getTracer("late").startSpan("ai.embed").end();
    await provider.forceFlush();
    expect(server.rows(project)).toHaveLength(1);
    await provider.shutdown();
  });

  it("missing everywhere: said once, naming the three places; ready() rejects, forceFlush resolves, export fails", async () => {
    const diag = captureDiag();
    try {
      const processor = new BraintrustSpanProcessor({ projectName: "never" });
      await oneSpan(processor);
      await expect(processor.ready()).rejects.toThrow(/`apiKey`.*BRAINTRUST_API_KEY.*\.env\.braintrust/);
      expect(processor.stats().dropped.unresolved).toBe(1);
      const exporter = new BraintrustExporter({ projectName: "never" });
      const result = await new Promise<{ code: number }>((resolve) => exporter.export([{ name: "x" } as never], resolve));
      expect(result.code).toBe(1);
      expect(diag.messages.filter((m) => m.includes("no API key"))).toHaveLength(1);
    } finally {
      diag.stop();
    }
  });
});

describe("the default project", () => {
  it("is default-otel-project when nothing names one, said once with the option and env var that change it", async () => {
    const diag = captureDiag();
    try {
      const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url });
      await oneSpan(processor, "first");
      const again = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url });
      await oneSpan(again, "second");
      expect(server.rows("default-otel-project").map((r) => r.span_attributes?.name).sort()).toEqual(["first", "second"]);
      const said = diag.messages.filter((m) => m.includes("no project is configured"));
      expect(said[0]).toMatch(/rows go to project "default-otel-project"/);
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/`projectName` \(BRAINTRUST_PROJECT\)/);
      expect(said[0]).toMatch(/`parent` \(BRAINTRUST_PARENT\)/);
    } finally {
      diag.stop();
    }
  });

  it("is not used, and not announced, when BRAINTRUST_PARENT or the parent option is set", async () => {
    const diag = captureDiag();
    try {
      const project = `named-${randomUUID()}`;
      process.env.BRAINTRUST_PARENT = `project_name:${project}`;
      await oneSpan(new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url }));
      delete process.env.BRAINTRUST_PARENT;
      await oneSpan(new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, parent: `project_name:${project}` }));
      expect(server.rows(project)).toHaveLength(2);
      expect(diag.messages.some((m) => m.includes("no project is configured"))).toBe(false);
    } finally {
      diag.stop();
    }
  });

  it("gives way to a project that appears in the environment before first use", async () => {
    const project = `late-project-${randomUUID()}`;
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url });
    process.env.BRAINTRUST_PROJECT = project;
    await oneSpan(processor);
    expect(server.rows(project)).toHaveLength(1);
  });
});

describe("the span-origin environment", () => {
  it("reads BRAINTRUST_ENVIRONMENT_NAME from .env.braintrust, keeping it without a type", async () => {
    const project = `origin-file-${randomUUID()}`;
    writeEnvFile("BRAINTRUST_ENVIRONMENT_NAME=staging\n");
    await oneSpan(new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: project }));
    expect(server.rows(project)[0]!.context?.span_origin).toMatchObject({ environment: { name: "staging" } });
    expect((server.rows(project)[0]!.context?.span_origin as { environment: object }).environment).toEqual({ name: "staging" });
  });
});

describe("in a trace", () => {
  it("a late key also serves spans that started before it was known", async () => {
    const project = `late-trace-${randomUUID()}`;
    const processor = new BraintrustSpanProcessor({ filterAISpans: true });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("late");
    const root = tracer.startSpan("agent", { attributes: { "gen_ai.operation.name": "invoke_agent" } });
    const child = tracer.startSpan("chat", { attributes: { "gen_ai.operation.name": "chat" } }, trace.setSpan(context.active(), root));
    process.env.BRAINTRUST_API_KEY = server.apiKey;
    process.env.BRAINTRUST_API_URL = server.url;
    process.env.BRAINTRUST_PROJECT = project;
    child.end();
    root.end();
    await processor.forceFlush();
    const rows = server.rows(project);
    expect(rows.map((r) => r.span_attributes?.name).sort()).toEqual(["agent", "chat"]);
    await provider.shutdown();
  });
});
