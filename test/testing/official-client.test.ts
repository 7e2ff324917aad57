// The local server driven by the official TypeScript REST client, `@braintrust/api`,
// through the REST guide's flows: projects, logs, experiments and the client's typed errors.
import Braintrust from "@braintrust/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor } from "braintrust-otel-exporter";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { providerWith } from "../helpers/tracing.js";

let lb: LocalBraintrust;
let client: Braintrust;
beforeAll(async () => {
  lb = await startLocalBraintrust();
  // No retries: a wrong answer must show up as the error it is, not as a slow test.
  client = new Braintrust({ apiKey: lb.apiKey, baseURL: lb.url, maxRetries: 0, timeout: 10_000 });
});
afterAll(() => lb.close());

/** The rejection of `promise`, which must reject. */
async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof Braintrust.APIError>> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Braintrust.APIError);
    return err as InstanceType<typeof Braintrust.APIError>;
  }
  throw new Error("expected the request to fail");
}

describe("projects", () => {
  it("creates a project once and gets the same one after", async () => {
    const first = await client.project.create({ name: "client-create" });
    const again = await client.project.create({ name: "client-create", org_name: "any org" });
    expect(again).toEqual(first);
    expect(await client.project.retrieve(first.id)).toEqual(first);
  });

  it("lists every project once with auto-pagination, newest first", async () => {
    const names = Array.from({ length: 7 }, (_, i) => `client-list-${i}`);
    for (const name of names) await client.project.create({ name });
    const seen: string[] = [];
    for await (const project of client.project.list({ limit: 3 })) {
      seen.push(project.name);
      if (seen.length > 100) throw new Error("auto-pagination does not end");
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((n) => n.startsWith("client-list-"))).toEqual([...names].reverse());
    expect(seen).toEqual(lb.projects().map((p) => p.name));

    const page = await client.project.list({ limit: 2 });
    expect(page.objects).toHaveLength(2);
    const next = await page.getNextPage();
    expect(next.objects[0]!.id).not.toBe(page.objects[1]!.id);
    expect((await client.project.list({ project_name: "client-list-3" })).objects.map((p) => p.name)).toEqual(["client-list-3"]);
  });

  it("updates and deletes a project", async () => {
    const project = await client.project.create({ name: "client-patch" });
    const renamed = await client.project.update(project.id, { name: "client-patched" });
    expect(renamed).toMatchObject({ id: project.id, name: "client-patched", created: project.created });
    expect((await client.project.retrieve(project.id)).name).toBe("client-patched");

    const deleted = await client.project.delete(project.id);
    expect(deleted.id).toBe(project.id);
    expect(typeof deleted.deleted_at).toBe("string");
    expect((await failure(client.project.retrieve(project.id))).status).toBe(404);
    expect((await client.project.list({ project_name: "client-patched" })).objects).toEqual([]);
    // The name is free again: create-or-get makes a new project.
    expect((await client.project.create({ name: "client-patched" })).id).not.toBe(project.id);
  });
});

