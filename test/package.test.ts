// The published shape: build, `npm pack`, install the tarball into a fresh app, and load
// every entry point with require() and with import. Each loader then registers against
// the packaged local server and checks that a span arrives, so the subpaths work together.
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalBraintrust } from "../src/testing/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
let app: string;

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_loglevel: "error" } });

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "bt-otel-pack-"));
  run("npx", ["tsup"], root);
  run("npm", ["pack", "--pack-destination", app], root);
  const tarball = readdirSync(app).find((f) => f.endsWith(".tgz"))!;
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  // The peers an app brings; versions from this repo's lockfile keep it to the npm cache.
  const version = (name: string) => JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version as string;
  run(
    "npm",
    [
      "install", "--no-audit", "--no-fund", "--prefer-offline", `./${tarball}`,
      `@opentelemetry/api@${version("@opentelemetry/api")}`,
      `@opentelemetry/sdk-trace-node@${version("@opentelemetry/sdk-trace-node")}`,
    ],
    app,
  );
  mkdirSync(join(app, "src"), { recursive: true });
}, 240_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

/** The same program for both loaders; `load` is `require` or a dynamic `import`. */
const program = (load: string) => `
  const main = ${load}("braintrust-otel-exporter");
  const testing = ${load}("braintrust-otel-exporter/testing");
  const sub = ${load}("braintrust-otel-exporter/register");
  const { trace } = ${load}("@opentelemetry/api");
  const server = await testing.startLocalBraintrust();
  const { shutdown, registered } = sub.register({ apiKey: server.apiKey, apiUrl: server.url, projectName: "packaged" });
  trace.getTracer("consumer").startActiveSpan("outer", (outer) => {
    trace.getTracer("consumer").startActiveSpan("inner", (inner) => inner.end());
    outer.end();
  });
  await shutdown();
  const rows = server.rows("packaged");
  await server.close();
  console.log(JSON.stringify({
    exports: Object.keys(main).sort(),
    sameRegister: sub.register === main.register,
    processor: typeof main.BraintrustSpanProcessor,
    exporter: typeof main.BraintrustExporter,
    registered,
    rows: rows.map((r) => [r.span_attributes.name, r.span_parents ? "child" : "root"]).sort(),
  }));
`;

describe("the packed tarball", () => {
  for (const [kind, file, source] of [
    ["require()", "check.cjs", `(async () => {${program("require")}})().catch((e) => { console.error(e); process.exit(1); });`],
    ["import", "check.mjs", program("await import")],
  ] as const) {
    it(`loads ., ./testing and ./register with ${kind}`, () => {
      writeFileSync(join(app, "src", file), source);
      const out = JSON.parse(run("node", [join("src", file)], app).trim().split("\n").pop()!);
      expect(out.exports).toEqual(expect.arrayContaining(["BraintrustExporter", "BraintrustSpanProcessor", "register", "maskPII", "createPiiMask", "isAISpan"]));
      expect(out).toMatchObject({ sameRegister: true, processor: "function", exporter: "function", registered: true });
      expect(out.rows).toEqual([["inner", "child"], ["outer", "root"]]);
    }, 60_000);
  }

  // The app knows nothing of Braintrust: only @opentelemetry/api, and the entry on the command line.
  for (const [flag, file, source] of [
    ["--import", "auto-app.mjs", `import { trace } from "@opentelemetry/api";`],
    ["--require", "auto-app.cjs", `const { trace } = require("@opentelemetry/api");`],
  ] as const) {
    it(`node ${flag} braintrust-otel-exporter/auto registers from the environment and flushes at exit`, async () => {
      const server = await startLocalBraintrust();
      try {
        writeFileSync(join(app, "src", file), `${source}\ntrace.getTracer("auto").startActiveSpan("auto-root", (s) => s.end());\n`);
        const project = `auto${flag.replace(/-/g, "_")}`;
        // Asynchronous: the local server answering it runs in this process.
        const { stdout, stderr } = await promisify(execFile)("node", [flag, "braintrust-otel-exporter/auto", join("src", file)], {
          cwd: app,
          encoding: "utf8",
          env: { ...process.env, BRAINTRUST_API_KEY: server.apiKey, BRAINTRUST_API_URL: server.url, BRAINTRUST_PROJECT: project },
        });
        expect(stdout + stderr).toBe("");
        expect(server.rows(project).map((r) => r.span_attributes?.name)).toEqual(["auto-root"]);
      } finally {
        await server.close();
      }
    }, 60_000);
  }
});
