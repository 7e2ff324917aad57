// The delivery layer against the local server's failure modes. Every test checks exact
// counts: each id stored exactly once, every other row in exactly one dropped reason,
// nothing thrown, no unhandled rejection.
import { type LocalBraintrust, type RecordedRequest, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { BraintrustSpanProcessor } from "braintrust-otel-exporter";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BraintrustExporterOptions } from "../../src/config/config.js";
import { Delivery } from "../../src/delivery/delivery.js";
import { resetLogState } from "../../src/log.js";
import { providerWith } from "../helpers/tracing.js";
import { captureDiag, configFor, event, trackUnhandled, until } from "./helpers.js";

let server: LocalBraintrust;
let unhandled: ReturnType<typeof trackUnhandled>;
const open: { shutdown(): Promise<unknown> }[] = [];

beforeEach(async () => {
  resetLogState();
  unhandled = trackUnhandled();
  server = await startLocalBraintrust();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.shutdown()));
  await server.close();
  // Give a late rejection a turn to surface before checking.
  await new Promise((r) => setImmediate(r));
  unhandled.stop();
  expect(unhandled.rejections).toEqual([]);
});

/** Quick retries for tests; the policy's shape is the production one. */
const FAST = { baseDelayMs: 20, maxDelayMs: 500 };

function deliveryFor(project: string, options: BraintrustExporterOptions = {}, apiKey = server.apiKey): Delivery {
  const config = configFor({ apiKey, apiUrl: server.url, projectName: project, scheduledDelayMillis: 20, ...options });
  const delivery = new Delivery(config, { backoff: FAST });
  open.push(delivery);
  return delivery;
}

function enqueueIds(delivery: Delivery, project: string, ids: string[], extra: Record<string, unknown> = {}): void {
  const parent = configFor({ apiKey: "k".repeat(8), projectName: project }).parent;
  for (const id of ids) delivery.enqueue(parent, event(id, extra));
}

const idsOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** Every expected id stored once, nothing else stored. */
function expectExactlyOnce(project: string, expected: string[]): void {
  const stored = server.rows(project).map((r) => r.id);
  const storedSet = new Set(stored);
  const expectedSet = new Set(expected);
  expect({
    stored: stored.length,
    duplicates: stored.length - storedSet.size,
    missing: expected.filter((id) => !storedSet.has(id)).length,
    unexpected: stored.filter((id) => !expectedSet.has(id)).length,
  }).toEqual({ stored: expected.length, duplicates: 0, missing: 0, unexpected: 0 });
}

/** How many answered-200 insert requests carried each id. */
function acknowledgedTimes(requests: RecordedRequest[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const r of requests) {
    if (!r.path.endsWith("/insert") || r.status !== 200 || r.fault) continue;
    for (const e of (r.body as { events: { id: string }[] }).events) times.set(e.id, (times.get(e.id) ?? 0) + 1);
  }
  return times;
}

const noDrops = { queueFull: 0, tooLarge: 0, rejected: 0, shutdown: 0, invalid: 0, unresolved: 0, timeout: 0 };