describe("project logs", () => {
  // Five traces written one after the other; the third has three spans.
  async function seed(name: string): Promise<string> {
    const { id } = await client.project.create({ name });
    for (let t = 0; t < 5; t++) {
      const spans = t === 2 ? 3 : 1;
      const events = Array.from({ length: spans }, (_, s) => ({
        id: `${name}-t${t}-s${s}`,
        span_id: `t${t}-s${s}`,
        root_span_id: `t${t}-s0`,
        ...(s > 0 ? { span_parents: [`t${t}-s0`] } : {}),
        input: { t, s },
      }));
      await client.project.logs.insert(id, { events: events as never });
    }
    return id;
  }
  const allIds = (name: string) => [0, 1, 2, 3, 4].flatMap((t) => (t === 2 ? [0, 1, 2] : [0]).map((s) => `${name}-t${t}-s${s}`));

  it("inserts rows and returns their ids", async () => {
    const { id } = await client.project.create({ name: "client-insert" });
    const res = await client.project.logs.insert(id, { events: [{ id: "a", input: "hi" }, { input: "no id" }] });
    expect(res.row_ids[0]).toBe("a");
    expect(res.row_ids).toHaveLength(2);
    const rows = (await client.project.logs.fetch(id)).events;
    expect(rows.map((r) => r.id).sort()).toEqual([...res.row_ids].sort());
    for (const row of rows) expect(row).toMatchObject({ project_id: id, log_id: "g", org_id: expect.any(String) });
  });

  it("pages with fetchPost and the cursor until the empty page, each row once", async () => {
    const id = await seed("client-post");
    const seen: string[] = [];
    let cursor: string | null | undefined;
    for (let pages = 0; ; pages++) {
      if (pages > 20) throw new Error("paging does not end");
      const page = await client.project.logs.fetchPost(id, { limit: 2, cursor });
      if (page.events.length === 0) {
        expect(page.cursor).toBeUndefined();
        break;
      }
      // Whole traces: a page never holds part of one.
      expect(new Set(page.events.map((e) => e.root_span_id)).size).toBeLessThanOrEqual(2);
      expect(typeof page.cursor).toBe("string");
      seen.push(...page.events.map((e) => e.id));
      cursor = page.cursor;
    }
    expect(seen.sort()).toEqual(allIds("client-post").sort());
  });

  it("pages with the GET form's max_xact_id / max_root_span_id until the empty page, each row once", async () => {
    const id = await seed("client-get");
    const seen: string[] = [];
    let position: { max_xact_id: string; max_root_span_id: string } | undefined;
    for (let pages = 0; ; pages++) {
      if (pages > 20) throw new Error("paging does not end");
      const page = await client.project.logs.fetch(id, { limit: 2, ...position });
      if (page.events.length === 0) break;
      seen.push(...page.events.map((e) => e.id));
      // The spec's recipe: the next page starts below the page's smallest (_xact_id, root_span_id).
      const last = [...page.events].sort((a, b) => Number(a._xact_id) - Number(b._xact_id) || a.root_span_id.localeCompare(b.root_span_id))[0]!;
      position = { max_xact_id: last._xact_id, max_root_span_id: last.root_span_id };
    }
    expect(seen.sort()).toEqual(allIds("client-get").sort());
  });

  it("merges (with _merge_paths) and deletes rows", async () => {
    const { id } = await client.project.create({ name: "client-merge" });
    await client.project.logs.insert(id, { events: [{ id: "m", input: { a: 1, b: { c: 2 } }, metadata: { keep: true } }, { id: "gone" }] });
    await client.project.logs.insert(id, {
      events: [
        { id: "m", _is_merge: true, input: { b: { d: 3 } }, _merge_paths: [["metadata"]], metadata: { only: 1 } },
        { id: "gone", _object_delete: true },
      ],
    });
    const { events } = await client.project.logs.fetchPost(id, {});
    expect(events.map((e) => e.id)).toEqual(["m"]);
    expect(events[0]).toMatchObject({ input: { a: 1, b: { c: 2, d: 3 } }, metadata: { only: 1 } });
  });

  it("filters with path_lookup, and refuses what it does not support with a 400 that says so", async () => {
    const id = await seed("client-filter");
    const { events } = await client.project.logs.fetchPost(id, { filters: [{ type: "path_lookup", path: ["input", "t"], value: 2 }] });
    expect(events.map((e) => e.id).sort()).toEqual(["client-filter-t2-s0", "client-filter-t2-s1", "client-filter-t2-s2"]);

    const version = await failure(client.project.logs.fetchPost(id, { version: "1" }));
    expect(version).toBeInstanceOf(Braintrust.BadRequestError);
    expect(version.message).toBe("400 Invalid request: version (a snapshot at an earlier transaction) is not supported by the local server");
    const filter = await failure(client.project.logs.fetchPost(id, { filters: [{ type: "sql", path: ["x"] } as never] }));
    expect(filter.message).toMatch(/^400 Invalid request: filters\/0\/type "sql" is not supported by the local server/);
    expect((await failure(client.project.logs.fetch(id, { version: "1" }))).status).toBe(400);
  });
});

