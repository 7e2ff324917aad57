// The natural end of a script, for every route: the app never calls forceFlush or shutdown.
// Each case is a fresh Node process with no diag logger, run to its end against the local
// server: the rows it received, and what was said on stderr. Every route delivers whether
// its spans ended before the project lookup finished or after it; what cannot be sent is
// said once, with the real cause.
import { describe, expect, it } from "vitest";
import { startLocalBraintrust } from "../../src/testing/index.js";
import { localServerForChildren, ours, runChild } from "../helpers/child.js";

const local = localServerForChildren();
const env = () => local.env();

/** Each route's setup: it defines `tracerOf` and `ready()` (resolves once the project is known). */
const ROUTES = {
  "processor, own provider": (project: string) => `
    const processor = new BraintrustSpanProcessor({ projectName: "${project}" });
    const provider = new NodeTracerProvider({ spanProcessors: [processor] });
    const tracerOf = () => provider.getTracer("app");
    const ready = () => processor.ready();`,
  "register()": (project: string) => `
    const { processor } = register({ projectName: "${project}" });
    const tracerOf = () => tracer();
    const ready = () => processor.ready();`,
  "BatchSpanProcessor + exporter, global provider": (project: string) => `
    const exporter = new BraintrustExporter({ projectName: "${project}" });
    const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
    provider.register();
    const tracerOf = () => tracer();
    const ready = () => exporter.ready();`,
  "SimpleSpanProcessor + exporter, own provider": (project: string) => `
    const exporter = new BraintrustExporter({ projectName: "${project}" });
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracerOf = () => provider.getTracer("app");
    const ready = () => exporter.ready();`,
  "BatchSpanProcessor + exporter, own provider, after a first export": (project: string) => `
    const exporter = new BraintrustExporter({ projectName: "${project}" });
    const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
    const tracerOf = () => provider.getTracer("app");
    tracerOf().startSpan("warm-up").end();
    await provider.forceFlush();
    const ready = () => exporter.ready();`,
} as const;

let n = 0;
describe.concurrent("a script that ends without flushing delivers, whatever the route and the timing", { timeout: 60_000 }, () => {
  for (const [route, setup] of Object.entries(ROUTES)) {
    for (const when of ["before", "after"] as const) {
      it(`${route}: a span ended ${when} the project lookup finishes`, async () => {
        const project = `exit-${++n}-${when}`;
        const child = await runChild(
          `${setup(project)}
           ${when === "after" ? "await ready();" : ""}
           const root = tracerOf().startSpan("root");
           tracerOf().startSpan("child", {}, trace.setSpan(context.active(), root)).end();
           root.end();`,
          env(),
        );
        expect(ours(child.stderr)).toEqual([]);
        expect(child.code).toBe(0);
        expect(local.server.rows(project).map((r) => r.span_attributes?.name).filter((name) => name !== "warm-up").sort()).toEqual(["child", "root"]);
      });
    }
  }
});

/** A processor whose project is known, `count` spans ended, then `ending` (how the script ends). */
const queuedThen = (project: string, count: number, ending: string, options = "") => `
  const processor = new BraintrustSpanProcessor({ projectName: "${project}"${options} });
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  await processor.ready();
  for (let i = 0; i < ${count}; i++) provider.getTracer("app").startSpan("s" + i).end();
  ${ending}`;

describe.concurrent("what cannot be sent is said once, with the real cause", { timeout: 60_000 }, () => {
  it("a BatchSpanProcessor the exporter cannot reach: one line says spans may be waiting there and how to flush them", async () => {
    const child = await runChild(
      `const exporter = new BraintrustExporter({ projectName: "exit-unreachable-bsp" });
       const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
       provider.getTracer("app").startSpan("lost").end();`,
      env(),
    );
    expect(child.code).toBe(0);
    expect(ours(child.stderr)).toEqual([
      "braintrust-otel-exporter: the script is ending and BraintrustExporter has not been handed any span: if it sits in a BatchSpanProcessor, the spans ended so far may still be waiting there, and are lost when the process exits (that processor's timer does not keep it alive). Call `await provider.forceFlush()` (or `await provider.shutdown()`) before the script ends, or use BraintrustSpanProcessor, which flushes at exit by itself",
    ]);
  });

  it("flushOnExit: false: the script ended with N rows queued", async () => {
    const child = await runChild(queuedThen("exit-opted-out", 2, "", ", flushOnExit: false"), env());
    expect(child.code).toBe(0);
    expect(ours(child.stderr)).toEqual([
      "braintrust-otel-exporter: the script ended with 2 rows queued, which were not sent: flushOnExit is false. Call `await provider.forceFlush()` before the script ends, or leave flushOnExit on",
    ]);
    expect(local.server.rows("exit-opted-out")).toEqual([]);
  });

  it("process.exit(): says that it was called, with the count", async () => {
    const child = await runChild(queuedThen("exit-process-exit", 1, "setImmediate(() => process.exit(5));"), env());
    expect(child.code).toBe(5);
    expect(ours(child.stderr)).toEqual([
      "braintrust-otel-exporter: process.exit() was called with 1 row queued, which were not sent. Call `await shutdown()` (from register()) or `await provider.forceFlush()` before process.exit()",
    ]);
  });

  it("an uncaught exception: says so, not process.exit()", async () => {
    const child = await runChild(queuedThen("exit-crash", 1, 'setImmediate(() => { throw new Error("app bug"); });'), env());
    expect(child.code).toBe(1);
    expect(ours(child.stderr)).toEqual(["braintrust-otel-exporter: the process is ending on an uncaught exception with 1 row queued, which were not sent"]);
  });

  it("the API answers 503 until the deadline: one line with the deadline and the API's answer", async () => {
    const failing = await startLocalBraintrust();
    try {
      failing.setFault({ routes: ["insert"], failStatuses: [503] });
      const child = await runChild(
        `const processor = new BraintrustSpanProcessor({ projectName: "exit-503" });
         const provider = new NodeTracerProvider({ spanProcessors: [processor] });
         provider.getTracer("app").startSpan("a").end();`,
        { BRAINTRUST_API_KEY: failing.apiKey, BRAINTRUST_API_URL: failing.url },
      );
      expect(child.code).toBe(0);
      const lines = ours(child.stderr).filter((l) => !l.includes("retrying"));
      expect(lines).toEqual([expect.stringMatching(/^braintrust-otel-exporter: 1 row not delivered: the exit flush's deadline passed while inserting into project_name:exit-503: .*503/)]);
    } finally {
      await failing.close();
    }
  });
});
