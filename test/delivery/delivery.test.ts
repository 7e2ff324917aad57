import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BraintrustExporterOptions } from "../../src/config/config.js";
import { Delivery } from "../../src/delivery/delivery.js";
import { resetLogState } from "../../src/log.js";
import { type Parent, makeParent } from "../../src/config/parent.js";
import { acceptInsert, captureDiag, captureWarnings, configFor, event, json, scriptedServer, trackUnhandled, until } from "./helpers.js";

let server: LocalBraintrust;
let delivery: Delivery | undefined;
let unhandled: ReturnType<typeof trackUnhandled>;

beforeEach(async () => {
  resetLogState();
  unhandled = trackUnhandled();
  server = await startLocalBraintrust();
});

afterEach(async () => {
  await delivery?.shutdown();
  delivery = undefined;
  await server.close();
  unhandled.stop();
  expect(unhandled.rejections).toEqual([]);
});

const fastBackoff = { baseDelayMs: 5, maxDelayMs: 20 };

function start(options: BraintrustExporterOptions = {}, url = server.url, apiKey = server.apiKey) {
  const config = configFor({ apiKey, apiUrl: url, projectName: "main", scheduledDelayMillis: 60_000, ...options });
  delivery = new Delivery(config, { backoff: fastBackoff });
  return { delivery, parent: config.parent };
}

function enqueueMany(d: Delivery, parent: Parent, ids: string[]) {
  for (const id of ids) d.enqueue(parent, event(id));
}

