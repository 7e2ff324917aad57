// The runnable examples run: each is spawned with tsx, without BRAINTRUST_API_KEY so it logs
// to its own local server, and must exit 0 having printed the trace it sent.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url));

async function runExample(file: string): Promise<string> {
  // Wide enough that the printed previews show whole inputs.
  const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: "400" };
  for (const name of Object.keys(env)) if (name.startsWith("BRAINTRUST_")) delete env[name];
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [tsx, file], { cwd: root, env, timeout: 60_000 });
  // A healthy run says nothing on stderr.
  expect(stderr).toBe("");
  return stdout;
}

describe("examples", () => {
  it("basic.ts (npm run demo): the root and its two children, as a tree", async () => {
    const out = await runExample("examples/basic.ts");
    expect(out).toMatch(/^Logged to project "tracing_test" at http:\/\/127\.0\.0\.1:\d+:$/m);
    expect(out).toMatch(/^User Interaction \[task\] /m);
    expect(out).toMatch(/^├─ Interaction 0 .* "hello world" → "output0"$/m);
    expect(out).toMatch(/^└─ Interaction 1 .* "output0" → "output1"$/m);
    expect(out).toMatch(/^See it in the web viewer: http:\/\/127\.0\.0\.1:\d+\/#key=sk-local-[0-9a-f]+$/m);
  });

  it("http-service.ts: filtered, masked request traces", async () => {
    const out = await runExample("examples/http-service.ts");
    expect(out).toMatch(/GET \/ask → 200/);
    expect(out).toMatch(/^GET \/ask \[task\] .*\n└─ chat mock-gpt \[llm\] .*19 tok/m);
    expect(out).not.toMatch(/SELECT users/); // filtered out
    const logged = out.slice(out.indexOf("Project "));
    expect(logged).toMatch(/Email me at \[email\]/);
    expect(logged).not.toMatch(/jane@example\.com/);
  });

  it("ai-sdk.ts: a task with llm and tool rows", async () => {
    const out = await runExample("examples/ai-sdk.ts");
    expect(out).toMatch(/Answer: It is 21°C and sunny in Paris\./);
    expect(out).toMatch(/ai\.generateText \[task\]/);
    expect(out.match(/ai\.generateText\.doGenerate \[llm\]/g)).toHaveLength(2);
    expect(out).toMatch(/ai\.toolCall \[tool\]/);
  });

  it("serverless.ts: everything delivered before each invocation freezes", async () => {
    const out = await runExample("examples/serverless.ts");
    expect(out.match(/frozen with 0 rows still queued/g)).toHaveLength(2);
    expect(out.match(/summarize \[llm\] .*49 tok/g)).toHaveLength(2);
  });
});
