// How undici gets loaded: only its dispatchers and request API, at the first transport, and
// the whole package when that is not possible. Each case runs in a fresh process (this one has
// loaded undici long ago) and sends a real span to the local server.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

interface Seen {
  /** undici's index.js was loaded by the import of the main entry. */
  indexAtImport: boolean;
  /** … by the time the first span was delivered. */
  indexAtEnd: boolean;
  /** undici's Pool module was loaded by then (on its own, or by the index). */
  poolAtEnd: boolean;
  sent: number;
}

/** `block`: require() requests it refuses, as if the files were not on disk (a changed layout, a bundled app). */
async function run(projectName: string, block?: string): Promise<Seen> {
  const script = `
    import Module from "node:module";
    const block = ${block ? JSON.stringify(block) : "undefined"};
    if (block) {
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (new RegExp(block).test(request)) throw Object.assign(new Error("not found"), { code: "MODULE_NOT_FOUND" });
        return resolve.call(this, request, ...rest);
      };
    }
    const loaded = (file) => Object.keys(Module._cache).some((path) => path.replaceAll("\\\\", "/").endsWith("/node_modules/undici/" + file));
    const { BraintrustSpanProcessor } = await import("./src/index.ts");
    const indexAtImport = loaded("index.js");
    const { BasicTracerProvider } = await import("@opentelemetry/sdk-trace-base");
    const processor = new BraintrustSpanProcessor({ apiKey: ${JSON.stringify(server.apiKey)}, apiUrl: ${JSON.stringify(server.url)}, projectName: ${JSON.stringify(projectName)} });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    provider.getTracer("t").startSpan("one").end();
    await processor.forceFlush();
    const { sent } = processor.stats();
    await provider.shutdown();
    console.log(JSON.stringify({ indexAtImport, indexAtEnd: loaded("index.js"), poolAtEnd: loaded("lib/dispatcher/pool.js"), sent }));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Seen;
}

describe("loading undici", () => {
  it("the main entry point does not load undici's index; the first transport loads only the dispatchers it uses", async () => {
    expect(await run("undici-parts")).toEqual({ indexAtImport: false, indexAtEnd: false, poolAtEnd: true, sent: 1 });
    expect(server.rows("undici-parts").map((row) => row.span_attributes?.name)).toEqual(["one"]);
  });

  it("another file layout falls back to the whole package", async () => {
    expect(await run("undici-package", "^undici/lib/")).toEqual({ indexAtImport: false, indexAtEnd: true, poolAtEnd: true, sent: 1 });
    expect(server.rows("undici-package")).toHaveLength(1);
  });

  it("with undici not on disk for require (an app bundle), it is imported and the rows still go", async () => {
    expect(await run("undici-import", "^undici")).toMatchObject({ indexAtImport: false, sent: 1 });
    expect(server.rows("undici-import")).toHaveLength(1);
  });
});
