import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describe as describeOutcome } from "../../src/delivery/classify.js";
import { DestinationResolver } from "../../src/delivery/destination.js";
import { Limiter } from "../../src/delivery/limiter.js";
import type { Outcome } from "../../src/delivery/retry.js";
import { Transport } from "../../src/delivery/transport.js";
import { makeParent, type Parent } from "../../src/config/parent.js";
import { scriptedServer, until } from "./helpers.js";

let server: LocalBraintrust;
let transport: Transport;

beforeEach(async () => {
  server = await startLocalBraintrust();
});

afterEach(async () => {
  await transport?.close();
  await server.close();
});

function resolver(apiKey = server.apiKey, orgName?: string, onRetry?: (parent: unknown, outcome: Outcome) => void) {
  transport = new Transport({ apiUrl: server.url, apiKey, headers: {}, maxConcurrent: 2 });
  return new DestinationResolver(transport, {
    limiter: new Limiter({ max: 16 }),
    orgName,
    policy: { baseDelayMs: 10, maxDelayMs: 50, maxWaitMs: 60_000, random: () => 0.5 },
    attemptTimeoutMs: 2_000,
    url: server.url,
    onRetry,
  });
}

const projectCalls = () => server.requests.filter((r) => r.path === "/v1/project");

describe("DestinationResolver", () => {
  it("resolves a project name once, however many ask at the same time", async () => {
    const r = resolver();
    const parent = makeParent("project_name", "checkout");
    const answers = await Promise.all([r.resolve(parent), r.resolve(parent), r.resolve(makeParent("project_name", "checkout"))]);
    const { id, org_id: orgId } = server.projects().find((p) => p.name === "checkout")!;
    for (const a of answers) expect(a).toEqual({ ok: true, insertPath: `/v1/project_logs/${id}/insert`, label: `project "checkout" (id ${id})`, orgId });
    expect(await r.resolve(parent)).toEqual(answers[0]);
    expect(r.peek(parent)).toEqual(answers[0]);
    expect(projectCalls()).toHaveLength(1);
  });

  it("sends org_name when configured", async () => {
    await resolver(server.apiKey, "acme").resolve(makeParent("project_name", "p"));
    expect(projectCalls()[0]!.body).toEqual({ name: "p", org_name: "acme" });
  });

  it("verifies a project id with GET /v1/project/{id}; an experiment id needs no request", async () => {
    const r = resolver();
    await r.resolve(makeParent("project_name", "by-id"));
    const { id } = server.projects().find((p) => p.name === "by-id")!;
    expect(await r.resolve(makeParent("project_id", id))).toMatchObject({ ok: true, insertPath: `/v1/project_logs/${id}/insert`, label: `project "by-id" (id ${id})` });
    expect(server.requests.slice(1).map((q) => `${q.method} ${q.path}`)).toEqual([`GET /v1/project/${id}`]);
    expect(await r.resolve(makeParent("experiment_id", "e1"))).toMatchObject({ ok: true, insertPath: "/v1/experiment/e1/insert" });
    expect(server.requests).toHaveLength(2);
  });

  it("fails for good on an unknown project id, naming the id and the setting", async () => {
    const result = await resolver().resolve(makeParent("project_id", "no-such-id"));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBe(
      `no project with id no-such-id (404 Not Found at ${server.url}): check BRAINTRUST_PROJECT_ID (the projectId option), or use projectName / BRAINTRUST_PROJECT`,
    );
    expect(server.requests).toHaveLength(1);
  });

  it("keeps retrying while the API fails, then resolves", async () => {
    server.setFault({ routes: ["project"], failRate: 1, failStatuses: [503] });
    const retries: number[] = [];
    const r = resolver(server.apiKey, undefined, (_p, o) => retries.push(o.kind === "http" ? o.status : 0));
    const pending = r.resolve(makeParent("project_name", "later"));
    await until(() => retries.length >= 2); // two 503s answered, a third attempt to come
    expect(r.peek(makeParent("project_name", "later"))).toBeUndefined();
    server.setFault(undefined);
    expect((await pending).ok).toBe(true);
    expect(projectCalls().length).toBeGreaterThan(2);
    expect(retries.length).toBe(projectCalls().length - 1);
    expect(new Set(retries)).toEqual(new Set([503]));
  });

  it("fails for good on 401 with a message that names the project but not the key", async () => {
    const badKey = "sk-definitely-wrong-key-123";
    const r = resolver(badKey);
    const result = await r.resolve(makeParent("project_name", "secret-project"));
    expect(result.ok).toBe(false);
    const message = !result.ok ? result.message : "";
    expect(message).toMatch(/API key was rejected \(401 Unauthorized\)/);
    expect(message).toContain('project "secret-project"');
    expect(message).not.toContain(badKey);
    expect(projectCalls()).toHaveLength(1);
  });

  it("stops retrying on close()", async () => {
    server.setFault({ routes: ["project"], failRate: 1, failStatuses: [503] });
    const r = resolver();
    const pending = r.resolve(makeParent("project_name", "never"));
    await until(() => projectCalls().length >= 1);
    r.close();
    const result = await pending;
    expect(result).toEqual({ ok: false, message: 'shut down before project "never" was resolved', stopped: true });
  });
});

