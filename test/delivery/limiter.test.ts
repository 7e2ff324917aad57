import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Limiter } from "../../src/delivery/limiter.js";
import type { Outcome } from "../../src/delivery/retry.js";
import { Delivery } from "../../src/delivery/delivery.js";
import { resetLogState } from "../../src/log.js";
import { makeParent } from "../../src/config/parent.js";
import { type ScriptedServer, type SeenRequest, acceptInsert, configFor, event, scriptedServer, trackUnhandled, until } from "./helpers.js";

/** `count` requests through `limiter`, all in flight together once they have their slots; `answer` ends them. */
async function inFlight(limiter: Limiter, count: number) {
  const answers: ((outcome: Outcome) => void)[] = [];
  const runs = Array.from({ length: count }, () => limiter.run(() => new Promise<Outcome>((resolve) => answers.push(resolve))));
  await until(() => answers.length === count);
  return {
    answer: async (outcome: Outcome) => {
      for (const answer of answers) answer(outcome);
      await Promise.all(runs);
    },
  };
}

/** One request through `limiter`, answered at once. */
const once = (limiter: Limiter, outcome: Outcome) => limiter.run(async () => outcome);

const OK: Outcome = { kind: "ok", status: 200, body: "{}" };
const OVERLOAD: Outcome = { kind: "http", status: 503, body: "" };
const REFUSED: Outcome = { kind: "http", status: 400, body: "" };

describe("Limiter", () => {
  it("starts at four, doubles per round trip while every slot is busy and a batch waits, and stops at max", async () => {
    const limit = new Limiter({ max: 16, backlog: () => true });
    expect(limit.limit).toBe(4);
    const round = async () => (await inFlight(limit, limit.limit)).answer(OK);
    await round();
    expect(limit.limit).toBe(8);
    await round();
    expect(limit.limit).toBe(16);
    await round();
    expect(limit.limit).toBe(16); // never past max
  });

  it("does not grow when slots are idle or nothing waits", async () => {
    let backlog = true;
    const limit = new Limiter({ max: 16, initial: 2, backlog: () => backlog });
    await once(limit, OK); // one of two slots used: not the bottleneck
    backlog = false;
    await (await inFlight(limit, 2)).answer(OK); // every slot used, but nothing waits
    expect(limit.limit).toBe(2);
  });

  it("halves on overload once per round trip, grows by one per round trip after it, and never drops below one", async () => {
    const limit = new Limiter({ max: 16, initial: 16, backlog: () => true });
    await (await inFlight(limit, 16)).answer(OVERLOAD);
    expect(limit.limit).toBe(8); // sixteen failures of one round: one cut
    await (await inFlight(limit, 8)).answer(OK);
    expect(limit.limit).toBe(9); // past the threshold: +1 per round trip, not doubling
    for (let i = 0; i < 6; i++) await once(limit, OVERLOAD);
    expect(limit.limit).toBe(1);
  });

  it("makes a request wait for a slot, and lets it through when one frees", async () => {
    const limit = new Limiter({ max: 1, initial: 1 });
    const first = await inFlight(limit, 1);
    let second = false;
    const waiting = limit.run(async () => {
      second = true;
      return OK;
    });
    await new Promise((r) => setImmediate(r));
    expect(second).toBe(false);
    await first.answer(REFUSED);
    await waiting;
    expect(second).toBe(true);
  });

  it("does not send a request whose signal aborts while it waits, and frees nothing for it", async () => {
    const limit = new Limiter({ max: 1, initial: 1 });
    const first = await inFlight(limit, 1);
    const stop = new AbortController();
    let sent = false;
    const waiting = limit.run(async () => {
      sent = true;
      return OK;
    }, { signal: stop.signal });
    stop.abort();
    expect(await waiting).toMatchObject({ kind: "network", code: "ETIMEDOUT" });
    expect(sent).toBe(false);
    expect(limit.inFlight).toBe(1);
    await first.answer(OK);
    expect(limit.inFlight).toBe(0);
  });

  it("lets a batch start per slot, and as many again waiting out a retry delay, at most the limit", async () => {
    const limit = new Limiter({ max: 16, initial: 2 });
    expect(limit.mayStartBatch(1)).toBe(true);
    expect(limit.mayStartBatch(2)).toBe(false);
    const stop = new AbortController();
    const waits = Array.from({ length: 3 }, () => limit.backOff(60_000, stop.signal));
    expect(limit.mayStartBatch(3)).toBe(true);
    expect(limit.mayStartBatch(4)).toBe(false); // three waiting, but no more than the limit again
    stop.abort();
    await Promise.all(waits);
    expect(limit.mayStartBatch(2)).toBe(false);
  });

  it("opens at shutdown: every request waiting goes ahead", async () => {
    const limit = new Limiter({ max: 1, initial: 1 });
    await inFlight(limit, 1);
    const waiting = Array.from({ length: 3 }, () => once(limit, OK));
    limit.open();
    expect(await Promise.all(waiting)).toEqual([OK, OK, OK]);
  });
});

