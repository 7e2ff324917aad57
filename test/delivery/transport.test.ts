import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { Transport } from "../../src/delivery/transport.js";
import { type ScriptedServer, json, scriptedServer, until } from "./helpers.js";

const KEY = "sk-transport-test-key";
let server: ScriptedServer | undefined;
let transport: Transport | undefined;

afterEach(async () => {
  await transport?.close();
  await server?.close();
  transport = server = undefined;
});

function connect(url: string, maxConcurrent = 2, headers: Record<string, string> = {}) {
  transport = new Transport({ apiUrl: url, apiKey: KEY, headers, maxConcurrent });
  return transport;
}

describe("Transport", () => {
  it("POSTs JSON with the bearer key and extra headers, under apiUrl's path prefix", async () => {
    server = await scriptedServer((_req, res) => json(res, 200, { row_ids: ["a"] }));
    const t = connect(`${server.url}/api/`, 2, { "x-bt-impersonate-user": "ada" });
    const outcome = await t.post("/v1/project_logs/p/insert", '{"events":[]}', 5_000);
    expect(outcome).toEqual({ kind: "ok", status: 200, body: '{"row_ids":["a"]}' });
    const [req] = server.seen;
    expect(req).toMatchObject({ method: "POST", path: "/api/v1/project_logs/p/insert", body: '{"events":[]}' });
    expect(req!.headers).toMatchObject({
      authorization: `Bearer ${KEY}`,
      "content-type": "application/json",
      "x-bt-impersonate-user": "ada",
    });
  });

  it("lets an authorization header replace the key's (a gateway with its own auth)", async () => {
    server = await scriptedServer((_req, res) => json(res, 200, { row_ids: [] }));
    const t = connect(server.url, 2, { authorization: "Basic Z2F0ZXdheQ==" });
    expect((await t.post("/v1/x", "{}", 5_000)).kind).toBe("ok");
    expect(server.seen[0]!.headers.authorization).toBe("Basic Z2F0ZXdheQ==");
  });

  it("reuses keep-alive connections: never more sockets than maxConcurrent", async () => {
    server = await scriptedServer((_req, res) => json(res, 200, {}));
    const t = connect(server.url, 2);
    for (let i = 0; i < 10; i++) expect((await t.post("/v1/x", "{}", 5_000)).kind).toBe("ok");
    expect(new Set(server.seen.map((r) => r.remotePort)).size).toBeLessThanOrEqual(2);
  });

  it("returns error statuses with the body and Retry-After, in both forms", async () => {
    const inFive = new Date(Date.now() + 5_000).toUTCString();
    const answers = [
      (res: Parameters<typeof json>[0]) => json(res, 429, { error: "slow down" }, { "retry-after": "3" }),
      (res: Parameters<typeof json>[0]) => json(res, 503, { error: "busy" }, { "retry-after": inFive }),
    ];
    server = await scriptedServer((_req, res) => answers.shift()!(res));
    const t = connect(server.url);
    expect(await t.post("/v1/x", "{}", 5_000)).toEqual({ kind: "http", status: 429, body: '{"error":"slow down"}', retryAfterMs: 3_000 });
    const second = await t.post("/v1/x", "{}", 5_000);
    expect(second).toMatchObject({ kind: "http", status: 503 });
    expect(second.kind === "http" && second.retryAfterMs).toBeGreaterThan(3_000);
  });

  it("turns a reset socket and a refused connection into network outcomes, never a throw", async () => {
    server = await scriptedServer((_req, res) => void res.socket?.destroy());
    const t = connect(server.url);
    const reset = await t.post("/v1/x", "{}", 5_000);
    expect(reset.kind).toBe("network");
    await server.close();
    const refused = await t.post("/v1/x", "{}", 5_000);
    expect(refused).toMatchObject({ kind: "network", code: "ECONNREFUSED" });
  });

  it("times out a request that never gets an answer", async () => {
    server = await scriptedServer(() => {}); // never answers
    const t = connect(server.url);
    expect(await t.post("/v1/x", "{}", 200)).toMatchObject({ kind: "network", code: "ETIMEDOUT" });
  });

  it("keeps at most maxConcurrent requests in flight; the rest wait their turn", async () => {
    // Answers wait until three requests are held (or the last ones came), then come 30 ms
    // later: three are in flight at once however slow the machine, and a fourth sent too
    // early would be seen meanwhile.
    const held: ServerResponse[] = [];
    server = await scriptedServer((_req, res) => {
      held.push(res);
      if (held.length < 3 && server!.seen.length < 12) return;
      const answered = held.splice(0);
      setTimeout(() => answered.forEach((r) => json(r, 200, {})), 30);
    });
    const t = connect(server.url, 3);
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => t.post("/v1/x", "{}", 5_000)));
    expect(outcomes.every((o) => o.kind === "ok")).toBe(true);
    expect(server.seen).toHaveLength(12);
    expect(server.peakConcurrent).toBe(3);
  });

  it("close() aborts a hung request and refuses later ones, without throwing", async () => {
    server = await scriptedServer(() => {});
    const t = connect(server.url);
    const hung = t.post("/v1/x", "{}", 60_000);
    await until(() => server!.seen.length === 1);
    await t.close();
    expect((await hung).kind).toBe("network");
    expect(await t.post("/v1/x", "{}", 1_000)).toMatchObject({ kind: "network", code: "ECLOSED" });
    await t.close(); // idempotent
  });
});
