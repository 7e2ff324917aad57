import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { call, insert, projectId } from "./helpers.js";

let lb: LocalBraintrust;
beforeAll(async () => {
  lb = await startLocalBraintrust();
});
afterAll(() => lb.close());

describe("startLocalBraintrust", () => {
  it("listens on loopback with a generated key", () => {
    expect(lb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lb.apiKey).toMatch(/^sk-local-[0-9a-f]{32}$/);
  });

  it("uses the key and port it is given", async () => {
    const other = await startLocalBraintrust({ apiKey: "sk-chosen" });
    try {
      expect(other.apiKey).toBe("sk-chosen");
      expect((await call(other, "GET", "/v1/project", undefined, "sk-chosen")).status).toBe(200);
      const port = Number(new URL(other.url).port);
      await other.close();
      const again = await startLocalBraintrust({ port, apiKey: "sk-chosen" });
      expect(again.url).toBe(other.url);
      await again.close();
    } finally {
      await other.close();
    }
  });
});

describe("auth", () => {
  it("answers 401 with a JSON message for a missing, malformed or wrong key", async () => {
    for (const key of [null, "sk-wrong"]) {
      const res = await call(lb, "POST", "/v1/project", { name: "p" }, key);
      expect(res.status).toBe(401);
      expect(res.json.message).toMatch(/Authorization header|Invalid API key/);
    }
    const res = await fetch(`${lb.url}/v1/project`, { headers: { authorization: lb.apiKey } });
    expect(res.status).toBe(401);
    expect(lb.projects().map((p) => p.name)).not.toContain("p");
  });

  it("accepts the bearer scheme in any case", async () => {
    const res = await fetch(`${lb.url}/v1/project`, { headers: { authorization: `bearer ${lb.apiKey}` } });
    expect(res.status).toBe(200);
  });
});

