import { describe, expect, it } from "vitest";
import {
  type BackoffPolicy,
  type Outcome,
  backoffDelay,
  decide,
  parseRetryAfter,
  retryDelay,
  sleep,
  withRetry,
} from "../../src/delivery/retry.js";
import { captureWarnings } from "../helpers/diag.js";

const http = (status: number, retryAfterMs?: number): Outcome => ({ kind: "http", status, body: "", ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
const ok: Outcome = { kind: "ok", status: 200, body: '{"row_ids":[]}' };
const reset: Outcome = { kind: "network", code: "ECONNRESET", message: "socket hang up" };
const policy = (random = () => 0.5): BackoffPolicy => ({ baseDelayMs: 100, maxDelayMs: 1_000, maxWaitMs: 60_000, random });

describe("decide", () => {
  it("retries rate limits, server errors, timeouts, network failures and unreadable 2xx", () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(decide(http(status))).toBe("retry");
    expect(decide(reset)).toBe("retry");
    expect(decide({ kind: "network", code: "ENOTFOUND", message: "dns" })).toBe("retry");
    expect(decide({ kind: "invalid", status: 200, body: "<html>" })).toBe("retry");
  });

  it("gives up on client errors, splits on 413, is done on 2xx", () => {
    for (const status of [400, 401, 403, 404, 422]) expect(decide(http(status))).toBe("final");
    expect(decide(http(413))).toBe("split");
    expect(decide(ok)).toBe("done");
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-06-01T12:00:00Z");
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("1", now)).toBe(1_000);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
    expect(parseRetryAfter("0", now)).toBe(0);
  });
  it("reads an HTTP-date, relative to now, never negative", () => {
    expect(parseRetryAfter("Sun, 01 Jun 2025 12:00:05 GMT", now)).toBe(5_000);
    expect(parseRetryAfter("Sun, 01 Jun 2025 11:00:00 GMT", now)).toBe(0);
  });
  it("ignores absent or unreadable values", () => {
    for (const v of [undefined, null, "", "soon", "-3"]) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});

describe("backoff", () => {
  it("is full jitter under an exponentially growing, capped ceiling", () => {
    const top = policy(() => 0.999_999);
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, top))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, policy(() => 0))).toBe(0);
    expect(backoffDelay(1, policy(() => 0.5))).toBe(100);
  });

  it("prefers the server's Retry-After", () => {
    expect(retryDelay(0, http(429, 3_000), policy())).toBe(3_000);
    expect(retryDelay(0, http(503), policy())).toBe(50);
  });

  it("caps every wait at maxWaitMs, however long Retry-After asks (a day, or past setTimeout's range)", () => {
    expect(retryDelay(0, http(503, 86_400_000), policy())).toBe(60_000);
    expect(retryDelay(0, http(503, 3_000_000_000), policy())).toBe(60_000);
    expect(retryDelay(30, http(503), { ...policy(() => 0.999), maxDelayMs: 1e12 })).toBe(60_000);
  });
});

/** A scripted send and a virtual clock: sleeping advances time, nothing waits for real. */
function harness(script: Outcome[]) {
  let now = 1_000_000;
  const calls: number[] = [];
  const sleeps: number[] = [];
  return {
    send: async (timeoutMs: number) => {
      calls.push(timeoutMs);
      return script.shift() ?? ok;
    },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    now: () => now,
    calls,
    sleeps,
    start: now,
  };
}

describe("withRetry", () => {
  it("retries until success, reporting each retry", () => {
    const h = harness([reset, http(503), ok]);
    const retried: number[] = [];
    return withRetry(h.send, { deadline: h.start + 10_000, policy: policy(), sleep: h.sleep, now: h.now, onRetry: (_o, _d, n) => retried.push(n) }).then((r) => {
      expect(r).toMatchObject({ decision: "done", attempts: 3 });
      expect(retried).toEqual([1, 2]);
      expect(h.sleeps).toEqual([50, 100]);
    });
  });

  it("stops at once on a final status", async () => {
    const h = harness([http(401), ok]);
    const r = await withRetry(h.send, { deadline: h.start + 10_000, policy: policy(), sleep: h.sleep, now: h.now });
    expect(r).toMatchObject({ decision: "final", attempts: 1, outcome: { status: 401 } });
    expect(h.sleeps).toEqual([]);
  });

  it("returns split on 413 without retrying", async () => {
    const h = harness([http(413)]);
    expect(await withRetry(h.send, { deadline: h.start + 10_000, policy: policy(), sleep: h.sleep, now: h.now })).toMatchObject({ decision: "split" });
  });

  it("waits out Retry-After", async () => {
    const h = harness([http(429, 2_000), ok]);
    await withRetry(h.send, { deadline: h.start + 10_000, policy: policy(), sleep: h.sleep, now: h.now });
    expect(h.sleeps).toEqual([2_000]);
  });

  it("gives the remaining time to each attempt, and gives up before waiting past the deadline", async () => {
    const h = harness([http(503), http(503), http(429, 5_000), ok]);
    const r = await withRetry(h.send, { deadline: h.start + 1_000, policy: policy(), sleep: h.sleep, now: h.now });
    expect(r).toMatchObject({ decision: "timeout", attempts: 3, outcome: { status: 429 } });
    expect(h.calls).toEqual([1_000, 950, 850]);
  });

  it("is cancelled by its signal, but keeps a success that raced the abort", async () => {
    const controller = new AbortController();
    const h = harness([http(503), ok]);
    const send = async (t: number) => {
      controller.abort();
      return h.send(t);
    };
    expect(await withRetry(send, { deadline: h.start + 10_000, policy: policy(), sleep: h.sleep, now: h.now, signal: controller.signal })).toMatchObject({ decision: "cancelled", attempts: 1 });
    const late = await withRetry(async () => ok, { deadline: h.start + 10_000, policy: policy(), sleep: h.sleep, now: h.now, signal: controller.signal });
    expect(late).toMatchObject({ decision: "cancelled", attempts: 0 });
    const raced = new AbortController();
    const r = await withRetry(async () => (raced.abort(), ok), { deadline: h.start + 10_000, policy: policy(), sleep: h.sleep, now: h.now, signal: raced.signal });
    expect(r.decision).toBe("done");
  });
});

