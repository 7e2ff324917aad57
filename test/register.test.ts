// register(): one call sets up a global provider with AsyncLocalStorage context, and it
// says so (once, without throwing) when another provider already owns the global slot.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { context, diag, DiagLogLevel, propagation, type ProxyTracerProvider, trace } from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { register as registerFromMain } from "../src/index.js";
import { resetLogState } from "../src/log.js";
import { register } from "../src/register-entry.js";
import { type LocalBraintrust, startLocalBraintrust } from "../src/testing/index.js";
import { buildBundle, ours, runChild } from "./helpers/child.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

const messages: string[] = [];
diag.setLogger(
  { error: (m) => messages.push(m), warn: (m) => messages.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.WARN,
);
afterEach(() => {
  messages.length = 0;
  resetLogState();
  trace.disable();
  context.disable();
  propagation.disable();
});

/** The API hands out a proxy; the provider behind it is the registered one. */
const globalProvider = () => (trace.getTracerProvider() as ProxyTracerProvider).getDelegate();

const options = (projectName: string) => ({ apiKey: server.apiKey, apiUrl: server.url, projectName });

describe("register", () => {
  it("is the same function from the main entry point and from /register", () => {
    expect(register).toBe(registerFromMain);
  });

  it("registers a global provider whose spans reach Braintrust, nested through async code", async () => {
    const { provider, processor, shutdown, registered } = register(options("register-basic"));
    expect(registered).toBe(true);
    expect(globalProvider()).toBe(provider);
    const tracer = trace.getTracer("app");
    const traceId = await tracer.startActiveSpan("handler", async (root) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      // AsyncLocalStorage carries the active span across the await.
      await tracer.startActiveSpan("after await", async (child) => {
        await Promise.resolve();
        child.end();
      });
      root.end();
      return root.spanContext().traceId;
    });
    // W3C propagation is installed too.
    const carrier: Record<string, string> = {};
    tracer.startActiveSpan("outgoing", (s) => {
      propagation.inject(context.active(), carrier);
      s.end();
    });
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    await processor.forceFlush();
    const rows = server.rows("register-basic").filter((r) => r.root_span_id === traceId);
    const root = rows.find((r) => r.span_attributes?.name === "handler")!;
    expect(rows.find((r) => r.span_attributes?.name === "after await")!.span_parents).toEqual([root.span_id]);
    await shutdown();
    expect(globalProvider()).not.toBe(provider);
    expect(messages).toEqual([]);
  });

  it("flushes what is queued on shutdown and can register again afterwards", async () => {
    const first = register(options("register-shutdown"));
    trace.getTracer("t").startSpan("queued").end();
    await first.shutdown();
    expect(server.rows("register-shutdown").map((r) => r.span_attributes?.name)).toEqual(["queued"]);
    const second = register(options("register-shutdown"));
    expect(second.processor).not.toBe(first.processor);
    expect(second.registered).toBe(true);
    await second.shutdown();
  });

  it("returns the existing registration when called twice", async () => {
    const first = register(options("register-twice"));
    const second = register(options("register-twice-other"));
    expect(second).toBe(first);
    expect(messages.join("\n")).toMatch(/register\(\) was called again/);
    await first.shutdown();
  });

  it("warns once, pointing to spanProcessors, when another provider is already global", async () => {
    const other = new BasicTracerProvider();
    trace.setGlobalTracerProvider(other);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);

    const result = register(options("register-taken"));
    expect(result.registered).toBe(false);
    expect(globalProvider()).toBe(other);
    const text = messages.join("\n");
    expect(text).toMatch(/already registered/);
    expect(text).toMatch(/spanProcessors: \[new BraintrustSpanProcessor\(\)\]/);
    expect(text).toContain(other.constructor.name); // names the provider in the way
    await new Promise((resolve) => setImmediate(resolve));
    process.off("warning", onWarning);
    // Said once, through the app's diag logger; a process warning would say it twice.
    expect(messages.filter((m) => /already registered/.test(m))).toHaveLength(1);
    expect(warnings.filter((w) => /already registered/.test(w))).toHaveLength(0);

    // Its own provider still works when used directly, and shutting it down leaves the other alone.
    result.provider.getTracer("direct").startSpan("direct").end();
    await result.shutdown();
    expect(server.rows("register-taken").map((r) => r.span_attributes?.name)).toEqual(["direct"]);
    expect(globalProvider()).toBe(other);
  });

  it("passes extra span processors and provider options through", async () => {
    const ended: string[] = [];
    const extra = { onStart() {}, onEnd: (s: { name: string }) => ended.push(s.name), forceFlush: async () => {}, shutdown: async () => {} };
    const { shutdown } = register({ ...options("register-extra"), spanProcessors: [extra as never], spanLimits: { attributeCountLimit: 1 } });
    trace.getTracer("t").startSpan("both", { attributes: { a: 1, b: 2 } }).end();
    await shutdown();
    expect(ended).toEqual(["both"]);
    const row = server.rows("register-extra")[0]!;
    expect(Object.keys(row.metadata ?? {})).toHaveLength(1);
  });

  it("never throws on bad options: the processor stays idle and says why", async () => {
    const result = register({ env: {} });
    expect(result.registered).toBe(true);
    trace.getTracer("t").startSpan("s").end();
    await expect(result.processor.ready()).rejects.toThrow(/no API key/);
    await result.shutdown();
  });

  it("without any tracing SDK installed, warns and hands back an idle registration", async () => {
    // A separate process in which neither SDK package can be found.
    const script = `
      import Module from "node:module";
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (/^@opentelemetry\\/sdk-trace(-node)?$/.test(request)) throw Object.assign(new Error("not installed"), { code: "MODULE_NOT_FOUND" });
        return resolve.call(this, request, ...rest);
      };
      const { register } = await import("./src/index.ts");
      const result = register({ apiKey: "sk-test", apiUrl: "${server.url}", projectName: "register-no-sdk" });
      result.provider.getTracer("t").startSpan("nowhere").end();
      await result.shutdown();
      console.log(JSON.stringify({ registered: result.registered }));
    `;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
    });
    expect(JSON.parse(stdout.trim())).toEqual({ registered: false });
    expect(stderr).toMatch(/register\(\) needs @opentelemetry\/sdk-trace-node/);
  });
});