describe("delivery under faults", () => {
  it("delivers 20,000 rows exactly once through 30% failures (500/503/429 with Retry-After: 1) and 5% resets", async () => {
    server.setFault({ failRate: 0.3, failStatuses: [500, 503, 429], retryAfter: "1", resetRate: 0.05, seed: 7 });
    const d = deliveryFor("storm", { maxExportBatchSize: 500, maxConcurrentRequests: 4 });
    const ids = idsOf("storm", 20_000);
    enqueueIds(d, "storm", ids);
    expect(await d.flush()).toEqual({ sent: 20_000, dropped: 0, pending: 0 });
    expectExactlyOnce("storm", ids);
    const acked = acknowledgedTimes(server.requests);
    expect([...acked.values()].every((n) => n === 1)).toBe(true); // no row sent again after it was acknowledged
    const injected = server.faults();
    expect(injected.failed + injected.reset).toBeGreaterThan(0);
    expect(d.stats()).toMatchObject({ sent: 20_000, queued: 0, dropped: noDrops, retried: injected.failed + injected.reset });
  });

  it("waits out an API that is down for the first 3 s: resolution retries in the background, rows wait", async () => {
    const known = await fetch(`${server.url}/v1/project`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "by-id" }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    await server.down();
    const comesBack = setTimeout(() => void server.up(), 3_000);
    const byName = deliveryFor("by-name");
    const byId = deliveryFor("ignored", { projectId: known.id, parent: undefined, projectName: undefined });
    const nameIds = idsOf("name", 1_000);
    const idIds = idsOf("id", 1_000);
    enqueueIds(byName, "by-name", nameIds);
    for (const id of idIds) byId.enqueue({ kind: "project_id", value: known.id, key: `project_id:${known.id}` }, event(id));
    const [nameFlush, idFlush] = await Promise.all([byName.flush(), byId.flush()]);
    clearTimeout(comesBack);
    await byName.ready();
    expect(nameFlush).toEqual({ sent: 1_000, dropped: 0, pending: 0 });
    expect(idFlush).toEqual({ sent: 1_000, dropped: 0, pending: 0 });
    expectExactlyOnce("by-name", nameIds);
    expectExactlyOnce("by-id", idIds);
    // Both waited: the name lookup and the id check retried until the server came back.
    expect(server.requests.filter((r) => r.method === "GET" && r.path === `/v1/project/${known.id}`).length).toBeGreaterThan(0);
    expect(byId.stats().lastError).toMatch(/nothing is listening at .* \(ECONNREFUSED\)/);
  });

  it("splits on 413 (cap 256 KB) and truncates 1 MB rows until they fit, counting them truncated", async () => {
    server.setFault({ maxBodyBytes: 256 * 1024 });
    const d = deliveryFor("big");
    const small = idsOf("small", 40);
    const big = idsOf("big", 5);
    enqueueIds(d, "big", small.slice(0, 20));
    enqueueIds(d, "big", big, { output: "x".repeat(1_000_000) });
    enqueueIds(d, "big", small.slice(20));
    expect(await d.flush()).toEqual({ sent: 45, dropped: 0, pending: 0 });
    expectExactlyOnce("big", [...small, ...big]);
    const rows = new Map(server.rows("big").map((r) => [r.id, r]));
    for (const id of big) expect(rows.get(id)!.output).toBe("[truncated 1.0 MB]");
    for (const id of small) expect(rows.get(id)!.output).toBe("answer");
    // They arrived, cut: counted as truncated, not dropped.
    expect(d.stats().dropped).toEqual(noDrops);
    expect(d.stats().truncated).toBe(5);
    expect(server.faults().tooLarge).toBeGreaterThan(0);
  });

  it("stops on 401: one clear message, drops counted, ready() rejects without the key", async () => {
    const badKey = "sk-wrong-0123456789abcdef";
    const diagLog = captureDiag();
    // By name: the lookup gets the 401, so ready() rejects and every row counts as unresolved.
    const byName = deliveryFor("nope", {}, badKey);
    enqueueIds(byName, "nope", idsOf("n", 50));
    const error = await byName.ready().then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/the API key was rejected \(401 Unauthorized\) while resolving project "nope"/);
    // By id: the id check gets the 401 the same way; no insert is attempted.
    const byId = deliveryFor("x", { projectId: "p-1", projectName: undefined, maxExportBatchSize: 10 }, badKey);
    for (const id of idsOf("i", 30)) byId.enqueue({ kind: "project_id", value: "p-1", key: "project_id:p-1" }, event(id));
    expect(await byId.ready().catch((e: Error) => e.message)).toMatch(/the API key was rejected \(401 Unauthorized\) while checking project id p-1/);
    // Its rows were dropped when the check failed, so the flush has nothing left to wait for.
    expect(await byId.flush()).toEqual({ sent: 0, dropped: 0, pending: 0 });
    expect(await byName.flush()).toMatchObject({ sent: 0, pending: 0 });
    expect(byName.stats().dropped).toEqual({ ...noDrops, unresolved: 50 });
    expect(byId.stats().dropped).toEqual({ ...noDrops, unresolved: 30 });
    expect(byId.stats().retried + byName.stats().retried).toBe(0);
    expect(server.requests.filter((r) => r.path === "/v1/project")).toHaveLength(1);
    expect(server.requests.filter((r) => r.path === "/v1/project/p-1")).toHaveLength(1);
    expect(server.requests.filter((r) => r.path.endsWith("/insert"))).toHaveLength(0);
    const about401 = diagLog.messages.filter((m) => m.includes("401"));
    expect(about401).toHaveLength(1); // the same key's rejection is said once per process
    const everything = [...diagLog.messages, error?.message, byName.stats().lastError, byId.stats().lastError].join("\n");
    expect(everything).not.toContain(badKey);
    diagLog.stop();
  });

  it("shutdown returns by its deadline while the server hangs, counting what it could not send", async () => {
    server.setFault({ hang: true });
    const d = deliveryFor("hung", { exportTimeoutMillis: 1_000 });
    enqueueIds(d, "hung", idsOf("h", 100));
    await until(() => server.requests.some((r) => r.path.endsWith("/insert")));
    // Without its deadline this would wait on the hung server until the test times out.
    await d.shutdown();
    const { dropped, sent, queued } = d.stats();
    expect(sent + queued).toBe(0);
    expect(dropped.shutdown + dropped.timeout).toBe(100);
  });

  it("drops rows past the queue bounds, counted exactly, with queuedBytes within maxQueueBytes", async () => {
    server.setFault({ hang: true }); // nothing drains while we fill
    const rowBytes = event("q-00000").length;
    const maxQueueBytes = rowBytes * 300 + 10;
    const d = deliveryFor("full", { maxQueueSize: 1_000_000, maxQueueBytes, exportTimeoutMillis: 2_000 });
    const ids = Array.from({ length: 500 }, (_, i) => `q-${String(i).padStart(5, "0")}`);
    enqueueIds(d, "full", ids);
    // The budget holds the rows, a comma each, and the unused tails of their chunks.
    const { queued, queuedBytes, dropped } = d.stats();
    expect(queued + dropped.queueFull).toBe(500);
    expect(queuedBytes).toBe(rowBytes * queued);
    expect((rowBytes + 1) * queued).toBeLessThanOrEqual(maxQueueBytes);
    expect(queued).toBeGreaterThan(290);
    server.setFault(undefined);
    await d.shutdown(); // the hung requests count as lost; shutdown cleans up

    const byCount = deliveryFor("count", { maxQueueSize: 250 });
    enqueueIds(byCount, "count", ids);
    expect(byCount.stats()).toMatchObject({ queued: 250 });
    expect(byCount.stats().dropped.queueFull).toBe(250);
    expect(await byCount.flush()).toEqual({ sent: 250, dropped: 0, pending: 0 });
    expectExactlyOnce("count", ids.slice(0, 250));
  });

  it("stays exactly-once through ambiguous failures (stored, then 500/reset/broken JSON): retries replace by id", async () => {
    server.setFault({ failAfterStore: true, failRate: 0.25, failStatuses: [500, 503], resetRate: 0.1, garbage: "invalid-json", garbageRate: 0.15, seed: 3 });
    const d = deliveryFor("ambiguous", { maxExportBatchSize: 100 });
    const ids = idsOf("a", 3_000);
    enqueueIds(d, "ambiguous", ids);
    expect(await d.flush()).toEqual({ sent: 3_000, dropped: 0, pending: 0 });
    expectExactlyOnce("ambiguous", ids);
    const injected = server.faults();
    expect(injected.failed && injected.reset && injected.garbage).toBeGreaterThan(0);
    // The server stored some rows more than once (then answered with a failure); the ids kept one copy each.
    const stores = server.requests.filter((r) => r.path.endsWith("/insert") && r.body && typeof r.body === "object");
    const sentRows = stores.reduce((n, r) => n + (r.body as { events: unknown[] }).events.length, 0);
    expect(sentRows).toBeGreaterThan(3_000);
    expect(d.stats().retried).toBe(injected.failed + injected.reset + injected.garbage);
  });

  it("delivers exactly once through BraintrustSpanProcessor and a real NodeTracerProvider under mixed faults", async () => {
    server.setFault({ failRate: 0.2, failStatuses: [502, 503], resetRate: 0.05, garbage: "html502", garbageRate: 0.05, seed: 11 });
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "otel", maxExportBatchSize: 200, env: {} });
    const provider = providerWith(processor);
    open.push(provider);
    const tracer = provider.getTracer("faults");
    const spanIds: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      tracer.startActiveSpan(`op-${i}`, (span) => {
        span.setAttribute("input", `q${i}`);
        spanIds.push(span.spanContext().spanId);
        span.end();
      });
    }
    await provider.forceFlush();
    const stored = server.rows("otel");
    expect(new Set(stored.map((r) => r.span_id))).toEqual(new Set(spanIds));
    expectExactlyOnce("otel", stored.map((r) => r.id));
    expect(stored).toHaveLength(2_000);
    expect(processor.stats()).toMatchObject({ sent: 2_000, queued: 0, dropped: noDrops });
  });
});
