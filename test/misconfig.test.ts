// Each way a first setup goes wrong, run as the app would run it: a fresh Node process
// with no diag logger, its stderr and exit code captured. Each failure is said in one
// line that names the cause and the fix and never the key, and the process ends on its
// own without waiting for a deadline: the children's deadlines are a day long, so one that
// waited would hang and be killed. A healthy run says nothing.
import { describe, expect, it } from "vitest";
import { startLocalBraintrust } from "../src/testing/index.js";
import { type Child, closedPort, localServerForChildren, ours, runChild } from "./helpers/child.js";

const KEY = "sk-misconfig-secret-0123456789";
/** A day: a child that waits for it hangs (and runChild kills it: signal SIGKILL). */
const NEVER = 86_400_000;

const local = localServerForChildren();
const env = () => local.env();

/** One span through a provider, then shutdown; prints the processor's stats. */
const oneSpanThenShutdown = (options = "") => `
  const processor = new BraintrustSpanProcessor({ exportTimeoutMillis: ${NEVER}, ${options} });
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  provider.getTracer("misconfig").startSpan("one").end();
  await provider.shutdown();
  console.log(JSON.stringify(processor.stats()));
`;

/** Awaits ready() at top level, as a script that checks its setup does. */
const awaitReady = (options = "") => `
  const processor = new BraintrustSpanProcessor({ exportTimeoutMillis: ${NEVER}, ${options} });
  await processor.ready();
  console.log("ready");
`;

function expectLoud(child: Child, cause: RegExp, fix: RegExp) {
  const lines = ours(child.stderr).join("\n");
  expect(lines).toMatch(cause);
  expect(lines).toMatch(fix);
  expect(child.stderr).not.toContain(KEY);
  expect(child.signal).toBeNull(); // it ended on its own
}

