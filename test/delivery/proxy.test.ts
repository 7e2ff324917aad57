// Networks users really have: a forward proxy named by HTTP_PROXY / HTTPS_PROXY (and
// bypassed for NO_PROXY hosts), or a dispatcher of the user's own (mTLS, a private CA).
import { BraintrustSpanProcessor } from "braintrust-otel-exporter";
import { startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { Agent, buildConnector } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { providerWith } from "../helpers/tracing.js";
import { Transport, type TransportOptions } from "../../src/delivery/transport.js";
import { type ConnectProxy, startConnectProxy } from "../helpers/proxy.js";
import { type ScriptedServer, json, scriptedServer } from "./helpers.js";

const KEY = "sk-proxy-test-key";
let server: ScriptedServer | undefined;
let proxy: ConnectProxy | undefined;
let transport: Transport | undefined;

afterEach(async () => {
  await transport?.close();
  await server?.close();
  await proxy?.close();
  transport = server = proxy = undefined;
});

async function setUp(extra: (proxyUrl: string) => Partial<TransportOptions>) {
  server = await scriptedServer((_req, res) => json(res, 200, { row_ids: ["a"] }));
  proxy = await startConnectProxy();
  transport = new Transport({ apiUrl: server.url, apiKey: KEY, headers: {}, maxConcurrent: 2, ...extra(proxy.url) });
  return { server, proxy, transport };
}

describe("proxies", () => {
  it("tunnels through the HTTP_PROXY proxy, key and all, to the API", async () => {
    const { server, proxy, transport } = await setUp((url) => ({ proxy: { httpProxy: url, httpsProxy: undefined, noProxy: undefined } }));
    expect(await transport.post("/v1/x", "{}", 5_000)).toMatchObject({ kind: "ok" });
    expect(proxy.tunnels).toEqual([new URL(server.url).host]);
    expect(server.seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("goes direct to a host NO_PROXY names", async () => {
    const { server, proxy, transport } = await setUp((url) => ({ proxy: { httpProxy: url, httpsProxy: undefined, noProxy: "localhost,127.0.0.1" } }));
    expect(await transport.post("/v1/x", "{}", 5_000)).toMatchObject({ kind: "ok" });
    expect(proxy.tunnels).toEqual([]);
    expect(server.seen).toHaveLength(1);
  });

  it("an unreachable proxy is a network outcome, never a throw", async () => {
    const closed = await startConnectProxy();
    await closed.close();
    const { server, transport } = await setUp(() => ({ proxy: { httpProxy: closed.url, httpsProxy: undefined, noProxy: undefined } }));
    expect(await transport.post("/v1/x", "{}", 5_000)).toMatchObject({ kind: "network", code: "ECONNREFUSED" });
    expect(server.seen).toHaveLength(0);
  });
});

describe("a dispatcher of the user's own", () => {
  it("carries every request, and is left open for its owner at close()", async () => {
    let sockets = 0;
    const connector = buildConnector({});
    const agent = new Agent({
      connect: (options, callback) => {
        sockets++;
        connector(options, callback);
      },
    });
    try {
      const { server, transport } = await setUp(() => ({ dispatcher: agent }));
      expect(await transport.post("/v1/x", "{}", 5_000)).toMatchObject({ kind: "ok" });
      expect(sockets).toBe(1);
      await transport.close();
      const res = await agent.request({ origin: server.url, path: "/after", method: "GET" });
      await res.body.text();
      expect(res.statusCode).toBe(200);
    } finally {
      await agent.close();
    }
  });
});

describe("the exporter behind a proxy", () => {
  it("sends every span through the CONNECT proxy that HTTP_PROXY names, and straight to the API when NO_PROXY names it", async () => {
    const api = await startLocalBraintrust();
    proxy = await startConnectProxy();
    try {
      const tunnelsAfter: number[] = [];
      for (const noProxy of [undefined, "127.0.0.1"]) {
        const processor = new BraintrustSpanProcessor({
          apiKey: api.apiKey,
          apiUrl: api.url,
          projectName: noProxy ? "direct" : "proxied",
          env: { HTTP_PROXY: proxy.url, ...(noProxy ? { NO_PROXY: noProxy } : {}) },
        });
        const provider = providerWith(processor);
        const tracer = provider.getTracer("proxy-test");
        for (let i = 0; i < 5; i++) tracer.startSpan(`work-${i}`).end();
        await processor.ready();
        await provider.forceFlush();
        await provider.shutdown();
        tunnelsAfter.push(proxy.tunnels.length);
      }
      expect(api.rows("proxied")).toHaveLength(5);
      expect(api.rows("direct")).toHaveLength(5);
      // The first exporter's lookup and inserts went through tunnels to the API; the second's did not.
      expect(tunnelsAfter[0]).toBeGreaterThan(0);
      expect(tunnelsAfter[1]).toBe(tunnelsAfter[0]);
      expect(new Set(proxy.tunnels)).toEqual(new Set([new URL(api.url).host]));
    } finally {
      await api.close();
    }
  });
});