describe("withRetry at its deadline", () => {
  /** An attempt that gets no answer: it ends when the deadline aborts it, as a transport's does. */
  const cutByDeadline = (_remaining: number, deadline: AbortSignal) =>
    new Promise<Outcome>((resolve) => deadline.addEventListener("abort", () => resolve({ kind: "network", code: "ETIMEDOUT", message: "aborted" }), { once: true }));

  function scripted(script: (Outcome | "hang")[]) {
    const h = harness([]);
    let n = 0;
    const send = (remaining: number, deadline: AbortSignal): Promise<Outcome> => {
      const next = script[n++] ?? "hang";
      return next === "hang" ? cutByDeadline(remaining, deadline) : Promise.resolve(next);
    };
    return { ...h, send };
  }

  it("gives the last answer as the reason, never the attempt the deadline cut, with how many attempts got it", async () => {
    const h = scripted([http(500), http(503), http(503), "hang"]);
    const r = await withRetry(h.send, { deadline: h.start + 400, policy: policy(() => 0.1), sleep: h.sleep, now: h.now });
    expect(r).toMatchObject({ decision: "timeout", attempts: 4, times: 2, outcome: { kind: "http", status: 503 } });
  });

  it("prefers an answer to a later network failure, and names a network failure when nothing ever answered", async () => {
    const answered = scripted([http(502), reset, "hang"]);
    expect(await withRetry(answered.send, { deadline: answered.start + 400, policy: policy(() => 0.1), sleep: answered.sleep, now: answered.now })).toMatchObject({
      decision: "timeout",
      times: 1,
      outcome: { status: 502 },
    });
    const unanswered = scripted([reset, reset, "hang"]);
    expect(await withRetry(unanswered.send, { deadline: unanswered.start + 400, policy: policy(() => 0.1), sleep: unanswered.sleep, now: unanswered.now })).toMatchObject({
      decision: "timeout",
      times: 2,
      outcome: { kind: "network", code: "ECONNRESET" },
    });
  });

  it("gives the cut attempt only when it was the only one, as no answer before the deadline", async () => {
    const h = scripted(["hang"]);
    const r = await withRetry(h.send, { deadline: h.start + 100, policy: policy(), sleep: h.sleep, now: h.now });
    expect(r).toMatchObject({ decision: "timeout", attempts: 1, times: 1, outcome: { kind: "network", code: "ETIMEDOUT" } });
  });
});

describe("sleep", () => {
  it("takes a wait past setTimeout's 2^31 ms range as that range, without a TimeoutOverflowWarning, and ends on abort", async () => {
    const seen = captureWarnings();
    try {
      const stop = new AbortController();
      let woke = false;
      const wait = sleep(3_000_000_000, stop.signal).then(() => (woke = true));
      // An overflowed timer fires after 1 ms; this one must still be waiting.
      await new Promise((r) => setTimeout(r, 50));
      expect(woke).toBe(false);
      stop.abort();
      await wait;
      await new Promise((r) => setImmediate(r));
      expect(seen.warnings.map((w) => w.name)).toEqual([]);
    } finally {
      seen.stop();
    }
  });

  it("shares one abort listener among any number of waits on a signal (no MaxListenersExceededWarning)", async () => {
    const seen = captureWarnings();
    try {
      const stop = new AbortController();
      const waits = Array.from({ length: 50 }, () => sleep(60_000, stop.signal));
      // Waits that end on their own leave nothing behind either.
      await Promise.all(Array.from({ length: 50 }, () => sleep(1, stop.signal)));
      stop.abort();
      await Promise.all(waits);
      await new Promise((r) => setImmediate(r));
      expect(seen.warnings.map((w) => w.name)).toEqual([]);
    } finally {
      seen.stop();
    }
  });
});