describe("experiments", () => {
  it("runs the guide's experiment: create the project and the experiment, log rows with scores, fetch them", async () => {
    const project = await client.project.create({ name: "rest_test" });
    const experiment = await client.experiment.create({ name: "rest_test", project_id: project.id });
    expect(experiment).toMatchObject({ name: "rest_test", project_id: project.id, public: false });
    expect(await client.experiment.create({ name: "rest_test", project_id: project.id })).toEqual(experiment);

    for (let i = 0; i < 10; i++) {
      const res = await client.experiment.insert(experiment.id, { events: [{ id: `row-${i}`, input: 1, output: 2, scores: { accuracy: 0.5 } }] as never });
      expect(res.row_ids).toEqual([`row-${i}`]);
    }
    const got = await client.experiment.fetch(experiment.id);
    expect(got.events).toHaveLength(10);
    for (const row of got.events) {
      expect(row).toMatchObject({ experiment_id: experiment.id, project_id: project.id, input: 1, output: 2, scores: { accuracy: 0.5 } });
    }
    const page = await client.experiment.fetchPost(experiment.id, { limit: 4 });
    expect(page.events).toHaveLength(4);
    expect((await client.experiment.fetchPost(experiment.id, { cursor: page.cursor })).events).toHaveLength(6);

    expect(await client.experiment.retrieve(experiment.id)).toEqual(experiment);
    const listed: string[] = [];
    for await (const e of client.experiment.list({ project_name: "rest_test" })) listed.push(e.id);
    expect(listed).toEqual([experiment.id]);
  });

  it("makes a new name with ensure_new, updates and deletes", async () => {
    const project = await client.project.create({ name: "client-experiments" });
    const first = await client.experiment.create({ name: "run", project_id: project.id });
    const second = await client.experiment.create({ name: "run", project_id: project.id, ensure_new: true } as never);
    expect(second.id).not.toBe(first.id);
    expect(second.name).toBe("run-1");
    expect((await client.experiment.update(first.id, { description: "baseline" })).description).toBe("baseline");
    expect((await client.experiment.list({ experiment_name: "run", project_name: "client-experiments" })).objects.map((e) => e.id)).toEqual([first.id]);
    await client.experiment.delete(first.id);
    expect((await failure(client.experiment.retrieve(first.id))).status).toBe(404);
    expect((await failure(client.experiment.insert(first.id, { events: [{ input: 1 }] as never }))).status).toBe(404);
  });
});

describe("typed errors and the rest", () => {
  it("throws the client's typed errors with the server's message, not raw JSON", async () => {
    const wrongKey = new Braintrust({ apiKey: "sk-wrong", baseURL: lb.url, maxRetries: 0 });
    const auth = await failure(wrongKey.project.list());
    expect(auth).toBeInstanceOf(Braintrust.AuthenticationError);
    expect(auth.message).toBe("401 Invalid API key");

    const missing = await failure(client.project.logs.insert("00000000-0000-4000-8000-000000000000", { events: [{ input: 1 }] }));
    expect(missing).toBeInstanceOf(Braintrust.NotFoundError);
    expect(missing.message).toBe("404 No project with id 00000000-0000-4000-8000-000000000000");

    const { id } = await client.project.create({ name: "client-errors" });
    const bad = await failure(client.project.logs.insert(id, { events: [{ scores: { s: 2 } }] }));
    expect(bad).toBeInstanceOf(Braintrust.BadRequestError);
    expect(bad.message).toMatch(/^400 Invalid request: \/events\/0\/scores\/s: must be between 0 and 1/);
    expect(bad.message).not.toContain("{");
  });

  it("says hello on GET /v1 without a key, and answers feedback with 501", async () => {
    expect(await new Braintrust({ apiKey: "none", baseURL: lb.url, maxRetries: 0 }).topLevel.helloWorld()).toBe("Hello, World!");
    const { id } = await client.project.create({ name: "client-feedback" });
    const feedback = await failure(client.project.logs.feedback(id, { feedback: [{ id: "x", comment: "good" }] }));
    expect(feedback.status).toBe(501);
    expect(feedback.message).toMatch(/Not supported by the local server: Feedback/);
  });
});

describe("a trace written by BraintrustSpanProcessor", () => {
  it("reads back through the client as the tree it was", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: lb.apiKey, apiUrl: lb.url, projectName: "client-readback" });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("client-readback");
    const ids = tracer.startActiveSpan("answer question", (root) => {
      root.setAttribute("input", "What is 2 + 2?");
      const child = tracer.startActiveSpan("chat gpt-4o", (llm) => {
        llm.setAttributes({ "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 3 });
        llm.end();
        return llm.spanContext().spanId;
      });
      root.setAttribute("output", "4");
      root.end();
      return { root: root.spanContext().spanId, child, traceId: root.spanContext().traceId };
    });
    await provider.forceFlush();
    await provider.shutdown();

    const [project] = (await client.project.list({ project_name: "client-readback" })).objects;
    const { events } = await client.project.logs.fetchPost(project!.id, {});
    expect(events).toHaveLength(2);
    const root = events.find((e) => e.span_id === ids.root)!;
    const llm = events.find((e) => e.span_id === ids.child)!;
    expect(root).toMatchObject({ root_span_id: ids.traceId, input: "What is 2 + 2?", output: "4", span_attributes: { name: "answer question" } });
    expect(llm).toMatchObject({
      root_span_id: ids.traceId,
      span_parents: [ids.root],
      span_attributes: { name: "chat gpt-4o", type: "llm" },
      metadata: { model: "gpt-4o" },
      metrics: { prompt_tokens: 12, completion_tokens: 3 },
    });
  });
});
