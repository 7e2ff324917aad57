// A proxy that is the problem is named as the cause, with the setting that fixes it: one
// line, not "cannot reach the API". The proxies here are real: a closed port, and a small
// CONNECT proxy that refuses the tunnel, between a real processor and the local server.
import { createServer } from "node:net";
import { DiagLogLevel, diag } from "@opentelemetry/api";
import { BraintrustSpanProcessor } from "braintrust-otel-exporter";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetLogState } from "../../src/log.js";
import { proxyFor } from "../../src/config/proxy.js";
import { type ConnectProxy, startConnectProxy } from "../helpers/proxy.js";
import { trackUnhandled } from "../helpers/diag.js";
import { until } from "./helpers.js";

const PASSWORD = "proxy-pass-0123456789";
let api: LocalBraintrust | undefined;
let proxy: ConnectProxy | undefined;
let lines: { level: string; text: string }[] = [];
let unhandled: ReturnType<typeof trackUnhandled>;

beforeEach(() => {
  resetLogState();
  lines = [];
  const at = (level: string) => (...args: unknown[]) => lines.push({ level, text: args.map(String).join(" ") });
  diag.setLogger({ error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug"), verbose: at("verbose") }, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  unhandled = trackUnhandled();
});

afterEach(async () => {
  diag.disable();
  unhandled.stop();
  expect(unhandled.rejections).toEqual([]);
  await api?.close();
  await proxy?.close();
  api = proxy = undefined;
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

/** A processor for the local server whose requests go through `proxyUrl` (HTTP_PROXY, with credentials in it). */
async function throughProxy(proxyUrl: string) {
  api = await startLocalBraintrust();
  const withCredentials = proxyUrl.replace("//", `//user:${PASSWORD}@`);
  const processor = new BraintrustSpanProcessor({ apiKey: api.apiKey, apiUrl: api.url, projectName: "behind-proxy", env: { HTTP_PROXY: withCredentials } });
  const error = await processor.ready().then(() => undefined, (err: Error) => err.message);
  // More attempts are made in the background meanwhile: they must not say it again.
  const retries = () => lines.filter((l) => l.level === "debug" && l.text.includes("retrying:")).length;
  await until(() => retries() >= 2);
  const stats = processor.stats();
  await processor.shutdown();
  const loud = lines.filter((l) => l.level === "warn" || l.level === "error").map((l) => l.text);
  const attempts = retries();
  return { error, loud, attempts, stats, everything: lines.map((l) => l.text).join("\n") };
}

describe("a proxy in the way is named as the cause", () => {
  it("HTTP_PROXY at a closed port: one line names the proxy without its credentials, and the fix", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await throughProxy(url);
    const expected = `cannot reach the proxy ${url} (from HTTP_PROXY) that requests to ${api!.url} go through (ECONNREFUSED: nothing is listening there): check HTTP_PROXY and NO_PROXY (or pass a \`dispatcher\` of your own)`;
    expect(run.error).toContain(expected);
    expect(run.loud).toHaveLength(1);
    expect(run.loud[0]).toContain(expected);
    expect(run.attempts).toBeGreaterThan(1);
    expect(run.stats.lastError).toContain(`cannot reach the proxy ${url}`);
    expect(run.everything).not.toContain(PASSWORD);
    expect(run.everything).not.toContain("nothing is listening at");
    expect(api!.rows("behind-proxy")).toEqual([]);
  });

  it("a proxy that refuses CONNECT: one line with its answer, the proxy and the fix", async () => {
    proxy = await startConnectProxy({ refuse: 403 });
    const run = await throughProxy(proxy.url);
    const expected = `the proxy ${proxy.url} (from HTTP_PROXY) refused to open a tunnel to ${api!.url} (CONNECT answered HTTP 403): check HTTP_PROXY and NO_PROXY (or pass a \`dispatcher\` of your own); if the API is reachable without it, add its host to NO_PROXY`;
    expect(run.error).toContain(expected);
    expect(run.loud).toEqual([expect.stringContaining(expected)]);
    expect(run.attempts).toBeGreaterThan(1);
    expect(proxy.tunnels.length).toBeGreaterThan(1);
    expect(run.everything).not.toContain(PASSWORD);
  });

  it("a proxy that wants credentials (407 on CONNECT) says where they go", async () => {
    proxy = await startConnectProxy({ refuse: 407 });
    const run = await throughProxy(proxy.url);
    expect(run.error).toContain(`the proxy ${proxy.url} (from HTTP_PROXY) asks for credentials (CONNECT answered 407 Proxy Authentication Required): put the user and password in HTTP_PROXY`);
    expect(run.loud).toHaveLength(1);
    expect(run.everything).not.toContain(PASSWORD);
  });
});

describe("which proxy carries a request, by undici's rules", () => {
  const settings = { httpProxy: "http://u:p@plain:3128", httpsProxy: "http://secure:3129", noProxy: "internal.example, .corp.example:8443,10.0.0.1" };
  it("picks HTTPS_PROXY for https, HTTP_PROXY for http, and drops credentials", () => {
    expect(proxyFor(settings, "https://api.braintrust.dev")).toEqual({ url: "http://secure:3129", variable: "HTTPS_PROXY" });
    expect(proxyFor(settings, "http://api.braintrust.dev")).toEqual({ url: "http://plain:3128", variable: "HTTP_PROXY" });
    expect(proxyFor({ ...settings, httpsProxy: undefined }, "https://api.braintrust.dev")).toEqual({ url: "http://plain:3128", variable: "HTTP_PROXY" });
    expect(proxyFor({ ...settings, httpProxy: undefined }, "http://api.braintrust.dev")).toBeUndefined();
  });

  it("goes direct for NO_PROXY hosts, their subdomains, a matching port, or *", () => {
    expect(proxyFor(settings, "https://internal.example")).toBeUndefined();
    expect(proxyFor(settings, "https://api.internal.example")).toBeUndefined();
    expect(proxyFor(settings, "https://x.corp.example:8443")).toBeUndefined();
    expect(proxyFor(settings, "https://x.corp.example")).toEqual({ url: "http://secure:3129", variable: "HTTPS_PROXY" });
    expect(proxyFor(settings, "http://10.0.0.1:8000")).toBeUndefined();
    expect(proxyFor({ ...settings, noProxy: "*" }, "https://api.braintrust.dev")).toBeUndefined();
    expect(proxyFor(undefined, "https://api.braintrust.dev")).toBeUndefined();
  });
});