describe("projects", () => {
  it("creates a project once and returns it unchanged afterwards", async () => {
    const first = await call(lb, "POST", "/v1/project", { name: "create-or-get", description: "d" });
    const second = await call(lb, "POST", "/v1/project", { name: "create-or-get", org_name: "any org" });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ name: "create-or-get", description: "d" });
    expect(first.json.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.json).toEqual(first.json);
    expect(lb.projects().filter((p) => p.name === "create-or-get")).toHaveLength(1);
  });

  it("rejects a body without a non-empty name", async () => {
    for (const body of [{}, { name: "" }, { name: 3 }, [], "null", { name: "x", description: 1 }]) {
      const res = await call(lb, "POST", "/v1/project", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.message).toMatch(/Invalid request/);
    }
  });

  it("lists by name and gets by id", async () => {
    const id = await projectId(lb, "listed");
    const byName = await call(lb, "GET", "/v1/project?project_name=listed&org_name=whatever");
    expect(byName.json.objects.map((p: { id: string }) => p.id)).toEqual([id]);
    const none = await call(lb, "GET", "/v1/project?project_name=never-created");
    expect(none.json).toEqual({ objects: [] });
    expect((await call(lb, "GET", `/v1/project/${id}`)).json.id).toBe(id);
    expect((await call(lb, "GET", "/v1/project/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect(lb.projects().some((p) => p.name === "never-created")).toBe(false);
  });
});

describe("insert", () => {
  it("stores events and returns their row ids in order, generating missing ids", async () => {
    const id = await projectId(lb, "insert-order");
    const res = await insert(lb, id, [{ id: "a", input: 1 }, { input: 2 }, { id: "c", input: 3 }]);
    expect(res.status).toBe(200);
    expect(res.json.row_ids).toHaveLength(3);
    expect(res.json.row_ids[0]).toBe("a");
    expect(res.json.row_ids[2]).toBe("c");
    const rows = lb.rows("insert-order");
    expect(rows.map((r) => r.id)).toEqual(res.json.row_ids);
    expect(rows.map((r) => r.input)).toEqual([1, 2, 3]);
    for (const row of rows) {
      expect(row).toMatchObject({ project_id: id, log_id: "g" });
      expect(row._xact_id).toMatch(/^\d+$/);
      expect(Number.isNaN(Date.parse(row.created))).toBe(false);
      expect(row.root_span_id).toBe(row.span_id);
    }
  });

  it("replaces a row written again with the same id, keeping its place", async () => {
    const id = await projectId(lb, "replace");
    await insert(lb, id, [{ id: "r1", input: { a: 1, b: 2 } }, { id: "r2", input: "two" }]);
    await insert(lb, id, [{ id: "r1", input: { b: 3 } }]);
    const rows = lb.rows("replace");
    expect(rows.map((r) => r.id)).toEqual(["r1", "r2"]);
    expect(rows[0]!.input).toEqual({ b: 3 });
  });

  it("deep-merges `_is_merge` rows and keeps the control fields out of the stored row", async () => {
    const id = await projectId(lb, "merge");
    await insert(lb, id, [
      { id: "m", span_id: "s", root_span_id: "s", input: { a: 5, b: 10 }, metrics: { start: 1 }, tags: ["x", "y"] },
    ]);
    await insert(lb, id, [{ id: "m", _is_merge: true, input: { b: 11, c: 20 }, metrics: { end: 2 }, tags: ["z"] }]);
    const [row] = lb.rows("merge");
    expect(row).toMatchObject({ input: { a: 5, b: 11, c: 20 }, metrics: { start: 1, end: 2 }, tags: ["z"], span_id: "s" });
    expect(row).not.toHaveProperty("_is_merge");
  });

  it("honours `_merge_paths`, `_array_delete` and `_object_delete`", async () => {
    const id = await projectId(lb, "merge-paths");
    await insert(lb, id, [{ id: "f", input: { a: { b: 10 }, c: { d: 20 } }, output: { a: 20 }, tags: ["foo", "bar", "baz"] }]);
    await insert(lb, id, [
      {
        id: "f",
        _is_merge: true,
        _merge_paths: [["input", "a"], ["output"]],
        _array_delete: [{ path: ["tags"], delete: ["foo", "bar"] }],
        input: { a: { q: 30 }, c: { e: 30 }, bar: "baz" },
        output: { d: 40 },
      },
    ]);
    expect(lb.rows("merge-paths")[0]).toMatchObject({
      input: { a: { q: 30 }, c: { d: 20, e: 30 }, bar: "baz" },
      output: { d: 40 },
      tags: ["baz"],
    });
    await insert(lb, id, [{ id: "f", _object_delete: true }]);
    expect(lb.rows("merge-paths")).toEqual([]);
  });

  it("rejects an invalid event with 400 naming the problem, and stores nothing from that request", async () => {
    const id = await projectId(lb, "invalid");
    const cases: [unknown, RegExp][] = [
      [{ metrics: { cost: null } }, /\/events\/1\/metrics\/cost: must be number/],
      [{ metrics: { prompt_tokens: 1.5 } }, /\/events\/1\/metrics\/prompt_tokens: must be integer/],
      [{ span_attributes: { type: "banana" } }, /\/events\/1\/span_attributes\/type: must be one of/],
      [{ scores: { s: 2 } }, /\/events\/1\/scores\/s: must be between 0 and 1/],
      [{ tags: "a" }, /\/events\/1\/tags: must be array/],
      [{ _parent_id: "x" }, /\/events\/1\/_parent_id: is deprecated/],
    ];
    for (const [bad, message] of cases) {
      const res = await insert(lb, id, [{ id: "good" }, bad]);
      expect(res.status).toBe(400);
      expect(res.json.message).toMatch(message);
    }
    expect((await call(lb, "POST", `/v1/project_logs/${id}/insert`, { rows: [] })).status).toBe(400);
    expect(lb.rows("invalid")).toEqual([]);
  });

  it("answers 404 for an unknown project", async () => {
    const res = await insert(lb, "00000000-0000-4000-8000-000000000000", [{ input: 1 }]);
    expect(res.status).toBe(404);
  });

  it("stores rows of an experiment with its project, and answers 404 for an unknown one", async () => {
    const experiment = lb.createExperiment("experiment-rows", "run-1");
    const res = await call(lb, "POST", `/v1/experiment/${experiment.id}/insert`, { events: [{ id: "e", scores: { acc: 1 } }] });
    expect(res.json).toEqual({ row_ids: ["e"] });
    expect(lb.experimentRows(experiment.id)).toMatchObject([
      { id: "e", experiment_id: experiment.id, project_id: experiment.project_id, scores: { acc: 1 } },
    ]);
    const unknown = "00000000-0000-4000-8000-000000000000";
    for (const [method, path] of [["POST", "insert"], ["POST", "fetch"], ["GET", "fetch"]] as const) {
      const answer = await call(lb, method, `/v1/experiment/${unknown}/${path}`, method === "POST" ? { events: [{ id: "x" }] } : undefined);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.json.message).toBe(`No experiment with id ${unknown}`);
    }
    expect(lb.experimentRows(unknown)).toEqual([]);
  });
});