describe.concurrent("a wrong setup is said at once, in one line, and nothing hangs", { timeout: 60_000 }, () => {
  it("a healthy run prints nothing on stderr and delivers its span", async () => {
    const child = await runChild(oneSpanThenShutdown('projectName: "misconfig-healthy"'), env());
    expect(child.stderr).toBe("");
    expect(child.code).toBe(0);
    expect(JSON.parse(child.stdout)).toMatchObject({ sent: 1, queued: 0 });
    expect(local.server.rows("misconfig-healthy").map((r) => r.span_attributes?.name)).toEqual(["one"]);
  });

  it("OTEL_LOG_LEVEL=debug shows the project and its id, the URL, and each batch sent", async () => {
    const child = await runChild(oneSpanThenShutdown('projectName: "misconfig-debug"'), { ...env(), OTEL_LOG_LEVEL: "debug" });
    const id = local.server.projects().find((p) => p.name === "misconfig-debug")!.id;
    const lines = ours(child.stderr);
    expect(lines).toContain(`braintrust-otel-exporter: sending rows for project "misconfig-debug" (id ${id}) to ${local.server.url}`);
    expect(lines.some((l) => /^braintrust-otel-exporter: sent 1 row \(\d+ bytes\) to project_name:misconfig-debug in \d+ ms$/.test(l))).toBe(true);
    expect(child.stderr).not.toContain(local.server.apiKey);
    expect(child.code).toBe(0);
  });

  it("BRAINTRUST_DEBUG=1 is the same switch; OTEL_LOG_LEVEL=info keeps only the startup line", async () => {
    const [debug, info] = await Promise.all([
      runChild(oneSpanThenShutdown('projectName: "misconfig-debug2"'), { ...env(), BRAINTRUST_DEBUG: "1" }),
      runChild(oneSpanThenShutdown('projectName: "misconfig-info"'), { ...env(), OTEL_LOG_LEVEL: "info" }),
    ]);
    expect(ours(debug.stderr).some((l) => l.includes("sent 1 row "))).toBe(true);
    expect(ours(info.stderr)).toEqual([expect.stringMatching(/^braintrust-otel-exporter: sending rows for project "misconfig-info" \(id [^)]+\) to /)]);
  });

  it("a wrong key: shutdown returns at once, the 401 is said once with the fix, the row counted", async () => {
    const child = await runChild(oneSpanThenShutdown('projectName: "misconfig-key"'), { ...env(), BRAINTRUST_API_KEY: KEY });
    expectLoud(child, /the API key was rejected \(401 Unauthorized\) while resolving project "misconfig-key"/, /check BRAINTRUST_API_KEY/);
    expect(ours(child.stderr)).toHaveLength(1);
    expect(child.code).toBe(0);
    expect(JSON.parse(child.stdout)).toMatchObject({ sent: 0, dropped: { unresolved: 1 }, lastError: expect.stringMatching(/401/) });
  });

  it("a wrong key with a project id: the same, from the id check", async () => {
    const child = await runChild(awaitReady('projectId: "p-123"'), { ...env(), BRAINTRUST_API_KEY: KEY });
    expectLoud(child, /the API key was rejected \(401 Unauthorized\) while checking project id p-123/, /check BRAINTRUST_API_KEY/);
    expect(child.code).toBe(1); // the rejected top-level await
  });

  it("an unknown project id: ready() rejects naming the id and the setting", async () => {
    const child = await runChild(awaitReady('projectId: "no-such-project"'), env());
    expectLoud(child, /no project with id no-such-project \(404 Not Found/, /check BRAINTRUST_PROJECT_ID \(the projectId option\)/);
    expect(child.stdout).toBe("");
    expect(child.code).toBe(1);
  });

  it("a project name the key may not use: named with the org hint, rows dropped at once", async () => {
    const denied = await startLocalBraintrust();
    denied.setFault({ routes: ["project"], failStatuses: [403] });
    const child = await runChild(oneSpanThenShutdown('projectName: "misconfig-denied"'), { BRAINTRUST_API_KEY: KEY, BRAINTRUST_API_URL: denied.url });
    await denied.close();
    expectLoud(child, /the API key may not access project "misconfig-denied" \(403 Forbidden\)/, /BRAINTRUST_ORG_NAME/);
    expect(JSON.parse(child.stdout)).toMatchObject({ dropped: { unresolved: 1 } });
  });

  it("a closed port: ready() rejects with ECONNREFUSED and the URL to check, without a 13 exit", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const child = await runChild(awaitReady('projectName: "p"'), { BRAINTRUST_API_KEY: KEY, BRAINTRUST_API_URL: url });
    expectLoud(child, new RegExp(`nothing is listening at ${url} \\(ECONNREFUSED\\)`), /check BRAINTRUST_API_URL/);
    expect(child.code).toBe(1);
  });

  it("a .invalid host: ENOTFOUND and the URL to check", async () => {
    const child = await runChild(awaitReady('projectName: "p"'), { BRAINTRUST_API_KEY: KEY, BRAINTRUST_API_URL: "https://api.braintrust.invalid" });
    expectLoud(child, /the host of https:\/\/api\.braintrust\.invalid was not found \((ENOTFOUND|EAI_AGAIN)\)/, /check BRAINTRUST_API_URL/);
    expect(child.code).toBe(1);
  });

  it("https:// to a plain-HTTP port: a TLS error that says to use http://", async () => {
    const url = local.server.url.replace("http://", "https://");
    const child = await runChild(awaitReady('projectName: "p"'), { BRAINTRUST_API_KEY: KEY, BRAINTRUST_API_URL: url });
    expectLoud(child, new RegExp(`TLS handshake with ${url.replace(/[.]/g, "\\.")} failed \\(ERR_SSL_WRONG_VERSION_NUMBER\\)`), /use http:\/\//);
    expect(child.code).toBe(1);
  });

  it("HTTPS_PROXY at a closed port: one line names the proxy, not the API, and what to check, however many attempts", async () => {
    const proxy = `127.0.0.1:${await closedPort()}`;
    const body = `
      const processor = new BraintrustSpanProcessor({ projectName: "p", exportTimeoutMillis: 1000 });
      const provider = new NodeTracerProvider({ spanProcessors: [processor] });
      provider.getTracer("misconfig").startSpan("one").end();
      await processor.ready().catch(() => {}); // the first attempt has failed, however slow the machine
      await new Promise((r) => setTimeout(r, 1500)); // more attempts meanwhile: none may say it again
      await provider.shutdown();
    `;
    const child = await runChild(body, { BRAINTRUST_API_KEY: KEY, BRAINTRUST_API_URL: "https://api.braintrust.dev", HTTPS_PROXY: `http://user:${KEY}@${proxy}`, BRAINTRUST_DEBUG: "0" });
    expectLoud(child, new RegExp(`cannot reach the proxy http://${proxy.replace(/[.]/g, "\\.")} \\(from HTTPS_PROXY\\) that requests to https://api\\.braintrust\\.dev go through \\(ECONNREFUSED`), /check HTTPS_PROXY and NO_PROXY \(or pass a `dispatcher` of your own\)/);
    expect(ours(child.stderr).filter((l) => l.includes("proxy"))).toHaveLength(1);
    expect(child.stderr).not.toContain("nothing is listening at");
  });

  it("credentials in the URL never appear in a message", async () => {
    const port = await closedPort();
    const child = await runChild(awaitReady('projectName: "p"'), { BRAINTRUST_API_KEY: KEY, BRAINTRUST_API_URL: `http://user:${KEY}@127.0.0.1:${port}` });
    expectLoud(child, new RegExp(`nothing is listening at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`), /check BRAINTRUST_API_URL/);
  });
});