describe("register() twice, in a script with no diag logger", () => {
  beforeAll(() => buildBundle(), 60_000);

  it("names the second call's options that were ignored and what to do instead, once; spans go where the first said", { timeout: 60_000 }, async () => {
    const child = await runChild(
      `const first = register({ projectName: "register-twice-first" });
       register({ projectName: "register-twice-second", flushOnRootEnd: true });
       register({ projectName: "register-twice-third" });
       tracer().startSpan("one").end();
       await first.shutdown();`,
      { BRAINTRUST_API_KEY: server.apiKey, BRAINTRUST_API_URL: server.url },
    );
    expect(child.code).toBe(0);
    expect(ours(child.stderr)).toEqual([
      expect.stringContaining(
        "braintrust-otel-exporter: register() was called again; the first registration stays in place and is returned, and this call's `projectName`, `flushOnRootEnd` were ignored. Call register() once, with all its options; to change them, `await shutdown()` the first registration before registering again",
      ),
    ]);
    expect(server.rows("register-twice-first").map((r) => r.span_attributes?.name)).toEqual(["one"]);
    expect(server.rows("register-twice-second")).toEqual([]);
  });

  it("a second call with the same options (a module loaded twice) loses nothing, and says only that it was called again", { timeout: 60_000 }, async () => {
    const child = await runChild(
      `const first = register({ projectName: "register-twice-same" });
       register({ projectName: "register-twice-same" });
       await first.shutdown();`,
      { BRAINTRUST_API_KEY: server.apiKey, BRAINTRUST_API_URL: server.url },
    );
    expect(ours(child.stderr)).toEqual([expect.stringMatching(/register\(\) was called again; the first registration stays in place and is returned\. Call register\(\) once/)]);
  });
});
