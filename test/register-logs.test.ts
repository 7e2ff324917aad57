// register() installs a global LoggerProvider with the processor's log face when
// @opentelemetry/sdk-logs is installed and the app has none, so an app with nothing but
// register() and OpenTelemetry's OpenAI instrumentation gets its conversations in the rows.
// Each case runs in a child process: the global providers are the process's own.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBraintrust, startLocalBraintrust } from "../src/testing/index.js";
import { FAKE_REPLY, type FakeOpenAI, startFakeOpenAI } from "./integrations/fake-openai.js";

let server: LocalBraintrust;
let fake: FakeOpenAI;
beforeAll(async () => {
  server = await startLocalBraintrust();
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
  await server.close();
});

const root = fileURLToPath(new URL("..", import.meta.url));

/** Runs an ES module script (with tsx) in a child process; resolves with its stdout and stderr. */
function child(script: string) {
  return promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, timeout: 60_000 });
}

/** The app: register(), the instrumentation as its README says, a chat inside an app span. */
const app = (projectName: string, before = "") => `
  import { createRequire } from "node:module";
  import { trace } from "@opentelemetry/api";
  const require = createRequire(import.meta.url);
  ${before}
  const { register } = await import("./src/index.ts");
  const registration = register({ apiKey: ${JSON.stringify(server.apiKey)}, apiUrl: ${JSON.stringify(server.url)}, projectName: ${JSON.stringify(projectName)} });
  const { registerInstrumentations } = require("@opentelemetry/instrumentation");
  const { OpenAIInstrumentation } = require("@opentelemetry/instrumentation-openai");
  registerInstrumentations({ instrumentations: [new OpenAIInstrumentation({ captureMessageContent: true })] });
  const { OpenAI } = require("openai");
  const client = new OpenAI({ apiKey: "sk-fake", baseURL: ${JSON.stringify(fake.baseURL)}, maxRetries: 0 });
  await trace.getTracer("app").startActiveSpan("handle request", async (span) => {
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "system", content: "Be terse." }, { role: "user", content: "Capital of France?" }] });
    span.end();
  });
  await registration.shutdown();
  console.log(JSON.stringify({ logs: registration.loggerProvider !== undefined }));
`;

describe("register() and GenAI log records", () => {
  it("installs a LoggerProvider, and the instrumentation's messages reach the LLM row under the app's span", async () => {
    const { stdout } = await child(app("register-logs"));
    expect(JSON.parse(stdout.trim())).toEqual({ logs: true });
    const rows = server.rows("register-logs");
    const appRow = rows.find((r) => (r.span_attributes as { name: string }).name === "handle request")!;
    const llm = rows.find((r) => r !== appRow)!;
    expect(llm).toMatchObject({
      span_parents: [appRow.span_id],
      span_attributes: { type: "llm" },
      input: [{ role: "system", content: "Be terse." }, { role: "user", content: "Capital of France?" }],
      output: [{ role: "assistant", content: FAKE_REPLY, finish_reason: "stop" }],
      metrics: { prompt_tokens: 19, completion_tokens: 7 },
    });
  });

  it("leaves an app's own LoggerProvider in place, and says what to add to it", async () => {
    const own = `
      const { logs } = require("@opentelemetry/api-logs");
      const { LoggerProvider } = require("@opentelemetry/sdk-logs");
      logs.setGlobalLoggerProvider(new LoggerProvider());
      const { diag, DiagLogLevel } = await import("@opentelemetry/api");
      diag.setLogger({ error: console.error, warn: console.error, info: console.error, debug() {}, verbose() {} }, DiagLogLevel.INFO);
    `;
    const { stdout, stderr } = await child(app("register-own-logs", own));
    expect(JSON.parse(stdout.trim())).toEqual({ logs: false });
    expect(stderr).toMatch(/logRecordProcessor/);
    const llm = server.rows("register-own-logs").find((r) => (r.span_attributes as { type?: string }).type === "llm")!;
    expect(llm.input).toBeUndefined();
  });
});
