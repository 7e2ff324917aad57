// Servers that answer in ways meant to hurt the host app: Retry-After of absurd sizes,
// redirects, acknowledgements that do not match, many retries waiting at once. The
// exporter stays bounded (requests per interval, listeners, timers) and says what is wrong.
import type { ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Delivery, type DeliveryOptions, MAX_DESTINATIONS } from "../../src/delivery/delivery.js";
import { resetLogState } from "../../src/log.js";
import { makeParent } from "../../src/config/parent.js";
import { acceptInsert, captureDiag, captureWarnings, configFor, event, json, type ScriptedServer, scriptedServer, trackUnhandled, until } from "./helpers.js";

const KEY = "sk-bounds-test-key";
let server: ScriptedServer | undefined;
let delivery: Delivery | undefined;
let unhandled: ReturnType<typeof trackUnhandled>;
let warnings: ReturnType<typeof captureWarnings>;

beforeEach(() => {
  resetLogState();
  unhandled = trackUnhandled();
  warnings = captureWarnings();
});

afterEach(async () => {
  await delivery?.shutdown();
  await server?.close();
  delivery = server = undefined;
  await new Promise((r) => setImmediate(r));
  unhandled.stop();
  warnings.stop();
  expect(unhandled.rejections).toEqual([]);
  // No TimeoutOverflowWarning, MaxListenersExceededWarning, or anything else on the app's
  // stderr but the exporter's own once-only lines (a hung API, rows given up on).
  const foreign = warnings.warnings.filter((w) => (w as { code?: string }).code !== "BRAINTRUST_OTEL");
  expect(foreign.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
});

function start(handler: (req: { path: string; body: string }, res: ServerResponse) => void, options: Record<string, unknown> = {}, knobs: DeliveryOptions = {}) {
  return scriptedServer(handler).then((s) => {
    server = s;
    const config = configFor({ apiKey: KEY, apiUrl: s.url, projectName: "bounds", scheduledDelayMillis: 10, ...options });
    delivery = new Delivery(config, { backoff: { baseDelayMs: 5, maxDelayMs: 20 }, ...knobs });
    return { delivery, parent: config.parent, server: s };
  });
}

const lookups = () => server!.seen.filter((r) => r.path === "/v1/project").length;

describe("Retry-After of any size", () => {
  it("past setTimeout's range: one lookup per capped interval, not one per millisecond", async () => {
    await start((_req, res) => json(res, 503, { error: "busy" }, { "retry-after": "3000000" }), {}, { backoff: { maxWaitMs: 2_000 } });
    await until(() => lookups() >= 1);
    await new Promise((r) => setTimeout(r, 400));
    expect(lookups()).toBe(1);
  });

  it("a day asked of a lookup is capped, so the exporter sees the API recover", async () => {
    let answered = 0;
    const { delivery: d, parent, server: s } = await start(
      (req, res) => {
        if (req.path === "/v1/project") {
          if (answered++ === 0) return json(res, 429, { error: "slow down" }, { "retry-after": "86400" });
          return json(res, 200, { id: "p-1", name: "bounds" });
        }
        acceptInsert(req as never, res);
      },
      {},
      { backoff: { maxWaitMs: 100 } },
    );
    // ready() says what the first attempt met; asked again, it settles with the retry's answer.
    await expect(d.ready()).rejects.toThrow(/answered HTTP 429 "slow down"; still retrying in the background/);
    await d.ready();
    d.enqueue(parent, event("after-recovery"));
    expect(await d.flush()).toEqual({ sent: 1, dropped: 0, pending: 0 });
    expect(s.seen.filter((r) => r.path === "/v1/project")).toHaveLength(2);
  });
});

describe("redirects", () => {
  it("are not followed; ready() and the diag line name where they point", async () => {
    const diag = captureDiag();
    try {
      const { delivery: d, server: s } = await start((_req, res) => {
        res.writeHead(308, { location: "https://api.example.test/v1/project" });
        res.end();
      });
      await expect(d.ready()).rejects.toThrow(/redirect to https:\/\/api\.example\.test\/v1\/project.*set apiUrl/);
      expect(diag.messages.join("\n")).toMatch(/redirect to https:\/\/api\.example\.test\/v1\/project/);
      expect(s.seen).toHaveLength(1);
    } finally {
      diag.stop();
    }
  });
});

describe("acknowledgements", () => {
  it("a 200 whose row_ids do not match the rows sent is reported, in diag and stats().lastError", async () => {
    const diag = captureDiag();
    try {
      const { delivery: d } = await start(
        (req, res) => (req.path.endsWith("/insert") ? json(res, 200, { row_ids: ["only-one"] }) : json(res, 200, { id: "p-1" })),
        { projectId: "p-1", projectName: undefined },
      );
      const parent = makeParent("project_id", "p-1");
      for (const id of ["a", "b", "c"]) d.enqueue(parent, event(id));
      await d.flush();
      expect(d.stats().lastError).toMatch(/acknowledged 1 row ids for 3 rows sent/);
      expect(diag.messages.join("\n")).toMatch(/acknowledged 1 row ids for 3 rows sent.*check that apiUrl/);
    } finally {
      diag.stop();
    }
  });
});

describe("many retries waiting at once", () => {
  it("30 batches in backoff share one abort listener: no MaxListenersExceededWarning, and shutdown ends them all", async () => {
    const { delivery: d, server: s } = await start(
      (_req, res) => json(res, 503, { error: "down" }),
      { projectId: "p-0", projectName: undefined, maxConcurrentRequests: 16, exportTimeoutMillis: 2_000 },
      { backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 } },
    );
    for (let i = 0; i < 30; i++) d.enqueue(makeParent("project_id", `p-${i}`), event(`row-${i}`));
    await until(() => s.seen.length >= 30);
    await d.shutdown();
    const { dropped } = d.stats();
    expect(dropped.shutdown + dropped.timeout).toBe(30);
  });
});

describe("destinations that come and go", () => {
  it(`keeps at most ${MAX_DESTINATIONS}: the least recently used is forgotten, its rows counted, one diag line says so`, async () => {
    const diag = captureDiag();
    try {
      // The API never answers: every lookup waits, as in an outage.
      const { delivery: d, parent } = await start(() => {}, { exportTimeoutMillis: 1_000 });
      d.enqueue(parent, event("default-row"));
      const names = Array.from({ length: MAX_DESTINATIONS + 100 }, (_, i) => makeParent("project_name", `tenant-${i}`));
      d.enqueue(names[0]!, event("tenant-0-first"));
      for (const [i, name] of names.entries()) {
        d.enqueue(name, event(`tenant-${i}`));
        // tenant-0 stays in use, so it is never the least recently used.
        if (i % 50 === 0) d.enqueue(names[0]!, event(`tenant-0-again-${i}`));
      }
      const { queued, dropped } = d.stats();
      // The default destination and the 999 most recently used names are kept; 101 names were
      // forgotten with their one row each.
      expect(dropped.queueFull).toBe(101);
      expect(queued).toBe(1 + 24 + (MAX_DESTINATIONS - 2)); // default + tenant-0 (first, own, 22 again) + the rest
      const lines = diag.messages.filter((m) => m.includes("destinations in use"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/forgot the least recently used, project_name:tenant-1, and dropped its 1 queued rows/);
    } finally {
      diag.stop();
    }
  });
});