/** Makes `count` spans under one root through the global tracer (register() owns it). */
const spans = (count: number) => `
  const root = tracer().startSpan("root");
  for (let i = 0; i < ${count} - 1; i++) tracer().startSpan("s" + i, {}, trace.setSpan((await import("@opentelemetry/api")).context.active(), root)).end();
  root.end();
`;

describe.concurrent("the process ends: nothing hangs, nothing queued is lost without a word", { timeout: 60_000 }, () => {
  it("register() with the API down: the script exits within the exit flush, saying how many rows and why", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    // The exit flush is capped at 5 s whatever the deadline.
    const child = await runChild(`register({ projectName: "p", exportTimeoutMillis: ${NEVER} }); ${spans(3)}`, { BRAINTRUST_API_KEY: KEY, BRAINTRUST_API_URL: url });
    expect(child.code).toBe(0);
    const lines = ours(child.stderr);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^braintrust-otel-exporter: 3 rows not delivered: the exit flush.s deadline passed while resolving project "p": nothing is listening at ${url} \\(ECONNREFUSED\\)`)));
    // Said once: no flush again at the next beforeExit, no second line at exit.
    expect(lines.filter((l) => l.includes("rows not delivered"))).toHaveLength(1);
    expect(child.stderr).not.toContain(KEY);
  });

  it("beforeExit: a register() script that never calls shutdown still delivers, silently", async () => {
    const child = await runChild(`register({ projectName: "misconfig-before-exit" }); ${spans(5)}`, env());
    expect(child.stderr).toBe("");
    expect(child.code).toBe(0);
    expect(local.server.rows("misconfig-before-exit")).toHaveLength(5);
  });

  it("no key at construction nor at first use: the exit hooks find an inert delivery and the process ends cleanly", async () => {
    // The core settles at the first span end; with still no key it becomes inert, and the
    // exit hooks, watching since construction, must be able to ask it what is left.
    const body = `
      const processor = new BraintrustSpanProcessor({ projectName: "p" });
      const provider = new NodeTracerProvider({ spanProcessors: [processor] });
      provider.getTracer("misconfig").startSpan("one").end();
      await new Promise((r) => setTimeout(r, 50));
    `;
    for (const ending of ["", "process.exit(4);"]) {
      const child = await runChild(body + ending);
      expect(child.stderr).not.toMatch(/TypeError|is not a function/);
      expect(child.code).toBe(ending ? 4 : 0);
      expect(ours(child.stderr).join("\n")).toMatch(/BRAINTRUST_API_KEY/);
    }
  });

  it("process.exit() with rows queued: one synchronous line with the count and what to call", async () => {
    const child = await runChild(`register({ projectName: "misconfig-exit" }); ${spans(4)} process.exit(3);`, env());
    expect(child.code).toBe(3);
    expect(ours(child.stderr)).toEqual([
      "braintrust-otel-exporter: process.exit() was called with 4 rows queued, which were not sent. Call `await shutdown()` (from register()) or `await provider.forceFlush()` before process.exit()",
    ]);
  });

  it("SIGTERM after 200 spans: all 200 arrive, then the process ends by the signal", async () => {
    const child = await runChild(
      `register({ projectName: "misconfig-sigterm", scheduledDelayMillis: 60000 }); ${spans(200)}
       console.log("spans made"); setInterval(() => {}, 1000); // a server that would run forever`,
      env(),
      (out, pid) => {
        if (out.includes("spans made")) process.kill(pid, "SIGTERM");
      },
    );
    expect(child.signal).toBe("SIGTERM");
    expect(child.stderr).toBe("");
    expect(local.server.rows("misconfig-sigterm")).toHaveLength(200);
  });

  it("SIGINT with the app's own listener: rows are flushed and the app decides how to end", async () => {
    const child = await runChild(
      `register({ projectName: "misconfig-sigint", scheduledDelayMillis: 60000 }); ${spans(10)}
       const keep = setInterval(() => {}, 1000);
       process.on("SIGINT", () => setTimeout(() => { console.log("app closing"); clearInterval(keep); }, 300));
       console.log("spans made");`,
      env(),
      (out, pid) => {
        if (out.endsWith("spans made\n")) process.kill(pid, "SIGINT");
      },
    );
    expect(child.signal).toBeNull();
    expect(child.code).toBe(0);
    expect(child.stdout).toContain("app closing");
    expect(local.server.rows("misconfig-sigint")).toHaveLength(10);
  });

  it("handleSignals: false leaves SIGTERM to Node: the process dies at once, rows unsent", async () => {
    const child = await runChild(
      `register({ projectName: "misconfig-nosignals", scheduledDelayMillis: 60000, handleSignals: false }); ${spans(5)}
       console.log("spans made"); setInterval(() => {}, 1000);`,
      env(),
      (out, pid) => {
        if (out.includes("spans made")) process.kill(pid, "SIGTERM");
      },
    );
    expect(child.signal).toBe("SIGTERM");
    expect(local.server.rows("misconfig-nosignals")).toHaveLength(0);
  });
});