describe("describeOutcome", () => {
  it("quotes the server's message from a JSON error body, or the text itself", () => {
    expect(describeOutcome({ kind: "http", status: 400, body: '{"error":"events.0.metrics.tokens: must be integer"}' })).toBe(
      'HTTP 400 "events.0.metrics.tokens: must be integer"',
    );
    expect(describeOutcome({ kind: "http", status: 502, body: "<html>\n <h1>Bad Gateway</h1>" })).toBe('HTTP 502 "<html> <h1>Bad Gateway</h1>"');
    expect(describeOutcome({ kind: "network", code: "ECONNREFUSED", message: "connect ECONNREFUSED" })).toBe("ECONNREFUSED: connect ECONNREFUSED");
  });
});

describe("lookups under way at once", () => {
  it("each lookup request waits for a slot in the limiter; one forgotten while it waits sends nothing", async () => {
    transport = new Transport({ apiUrl: server.url, apiKey: server.apiKey, headers: {}, maxConcurrent: 16 });
    const limiter = new Limiter({ max: 1, initial: 1 });
    let free!: () => void;
    const holding = limiter.run(() => new Promise<Outcome>((done) => (free = () => done({ kind: "ok", status: 200, body: "{}" }))));
    const r = new DestinationResolver(transport, { limiter, orgName: undefined, policy: { baseDelayMs: 10, maxDelayMs: 50, maxWaitMs: 60_000, random: () => 0.5 }, attemptTimeoutMs: 2_000 });
    const waiting = makeParent("project_name", "waits-for-a-slot");
    const settled = r.resolve(waiting);
    r.forget(waiting);
    expect(await settled).toMatchObject({ ok: false, stopped: true });
    const next = r.resolve(makeParent("project_name", "gets-the-slot"));
    free();
    await holding;
    expect(await next).toMatchObject({ ok: true });
    // Only the second name's lookup reached the API: the first never got a slot.
    expect(projectCalls().map((q) => (q.body as { name: string }).name)).toEqual(["gets-the-slot"]);
  });

  it("at most maxLookups run; queued names send nothing, and forgetting one settles it at once", async () => {
    const hung = await scriptedServer(() => {}); // never answers
    const t = new Transport({ apiUrl: hung.url, apiKey: "sk-x", headers: {}, maxConcurrent: 16 });
    const r = new DestinationResolver(t, { limiter: new Limiter({ max: 16 }), orgName: undefined, policy: { baseDelayMs: 10, maxDelayMs: 50, maxWaitMs: 60_000, random: () => 0.5 }, attemptTimeoutMs: 5_000, maxLookups: 2 });
    try {
      const names = Array.from({ length: 10 }, (_, i) => makeParent("project_name", `tenant-${i}`));
      const settled = names.map((p) => r.resolve(p));
      await until(() => hung.seen.length >= 2);
      expect(hung.seen.length).toBe(2);
      r.forget(names[5]!);
      expect(await settled[5]).toMatchObject({ ok: false, stopped: true });
      r.close();
      for (const answer of await Promise.all(settled)) expect(answer).toMatchObject({ ok: false, stopped: true });
      expect(hung.seen.length).toBe(2);
    } finally {
      await t.close();
      await hung.close();
    }
  });

  it("tells onResolved each answer once and never synchronously; a name forgotten while queued or looked up hears nothing", async () => {
    const hung = await scriptedServer(() => {}); // never answers
    const t = new Transport({ apiUrl: hung.url, apiKey: "sk-x", headers: {}, maxConcurrent: 16 });
    const told: string[] = [];
    const r = new DestinationResolver(t, {
      limiter: new Limiter({ max: 16 }),
      orgName: undefined,
      policy: { baseDelayMs: 10, maxDelayMs: 50, maxWaitMs: 60_000, random: () => 0.5 },
      attemptTimeoutMs: 1_000,
      maxLookups: 1,
      onResolved: (parent, resolution) => told.push(`${parent.key}: ${resolution.ok ? "ok" : resolution.message}`),
    });
    try {
      const [a, b, c] = ["a", "b", "c"].map((name) => makeParent("project_name", name)) as [Parent, Parent, Parent];
      for (const parent of [a, a, b, c, makeParent("experiment_id", "e1")]) r.request(parent);
      expect(told).toEqual([]);
      await until(() => hung.seen.length >= 1);
      expect(hung.seen.length).toBe(1); // a's lookup; the others wait their turn
      r.forget(a); // looked up: its attempt still runs, then ends without a word
      r.forget(b); // queued: never looked up
      await until(() => hung.seen.length >= 2); // c's, once a's attempt timed out
      expect(told).toEqual([]);
      expect(hung.seen.length).toBe(2);
      r.close();
      await until(() => told.length >= 2);
      // The queued one at once, the one looked up when its attempt stops.
      expect(told).toEqual(['experiment_id:e1: shut down before project "e1" was resolved', 'project_name:c: shut down before project "c" was resolved']);
    } finally {
      await t.close();
      await hung.close();
    }
  });

  it("an answer already known is told again to a new request, after the call returns", async () => {
    transport = new Transport({ apiUrl: server.url, apiKey: server.apiKey, headers: {}, maxConcurrent: 16 });
    const told: string[] = [];
    const r = new DestinationResolver(transport, { limiter: new Limiter({ max: 16 }), orgName: undefined, policy: { baseDelayMs: 10, maxDelayMs: 50, maxWaitMs: 60_000, random: () => 0.5 }, attemptTimeoutMs: 2_000, onResolved: (parent, res) => told.push(`${parent.key} ${res.ok}`) });
    const parent = makeParent("project_name", "known");
    expect(await r.resolve(parent)).toMatchObject({ ok: true });
    expect(told).toEqual(["project_name:known true"]);
    r.request(parent);
    expect(told).toHaveLength(1);
    await Promise.resolve();
    expect(told).toEqual(["project_name:known true", "project_name:known true"]);
    expect(projectCalls()).toHaveLength(1);
  });

  it("queued names are all resolved in turn", async () => {
    transport = new Transport({ apiUrl: server.url, apiKey: server.apiKey, headers: {}, maxConcurrent: 16 });
    const r = new DestinationResolver(transport, { limiter: new Limiter({ max: 16 }), orgName: undefined, policy: { baseDelayMs: 10, maxDelayMs: 50, maxWaitMs: 60_000, random: () => 0.5 }, attemptTimeoutMs: 2_000, maxLookups: 2 });
    const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => r.resolve(makeParent("project_name", `p-${i}`))));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(projectCalls()).toHaveLength(9);
  });
});