describe("http plumbing", () => {
  it("answers 400 to a body that is not JSON, 404 to unknown routes, 405 to a wrong method", async () => {
    const id = await projectId(lb, "plumbing");
    expect((await call(lb, "POST", `/v1/project_logs/${id}/insert`, "{not json")).status).toBe(400);
    // As the API does: one row that is not JSON inside refuses the request, its valid neighbours too.
    const badRow = await call(lb, "POST", `/v1/project_logs/${id}/insert`, '{"events":[{"id":"ok","input":1},{"id":"bad","input":["\\x"]}]}');
    expect(badRow.status).toBe(400);
    expect(badRow.json.message).toMatch(/^Invalid JSON body/);
    expect(lb.rows("plumbing")).toEqual([]);
    expect((await call(lb, "GET", "/v1/nothing")).status).toBe(404);
    expect((await call(lb, "GET", "/elsewhere", undefined, null)).status).toBe(404);
    const wrong = await call(lb, "DELETE", "/v1/project");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST, GET");
  });

  it("answers 413 to a body over the size limit, after reading it", async () => {
    const small = await startLocalBraintrust({ maxRequestBytes: 1000 });
    try {
      const id = await projectId(small, "big");
      const res = await insert(small, id, [{ input: "x".repeat(2000) }]);
      expect(res.status).toBe(413);
      expect(small.rows("big")).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it("records every request with the key redacted, and no body when the key is wrong", async () => {
    const before = lb.requests.length;
    await call(lb, "POST", "/v1/project", { name: "recorded" }, "sk-secret-value");
    await call(lb, "POST", "/v1/project", "{broken");
    await call(lb, "POST", "/v1/project", { name: "recorded" });
    const [unauthorized, broken, created] = lb.requests.slice(before);
    expect(unauthorized).toMatchObject({
      method: "POST",
      path: "/v1/project",
      status: 401,
      body: undefined,
      bytes: 0,
      headers: { authorization: "Bearer ***" },
    });
    expect(created).toMatchObject({ status: 200, body: { name: "recorded" }, bytes: Buffer.byteLength('{"name":"recorded"}') });
    expect(JSON.stringify(lb.requests)).not.toContain("sk-secret-value");
    expect(JSON.stringify(lb.requests)).not.toContain(lb.apiKey);
    expect(broken).toMatchObject({ status: 400, body: "{broken" });
  });
});

describe("onRequest", () => {
  it("reports each request once it is answered", async () => {
    const seen: string[] = [];
    const watched = await startLocalBraintrust({ onRequest: (r) => seen.push(`${r.method} ${r.path} ${r.status}`) });
    try {
      await projectId(watched, "watched");
      await call(watched, "GET", "/v1/project", undefined, "sk-wrong");
      expect(seen).toEqual(["POST /v1/project 200", "GET /v1/project 401"]);
    } finally {
      await watched.close();
    }
  });

  it("still reports, but keeps nothing, with recordRequests: false", async () => {
    const seen: number[] = [];
    const quiet = await startLocalBraintrust({ recordRequests: false, onRequest: (r) => seen.push(r.status) });
    try {
      await projectId(quiet, "unrecorded");
      expect(seen).toEqual([200]);
      expect(quiet.requests).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});

describe("fetch", () => {
  // Three traces written oldest first: t1 (two spans), t2, t3 (two spans).
  async function seed(name: string): Promise<string> {
    const id = await projectId(lb, name);
    await insert(lb, id, [
      { id: "t1-root", span_id: "t1", root_span_id: "t1" },
      { id: "t1-child", span_id: "t1c", root_span_id: "t1", span_parents: ["t1"] },
    ]);
    await insert(lb, id, [{ id: "t2-root", span_id: "t2", root_span_id: "t2" }]);
    await insert(lb, id, [
      { id: "t3-root", span_id: "t3", root_span_id: "t3" },
      { id: "t3-child", span_id: "t3c", root_span_id: "t3", span_parents: ["t3"] },
    ]);
    return id;
  }

  it("pages whole traces, newest first, until the empty page after the last", async () => {
    const id = await seed("fetch-pages");
    const first = await call(lb, "GET", `/v1/project_logs/${id}/fetch?limit=2`);
    expect(first.status).toBe(200);
    expect(new Set(first.json.events.map((e: { root_span_id: string }) => e.root_span_id))).toEqual(new Set(["t3", "t2"]));
    expect(first.json.events).toHaveLength(3);
    expect(typeof first.json.cursor).toBe("string");

    const second = await call(lb, "POST", `/v1/project_logs/${id}/fetch`, { limit: 2, cursor: first.json.cursor });
    expect(second.json.events.map((e: { id: string }) => e.id).sort()).toEqual(["t1-child", "t1-root"]);
    // Every page with rows carries a cursor; the one after the last is empty and has none.
    expect(typeof second.json.cursor).toBe("string");
    const third = await call(lb, "POST", `/v1/project_logs/${id}/fetch`, { limit: 2, cursor: second.json.cursor });
    expect(third.json).toEqual({ events: [] });
  });

  it("keeps its place when rows arrive between pages", async () => {
    const id = await seed("fetch-stable");
    const first = await call(lb, "GET", `/v1/project_logs/${id}/fetch?limit=1`);
    await insert(lb, id, [{ id: "t4-root", span_id: "t4", root_span_id: "t4" }]);
    const second = await call(lb, "GET", `/v1/project_logs/${id}/fetch?limit=1&cursor=${first.json.cursor}`);
    expect(second.json.events.map((e: { id: string }) => e.id)).toEqual(["t2-root"]);
  });

  it("returns everything without a limit, and rejects bad limits and cursors", async () => {
    const id = await seed("fetch-all");
    const all = await call(lb, "POST", `/v1/project_logs/${id}/fetch`);
    expect(all.json.events).toHaveLength(5);
    expect((await call(lb, "POST", `/v1/project_logs/${id}/fetch`, { cursor: all.json.cursor })).json).toEqual({ events: [] });
    expect((await call(lb, "GET", `/v1/project_logs/${id}/fetch?limit=0`)).status).toBe(400);
    expect((await call(lb, "GET", `/v1/project_logs/${id}/fetch?limit=abc`)).status).toBe(400);
    expect((await call(lb, "GET", `/v1/project_logs/${id}/fetch?cursor=nope`)).status).toBe(400);
    expect((await call(lb, "GET", "/v1/project_logs/00000000-0000-4000-8000-000000000000/fetch")).status).toBe(404);
  });
});