/** A loopback insert endpoint that answers after `delayMs`, per phase, counting requests in flight. */
async function slowApi(delayMs: number) {
  const state = { current: 0, peak: 0, phase: "ok" as "ok" | "fail", rows: new Set<string>(), requests: 0 };
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET") {
        // The project id is verified once at start.
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "p1", name: "slow", org_id: "o1" }));
        return;
      }
      state.requests++;
      state.current++;
      state.peak = Math.max(state.peak, state.current);
      res.on("close", () => state.current--);
      setTimeout(() => {
        if (state.phase === "fail") {
          res.writeHead(503, { "content-type": "application/json" }).end('{"error":"overloaded"}');
          return;
        }
        const { events } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events: { id: string }[] };
        for (const e of events) state.rows.add(e.id);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ row_ids: events.map((e) => e.id) }));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return { state, url, close };
}

describe("Delivery against a slow API", () => {
  let delivery: Delivery | undefined;
  let unhandled: ReturnType<typeof trackUnhandled>;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);

  beforeEach(() => {
    resetLogState();
    unhandled = trackUnhandled();
    warnings.length = 0;
    process.on("warning", onWarning);
  });

  afterEach(async () => {
    await delivery?.shutdown();
    delivery = undefined;
    process.off("warning", onWarning);
    unhandled.stop();
    expect(unhandled.rejections).toEqual([]);
  });

  const parent = makeParent("project_id", "p1");
  const start = (url: string) => {
    const config = configFor({ apiKey: "sk-slow", apiUrl: url, projectId: "p1", maxExportBatchSize: 20, scheduledDelayMillis: 60_000, exportTimeoutMillis: 60_000 });
    delivery = new Delivery(config, { backoff: { baseDelayMs: 5, maxDelayMs: 20 } });
    return delivery;
  };

  // How fast the limit grows is exact in the ramp-up test below; here, how far it may go.
  it("never has more than 16 requests in flight against a slow API, delivers every row, with no listener warning", async () => {
    const api = await slowApi(50);
    const d = start(api.url);
    for (let i = 0; i < 2000; i++) d.enqueue(parent, event(`r-${i}`));
    expect(await d.flush()).toEqual({ sent: 2000, dropped: 0, pending: 0 });
    expect(api.state.rows.size).toBe(2000);
    expect(api.state.peak).toBeLessThanOrEqual(16);
    expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
    await api.close();
  });

  it("halves the requests in flight on 503s down to one, and grows again once the API recovers", async () => {
    const api = await slowApi(30);
    const d = start(api.url);
    for (let i = 0; i < 1000; i++) d.enqueue(parent, event(`a-${i}`));
    expect(await d.flush()).toMatchObject({ sent: 1000 });

    api.state.phase = "fail";
    const before = api.state.requests;
    for (let i = 0; i < 1000; i++) d.enqueue(parent, event(`b-${i}`));
    const flushed = d.flush();
    // Four halvings take 16 to 1, one per round trip; give them those, then watch the API's side.
    await until(() => api.state.requests > before + 16 + 8 + 4 + 2 + 1);
    api.state.peak = 0;
    const seen = api.state.requests;
    await until(() => api.state.requests > seen + 20);
    expect(api.state.peak).toBeLessThanOrEqual(2);

    api.state.phase = "ok";
    api.state.peak = 0;
    expect(await flushed).toMatchObject({ sent: 1000, dropped: 0, pending: 0 });
    expect(api.state.rows.size).toBe(2000);
    expect(api.state.peak).toBeGreaterThan(2); // grew again, one per round trip
    expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
    await api.close();
  });
});

describe("Delivery ramping up against an API that answers a round only once all of it has arrived", () => {
  let delivery: Delivery | undefined;
  let api: ScriptedServer | undefined;

  afterEach(async () => {
    await delivery?.shutdown();
    await api?.close();
    delivery = api = undefined;
  });

  it("sends four requests before any answer, then twice as many per round trip up to the cap, while full batches wait", async () => {
    resetLogState();
    // The API holds each insert until the round it expects has arrived whole, and answers the
    // round 20 ms later: a client that sent fewer would wait forever (the test times out), one
    // that sent more shows in the count. However slow the machine, a right client's rounds are exact.
    const rounds = [4, 8, 16, 16, 16];
    const arrivedAtAnswer: number[] = [];
    const held: [SeenRequest, ServerResponse][] = [];
    let answering = false;
    api = await scriptedServer((req, res) => {
      held.push([req, res]);
      if (answering || held.length < rounds[arrivedAtAnswer.length]!) return;
      answering = true;
      setTimeout(() => {
        answering = false;
        arrivedAtAnswer.push(api!.seen.length);
        for (const [r, answer] of held.splice(0)) acceptInsert(r, answer);
      }, 20);
    });
    const config = configFor({ apiKey: "sk-ramp", apiUrl: api.url, projectId: "p-ramp", maxExportBatchSize: 20, scheduledDelayMillis: 60_000 });
    delivery = new Delivery(config);
    await delivery.ready();
    for (let i = 0; i < 60 * 20; i++) delivery.enqueue(config.parent, event(`ramp-${i}`));
    expect(await delivery.flush()).toEqual({ sent: 1200, dropped: 0, pending: 0 });
    // When each round was answered: 4, then 4 + 8, then 4 + 8 + 16 (the cap), and 16 a round after.
    expect(arrivedAtAnswer).toEqual([4, 12, 28, 44, 60]);
    expect(api.seen).toHaveLength(60);
    const ids = new Set(api.seen.flatMap((r) => (JSON.parse(r.body) as { events: { id: string }[] }).events.map((e) => e.id)));
    expect(ids.size).toBe(1200);
  });
});
