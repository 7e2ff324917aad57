import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Agent, request } from "undici";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { call, insert, projectId } from "./helpers.js";

let lb: LocalBraintrust;
let id: string;
beforeAll(async () => {
  lb = await startLocalBraintrust();
  id = await projectId(lb, "faults");
});
afterEach(() => lb.setFault(undefined));
afterAll(() => lb.close());

const countRows = () => lb.rows("faults").length;

describe("fault injection", () => {
  it("fails inserts with the given statuses and Retry-After, storing nothing", async () => {
    lb.setFault({ failStatuses: [429], retryAfter: "7" });
    const before = { rows: countRows(), failed: lb.faults().failed };
    const res = await insert(lb, id, [{ input: 1 }]);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(countRows()).toBe(before.rows);
    expect(lb.faults().failed).toBe(before.failed + 1);
    expect(lb.requests.at(-1)).toMatchObject({ status: 429, fault: "fail" });
  });

  it("leaves other routes alone unless `routes` includes them", async () => {
    lb.setFault({ failStatuses: [500] });
    expect((await call(lb, "POST", "/v1/project", { name: "faults" })).status).toBe(200);
    expect((await call(lb, "GET", `/v1/project_logs/${id}/fetch`)).status).toBe(200);
    lb.setFault({ failStatuses: [500], routes: ["project", "fetch"] });
    expect((await call(lb, "POST", "/v1/project", { name: "faults" })).status).toBe(500);
    expect((await call(lb, "GET", `/v1/project_logs/${id}/fetch`)).status).toBe(500);
    expect((await insert(lb, id, [{ input: 1 }])).status).toBe(200);
  });

  it("fails a seeded share of requests, the same ones for the same seed", async () => {
    const run = async () => {
      lb.setFault({ failRate: 0.5, failStatuses: [500, 503], seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await insert(lb, id, [{ input: i }])).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(first.filter((s) => s !== 200).length).toBeGreaterThan(0);
    expect(new Set(first)).toEqual(new Set([200, 500, 503]));
  });

  it("resets the connection without answering", async () => {
    lb.setFault({ resetRate: 1 });
    const before = lb.faults().reset;
    await expect(insert(lb, id, [{ input: 1 }])).rejects.toThrow();
    expect(lb.faults().reset).toBe(before + 1);
    expect(lb.requests.at(-1)).toMatchObject({ status: 0, fault: "reset" });
  });

  it("answers 413 above maxBodyBytes, and only there", async () => {
    lb.setFault({ maxBodyBytes: 200 });
    expect((await insert(lb, id, [{ input: "small" }])).status).toBe(200);
    const before = countRows();
    expect((await insert(lb, id, [{ input: "x".repeat(300) }])).status).toBe(413);
    expect(countRows()).toBe(before);
    expect(lb.faults().tooLarge).toBeGreaterThan(0);
  });

  it("answers with garbage: a proxy's HTML 502, or a 200 that is not JSON", async () => {
    lb.setFault({ garbage: "html502" });
    const html = await insert(lb, id, [{ input: 1 }]);
    expect(html.status).toBe(502);
    expect(html.headers.get("content-type")).toContain("text/html");
    lb.setFault({ garbage: "invalid-json" });
    const broken = await insert(lb, id, [{ input: 1 }]);
    expect(broken.status).toBe(200);
    expect(() => JSON.parse(broken.text)).toThrow();
    expect(lb.faults().garbage).toBeGreaterThanOrEqual(2);
  });

  it("with failAfterStore, stores the rows and then fails or resets", async () => {
    lb.setFault({ failStatuses: [503], failAfterStore: true });
    expect((await insert(lb, id, [{ id: "stored-then-failed", input: 1 }])).status).toBe(503);
    lb.setFault({ resetRate: 1, failAfterStore: true });
    await expect(insert(lb, id, [{ id: "stored-then-reset", input: 2 }])).rejects.toThrow();
    const ids = lb.rows("faults").map((r) => r.id);
    expect(ids).toContain("stored-then-failed");
    expect(ids).toContain("stored-then-reset");
  });

  it("delays answers by delayMs", async () => {
    lb.setFault({ delayMs: 150 });
    const started = performance.now();
    expect((await insert(lb, id, [{ input: 1 }])).status).toBe(200);
    // A lower bound only: a slow machine makes this longer, never shorter.
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("hangs until the server goes down", async () => {
    lb.setFault({ hang: true });
    const before = lb.faults().hung;
    const pending = insert(lb, id, [{ input: 1 }]);
    const outcome = pending.then(
      () => "answered",
      () => "cut",
    );
    await waitFor(() => lb.faults().hung === before + 1);
    await lb.down();
    expect(await outcome).toBe("cut");
    await lb.up();
  });
});

describe("down and up", () => {
  it("refuses connections while down, and serves again on the same port with the same data", async () => {
    const url = lb.url;
    const rows = countRows();
    await lb.down();
    const dispatcher = new Agent();
    const err = await request(`${url}/v1/project`, { dispatcher }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).toBe("ECONNREFUSED");
    await lb.up();
    expect(lb.url).toBe(url);
    expect((await insert(lb, id, [{ input: "after" }])).status).toBe(200);
    expect(countRows()).toBe(rows + 1);
    await dispatcher.close();
  });
});

/** Polls `check` until it holds; the test's own timeout bounds the wait, not a count of polls. */
async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}
