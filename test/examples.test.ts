// The runnable examples run: each is spawned with tsx, without BRAINTRUST_API_KEY so it logs
// to its own local server, and must exit 0 having printed the trace it sent.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startLocalBraintrust } from "../src/testing/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url));

async function runExample(file: string, extraEnv: Record<string, string> = {}, columns = "400"): Promise<string> {
  // Wide enough that the printed previews show whole inputs.
  const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: columns };
  for (const name of Object.keys(env)) if (name.startsWith("BRAINTRUST_")) delete env[name];
  Object.assign(env, extraEnv);
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
    // Piped, the demo closes its server: it must not print an address that no longer answers.
    expect(out).not.toMatch(/web viewer|127\.0\.0\.1:\d+\/#key=/);
  });

  it("http-service.ts: filtered, masked request traces", async () => {
    const out = await runExample("examples/http-service.ts");
    expect(out).toMatch(/GET \/ask → 200/);
    expect(out).toMatch(/^GET \/ask \[task\] .*\n└─ chat mock-gpt \[llm\] .*19 tok/m);
    expect(out).not.toMatch(/SELECT users/); // filtered out
    const logged = out.slice(out.indexOf("Logged to project "));
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

  it("ai-sdk.ts against a server named by BRAINTRUST_API_URL (the lines `dev` prints) says it logged there, not at Braintrust", async () => {
    const server = await startLocalBraintrust();
    try {
      const out = await runExample("examples/ai-sdk.ts", { BRAINTRUST_API_KEY: server.apiKey, BRAINTRUST_API_URL: server.url });
      expect(out).toContain(`Logged to project "ai-sdk-example" at ${server.url}:`);
      expect(out).not.toContain("Braintrust");
      expect(server.rows("ai-sdk-example").length).toBe(4);
    } finally {
      await server.close();
    }
  });
});

/** A tree line's head (name, type, duration, tokens), durations and ports made comparable; the previews are cut to fit, so they move with a duration's width. */
const shape = (line: string) => line.split("  ")[0]!.replace(/<1ms|\d+(\.\d+)?(ms|s)\b/g, "T").replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT");

describe("the README's sample outputs are what the examples print", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const samples = [...readme.matchAll(/```\n([^`]*?Logged to project "([^"]+)"[^`]*?)```/g)].map((m) => ({ text: m[1]!, project: m[2]! }));

  it.each([
    ["tracing_test", "examples/basic.ts"],
    ["ai-sdk-example", "examples/ai-sdk.ts"],
  ])("%s (%s)", async (project, file) => {
    const sample = samples.find((s) => s.project === project);
    expect(sample, `a README block with the output of ${file}`).toBeDefined();
    const printed = await runExample(file, {}, "100");
    const lines = (text: string) => text.trimEnd().split("\n").map(shape);
    expect(lines(sample!.text)).toEqual(lines(printed));
  });
});