/** A server that answers the first `count` inserts `status` with `error`, and holds every later one until `release()`. */
async function answerThenHold(count: number, status: number, error: string) {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const scripted = await scriptedServer(async (_req, res) => {
    if (scripted.seen.length <= count) return json(res, status, { error });
    await held;
    json(res, status, { error: "too late" });
  });
  return { scripted, release };
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const inserts = () => server.requests.filter((r) => r.path.endsWith("/insert"));

describe("Delivery", () => {
  it("delivers each row once, to its own destination, and flush reports what it did", async () => {
    const { delivery: d, parent } = start({ maxExportBatchSize: 7 });
    await d.ready();
    const other = makeParent("project_name", "side");
    enqueueMany(d, parent, ids("main", 20));
    enqueueMany(d, other, ids("side", 5));
    expect(d.stats()).toMatchObject({ queued: 25 });
    expect(await d.flush()).toEqual({ sent: 25, dropped: 0, pending: 0 });
    expect(server.rows("main").map((r) => r.id)).toEqual(ids("main", 20));
    expect(server.rows("side").map((r) => r.id)).toEqual(ids("side", 5));
    expect(Math.max(...inserts().map((r) => (r.body as { events: unknown[] }).events.length))).toBe(7);
    expect(d.stats()).toMatchObject({ queued: 0, queuedBytes: 0, sent: 25, retried: 0 });
  });

  it("counts as pending only the flush's own rows, so overlapping flushes do not fail each other", async () => {
    const { delivery: d, parent } = start({ maxExportBatchSize: 10, maxConcurrentRequests: 1 });
    await d.ready();
    server.setFault({ delayMs: 100 });
    enqueueMany(d, parent, ids("first", 10));
    const first = d.flush();
    enqueueMany(d, parent, ids("later", 60));
    expect(await first).toMatchObject({ dropped: 0, pending: 0 });
    expect(d.stats().queued).toBeGreaterThan(0); // the later rows were not done when the first flush ended
    expect(await d.flush()).toMatchObject({ dropped: 0, pending: 0 });
    expect(server.rows("main")).toHaveLength(70);
  });

  it("sends a full batch without waiting for the timer or a flush", async () => {
    const { delivery: d, parent } = start({ maxExportBatchSize: 10 });
    enqueueMany(d, parent, ids("full", 10));
    await until(() => d.stats().sent === 10);
    expect(server.rows("main")).toHaveLength(10);
  });

  it("sends a partial batch when scheduledDelayMillis passes", async () => {
    const { delivery: d, parent } = start({ scheduledDelayMillis: 20 });
    enqueueMany(d, parent, ids("timer", 3));
    await until(() => d.stats().sent === 3);
    expect(inserts()).toHaveLength(1);
  });

  it("inserts experiment rows at the experiment route and project ids without a lookup", async () => {
    const { id } = server.createExperiment("main", "exp-1");
    const { delivery: d } = start({ parent: `experiment_id:${id}` });
    d.enqueue(makeParent("experiment_id", id), event("x1"));
    await d.flush();
    expect(server.experimentRows(id).map((r) => r.id)).toEqual(["x1"]);
    expect(server.requests.map((r) => r.path)).toEqual([`/v1/experiment/${id}/insert`]);
  });

  it("counts bad input as invalid and never throws on the hot path", async () => {
    const { delivery: d, parent } = start();
    expect(() => {
      d.enqueue(parent, "");
      d.enqueue(parent, 42 as unknown as string);
      d.enqueue(undefined as unknown as Parent, event("a"));
      d.enqueue(parent, event("ok"));
    }).not.toThrow();
    d.drop("invalid", 2);
    d.drop("invalid", -1);
    expect(await d.flush()).toEqual({ sent: 1, dropped: 0, pending: 0 });
    expect(d.stats().dropped.invalid).toBe(5);
  });

  it("shutdown flushes once, returns the same promise, and counts later rows as shutdown", async () => {
    const { delivery: d, parent } = start();
    enqueueMany(d, parent, ids("s", 4));
    const first = d.shutdown();
    expect(d.shutdown()).toBe(first);
    await first;
    expect(server.rows("main")).toHaveLength(4);
    d.enqueue(parent, event("late"));
    expect(d.stats()).toMatchObject({ sent: 4, queued: 0 });
    expect(d.stats().dropped.shutdown).toBe(1);
    expect(await d.flush()).toEqual({ sent: 0, dropped: 0, pending: 0 });
  });

  it("ready() rejects clearly on a bad key, without the key, and unawaited it raises no unhandledRejection", async () => {
    const badKey = "sk-bad-key-0123456789";
    const diagLog = captureDiag();
    const { delivery: d, parent } = start({}, server.url, badKey);
    enqueueMany(d, parent, ids("lost", 3));
    await expect(d.ready()).rejects.toThrow(/API key was rejected \(401 Unauthorized\) while resolving project "main"/);
    await until(() => d.stats().dropped.unresolved === 3);
    d.enqueue(parent, event("later"));
    expect(d.stats().dropped.unresolved).toBe(4);
    // Said once, with the rows dropped so far and the counter where later ones show.
    const said = diagLog.messages.filter((m) => m.includes("No rows will be sent"));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain("each row is dropped as it comes and counted in stats().dropped.unresolved (3 rows so far)");
    expect(await d.flush()).toMatchObject({ pending: 0 });
    const everything = [JSON.stringify(d.stats()), ...diagLog.messages, String(await d.ready().catch((e) => e))].join("\n");
    expect(everything).not.toContain(badKey);
    diagLog.stop();
    // A second instance whose ready() nobody awaits: afterEach asserts no unhandled rejection.
    const ignored = new Delivery(configFor({ apiKey: badKey, apiUrl: server.url, projectName: "x" }));
    await until(() => ignored.stats().lastError !== undefined);
    await ignored.shutdown();
  });

  it("ready() names the project and org on 403; a parent of unknown kind is counted, never thrown", async () => {
    server.setFault({ routes: ["project"], failStatuses: [403] });
    const { delivery: d } = start({ orgName: "acme" });
    await expect(d.ready()).rejects.toThrow(/may not access project "main" in org "acme" \(403 Forbidden\)/);
    const bogus = { kind: "dataset_id", value: "x", key: "dataset_id:x" } as unknown as Parent;
    d.enqueue(bogus, event("b1"));
    await until(() => d.stats().dropped.unresolved === 1);
    d.enqueue(bogus, event("b2"));
    expect(d.stats().dropped.unresolved).toBe(2);
    expect(d.stats().lastError).toMatch(/unknown parent "dataset_id:x"/);
  });

  it("drops a batch the API refuses (400), quoting its message once, and keeps going", async () => {
    const scripted = await scriptedServer((req, res) => {
      if (req.body.includes('"bad-')) return json(res, 400, { error: "events.0.scores.x: must be <= 1" });
      acceptInsert(req, res);
    });
    const diagLog = captureDiag();
    const { delivery: d } = start({ projectId: "p1", maxExportBatchSize: 2 }, scripted.url, "sk-scripted-key");
    const parent = makeParent("project_id", "p1");
    enqueueMany(d, parent, ["bad-1", "bad-2", "bad-3", "bad-4", "good-1"]);
    expect(await d.flush()).toEqual({ sent: 1, dropped: 4, pending: 0 });
    expect(d.stats().dropped.rejected).toBe(4);
    expect(d.stats().retried).toBe(0);
    const refusals = diagLog.messages.filter((m) => m.includes("refused"));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('HTTP 400 "events.0.scores.x: must be <= 1"');
    diagLog.stop();
    await d.shutdown();
    await scripted.close();
  });

  it("keeps at most maxConcurrentRequests requests in flight, and a flush just waits", async () => {
    const scripted = await scriptedServer((req, res) => void setTimeout(() => acceptInsert(req, res), 20));
    const { delivery: d } = start({ projectId: "p1", maxExportBatchSize: 5, maxConcurrentRequests: 2 }, scripted.url, "sk-scripted-key");
    enqueueMany(d, makeParent("project_id", "p1"), ids("c", 60));
    expect(await d.flush()).toEqual({ sent: 60, dropped: 0, pending: 0 });
    expect(scripted.seen).toHaveLength(12);
    expect(scripted.peakConcurrent).toBe(2);
    await d.shutdown();
    await scripted.close();
  });

  it("flush() returns by its deadline when the API is unreachable, and never rejects", async () => {
    await server.down();
    const { delivery: d } = start({ projectId: "p1", exportTimeoutMillis: 300 });
    enqueueMany(d, makeParent("project_id", "p1"), ids("u", 3));
    // The project check cannot get through, so the rows are still queued at the deadline.
    expect(await d.flush()).toEqual({ sent: 0, dropped: 0, pending: 3 });
    expect(d.stats().lastError).toMatch(/ECONNREFUSED/);
  });

  it("gives up on rows whose inserts keep failing at the deadline, at ERROR, once the project is verified", async () => {
    // Two inserts are answered 500; the third is held unanswered until after the deadline,
    // so the deadline always falls while a retry is in flight. The deadline (1 s) is no
    // longer than one attempt's own timeout, so the held attempt is the last.
    const { scripted, release } = await answerThenHold(2, 500, "boom");
    const diagLog = captureDiag();
    const { delivery: d } = start({ projectId: "p1", exportTimeoutMillis: 1000 }, scripted.url, "sk-scripted-key");
    const parent = makeParent("project_id", "p1");
    await d.ready();
    enqueueMany(d, parent, ids("t", 3));
    const result = await d.flush();
    expect(result.sent).toBe(0);
    await until(() => d.stats().dropped.timeout === 3);
    release();
    expect(scripted.seen).toHaveLength(3);
    const reason = 'answered HTTP 500 "boom" on 2 attempts; gave up at the 1 s deadline';
    expect(d.stats().lastError).toMatch(/answered HTTP 500/);
    expect(d.stats().lastError).toBe(`inserting into project_id:p1: ${scripted.url} ${reason}`);
    const gaveUp = diagLog.messages.filter((m) => m.includes("gave up on 3 rows"));
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toContain(reason);
    expect(diagLog.messages.join("\n")).not.toMatch(/ETIMEDOUT|no answer/);
    diagLog.stop();
    await d.shutdown();
    await scripted.close();
  });

  it("says the deadline's reason as a process warning too, when no diag logger is installed", async () => {
    const { scripted, release } = await answerThenHold(1, 503, "busy");
    const seen = captureWarnings();
    try {
      const { delivery: d } = start({ projectId: "p1", exportTimeoutMillis: 1000 }, scripted.url, "sk-scripted-key");
      await d.ready();
      enqueueMany(d, makeParent("project_id", "p1"), ids("w", 2));
      await d.flush();
      await until(() => seen.warnings.some((w) => w.message.includes("gave up on 2 rows")));
      release();
      const warning = seen.warnings.find((w) => w.message.includes("gave up on 2 rows"))!;
      expect(warning.message).toContain('answered HTTP 503 "busy" on 1 attempt; gave up at the 1 s deadline');
      expect(warning.message).not.toMatch(/ETIMEDOUT|no answer/);
    } finally {
      seen.stop();
      release();
      await delivery?.shutdown();
      await scripted.close();
    }
  });

  it("names the network's own failure when no attempt got an answer before the deadline", async () => {
    const scripted = await scriptedServer(() => new Promise<void>(() => {}));
    const { delivery: d } = start({ projectId: "p1", exportTimeoutMillis: 1000 }, scripted.url, "sk-scripted-key");
    await d.ready();
    enqueueMany(d, makeParent("project_id", "p1"), ids("n", 1));
    await d.flush();
    await until(() => d.stats().dropped.timeout === 1);
    expect(d.stats().lastError).toBe(`inserting into project_id:p1: no answer from ${scripted.url} (ETIMEDOUT): check BRAINTRUST_API_URL (the apiUrl option), and HTTPS_PROXY if this network needs a proxy; gave up at the 1 s deadline after 1 attempt`);
    await d.shutdown();
    await scripted.close();
  });
});
