import { afterEach, describe, expect, it } from "vitest";
import { EncodedRows } from "../../src/delivery/encoded-rows.js";
import { Batcher } from "../../src/delivery/batch.js";
import { Sender } from "../../src/delivery/sender.js";
import { Counters } from "../../src/delivery/stats.js";
import { Transport } from "../../src/delivery/transport.js";
import { makeParent } from "../../src/config/parent.js";
import { type ScriptedServer, acceptInsert, event, json, scriptedServer, senderOptions } from "./helpers.js";

let server: ScriptedServer;
let transport: Transport;
afterEach(async () => {
  await transport.close();
  await server.close();
});

const target = { parent: makeParent("project_id", "p"), insertPath: "/v1/project_logs/p/insert" };

async function senderFor(handler: Parameters<typeof scriptedServer>[0], maxBatchBytes = 5_000_000) {
  server = await scriptedServer(handler);
  transport = new Transport({ apiUrl: server.url, apiKey: "sk-sender-key", headers: {}, maxConcurrent: 2 });
  const counters = new Counters();
  const batches = new Batcher(512, maxBatchBytes);
  const sender = new Sender(transport, counters, senderOptions({ batches }));
  return { sender, counters, batches };
}

/** Answers 413 to bodies over `cap` bytes, like a proxy's body limit. */
const capAt = (cap: number) => (req: Parameters<typeof acceptInsert>[0], res: Parameters<typeof acceptInsert>[1]) =>
  Buffer.byteLength(req.body) > cap ? json(res, 413, { error: "Request Entity Too Large" }) : acceptInsert(req, res);

const storedIds = () =>
  server.seen.filter((r) => Buffer.byteLength(r.body) <= 20_000).flatMap((r) => (JSON.parse(r.body).events as { id: string }[]).map((e) => e.id));

describe("Sender", () => {
  it("splits a batch on 413 until the halves fit, delivering every row once, and lowers its cap", async () => {
    const rows = Array.from({ length: 16 }, (_, i) => event(`r${String(i).padStart(2, "0")}`, { output: "o".repeat(2_000) }));
    const { sender, counters, batches } = await senderFor(capAt(20_000));
    await sender.send(target, EncodedRows.fromText(rows));
    expect(storedIds().sort()).toEqual(rows.map((r) => JSON.parse(r).id).sort());
    expect(counters.sent).toBe(16);
    expect(counters.dropped.tooLarge).toBe(0);
    expect(batches.maxBytes).toBeLessThan(20_000);
  });

  it("truncates a lone row the server refuses, counts it once though it took two rounds", async () => {
    const big = event("big", { input: "i".repeat(30_000), output: "o".repeat(60_000) });
    const { sender, counters } = await senderFor(capAt(20_000));
    await sender.send(target, EncodedRows.fromText([big]));
    const delivered = server.seen.filter((r) => r.body.length <= 20_000).map((r) => JSON.parse(r.body).events[0]);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ id: "big", output: "[truncated 60.0 KB]", input: "[truncated 30.0 KB]" });
    expect(server.seen.length).toBeGreaterThanOrEqual(3); // 413, 413 again at half size, then accepted
    expect(counters.sent).toBe(1);
    expect(counters.truncated).toBe(1);
    expect(counters.lost).toBe(0);
  });

  it("drops a row that cannot be made small enough, counted tooLarge and lost", async () => {
    const hopeless = event("h", { span_parents: Array.from({ length: 400 }, (_, i) => `parent-${i}`) });
    const { sender, counters } = await senderFor(capAt(1_000));
    await sender.send(target, EncodedRows.fromText([hopeless]));
    expect(counters.sent).toBe(0);
    expect(counters.dropped.tooLarge).toBe(1);
    expect(counters.lost).toBe(1);
  });

  it("retries a 2xx with an unreadable body (the rows may not be stored), then counts the rows sent once", async () => {
    let answered = 0;
    const { sender, counters } = await senderFor((req, res) => {
      if (answered++ === 0) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"row_ids": ["');
        return;
      }
      acceptInsert(req, res);
    });
    await sender.send(target, EncodedRows.fromText([event("a"), event("b")]));
    expect(server.seen).toHaveLength(2);
    expect(counters.sent).toBe(2);
    expect(counters.retried).toBe(1);
    expect(counters.lastError).toMatch(/with a body that is not the Braintrust API's/);
  });

  it("counts rows whose retries are cut by shutdown as shutdown", async () => {
    server = await scriptedServer((_req, res) => json(res, 503, { error: "busy" }));
    transport = new Transport({ apiUrl: server.url, apiKey: "sk-sender-key", headers: {}, maxConcurrent: 2 });
    const counters = new Counters();
    const stop = new AbortController();
    const sender = new Sender(transport, counters, senderOptions({
      batches: new Batcher(512, 1_000_000),
      exportTimeoutMillis: 10_000,
      policy: { baseDelayMs: 1_000, maxDelayMs: 1_000, maxWaitMs: 60_000, random: () => 0.99 },
      signal: stop.signal,
    }));
    const sending = sender.send(target, EncodedRows.fromText([event("a"), event("b"), event("c")]));
    while (server.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    await sending;
    expect(counters.dropped.shutdown).toBe(3);
    expect(counters.sent + counters.dropped.timeout).toBe(0);
  });
});

describe("Counters", () => {
  it("ignores nonsense drops and returns a copy of its state", () => {
    const c = new Counters();
    c.drop("queueFull", 2);
    c.drop("queueFull", 0);
    c.drop("queueFull", Number.NaN);
    c.drop("toString" as never, 5);
    c.drop("tooLarge", 1);
    const snap = c.snapshot(3, 40);
    snap.dropped.queueFull = 99;
    expect(c.snapshot(3, 40)).toEqual({
      queued: 3,
      queuedBytes: 40,
      sent: 0,
      truncated: 0,
      retried: 0,
      dropped: { queueFull: 2, tooLarge: 1, rejected: 0, shutdown: 0, invalid: 0, unresolved: 0, timeout: 0 },
      lastError: undefined,
    });
    expect(c.lost).toBe(3);
  });
});