describe.concurrent("each configuration mistake is said once, with no diag logger, and the rows still go out", { timeout: 60_000 }, () => {
  /** Two processors built with the same options (one mistake, said once), one span through the first. */
  const twice = (options: string) => `
    const processor = new BraintrustSpanProcessor({ ${options} });
    new BraintrustSpanProcessor({ ${options} });
    const provider = new NodeTracerProvider({ spanProcessors: [processor] });
    provider.getTracer("misconfig").startSpan("one").end();
    await provider.shutdown();
  `;
  it.each([
    ["maxExportBatchSize: -1", "misconfig-batch", "`maxExportBatchSize` must be a number >= 1, got -1; using 512"],
    ['scheduledDelayMillis: "500"', "misconfig-delay", '`scheduledDelayMillis` must be a number from 0 to 2147483647, got "500" (a string); using 1000'],
    ['compression: "brotli"', "misconfig-brotli", '`compression` must be "gzip" or "none", got "brotli" (a string); bodies are sent uncompressed'],
    ['flushOnRootEnd: "yes"', "misconfig-bool", '`flushOnRootEnd` must be true or false, got "yes" (a string); it is ignored'],
    ['projetName: "misconfig-typo"', "default-otel-project", "unknown option `projetName` is ignored; did you mean `projectName`?"],
    ['apikey: "sk-typo"', "misconfig-apikey", "unknown option `apikey` is ignored; did you mean `apiKey`?"],
    ["handleSignals: false", "misconfig-register-only", "`handleSignals` is an option of register(), not of BraintrustSpanProcessor / BraintrustExporter; it is ignored here"],
  ])("%s", async (option, project, message) => {
    const options = project === "default-otel-project" ? option : `${option}, projectName: "${project}"`;
    const child = await runChild(twice(options), env());
    expect(ours(child.stderr)).toEqual([expect.stringMatching(/^\(node:\d+\) /)]);
    expect(ours(child.stderr)[0]).toContain(`braintrust-otel-exporter: ${message}`);
    expect(child.code).toBe(0);
    expect(local.server.rows(project).map((r) => r.span_attributes?.name)).toContain("one");
  });

  it("plain http:// to a host that is not this machine: the key would travel in clear text", async () => {
    const child = await runChild(
      `new BraintrustSpanProcessor({ projectName: "p", apiUrl: "http://braintrust.example.invalid:8000" });
       new BraintrustSpanProcessor({ projectName: "p", apiUrl: "http://braintrust.example.invalid:8000" });`,
      { BRAINTRUST_API_KEY: KEY },
    );
    const lines = ours(child.stderr).filter((l) => l.includes("clear text"));
    expect(lines).toEqual([expect.stringContaining("apiUrl http://braintrust.example.invalid:8000 uses plain http to another host: the API key travels in clear text; use https://")]);
    expect(child.stderr).not.toContain(KEY);
  });
});
