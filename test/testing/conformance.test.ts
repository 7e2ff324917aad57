// The server's answers must be what the real API's clients expect: each response
// body is checked against the official OpenAPI spec (skipped, visibly, when it is absent).
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { describeWithSpec, loadSpecValidators } from "../helpers/spec.js";
import { call, insert } from "./helpers.js";

describeWithSpec("responses conform to the Braintrust OpenAPI spec", await loadSpecValidators(), (spec) => {
  let lb: LocalBraintrust;
  beforeAll(async () => {
    lb = await startLocalBraintrust();
  });
  afterAll(() => lb.close());

  it("Project, from create, list and get", async () => {
    const created = await call(lb, "POST", "/v1/project", { name: "conformance", description: "d" });
    expect(spec.createProject({ name: "conformance", description: "d" })).toEqual([]);
    expect(spec.project(created.json)).toEqual([]);
    const listed = await call(lb, "GET", "/v1/project?project_name=conformance");
    for (const p of listed.json.objects) expect(spec.project(p)).toEqual([]);
    expect(spec.project((await call(lb, "GET", `/v1/project/${created.json.id}`)).json)).toEqual([]);
  });

  it("InsertEventsResponse and FetchProjectLogsEventsResponse, for bare, full and merged rows", async () => {
    const { id } = (await call(lb, "POST", "/v1/project", { name: "conformance" })).json;
    const body = {
      events: [
        {},
        {
          id: "full",
          span_id: "s1",
          root_span_id: "s0",
          span_parents: ["s0"],
          input: { q: 1 },
          metrics: { start: 1, end: 2, tokens: 3 },
          span_attributes: { name: "n", type: "llm" },
          scores: { s: 0.5 },
          tags: ["t"],
        },
      ],
    };
    expect(spec.insertProjectLogs(body)).toEqual([]);
    const inserted = await insert(lb, id, body.events);
    expect(spec.insertEventsResponse(inserted.json)).toEqual([]);
    await insert(lb, id, [{ id: "full", _is_merge: true, output: "done" }]);

    for (const limit of ["", "?limit=1"]) {
      const page = await call(lb, "GET", `/v1/project_logs/${id}/fetch${limit}`);
      expect(page.json.events.length).toBeGreaterThan(0);
      expect(spec.fetchProjectLogsResponse(page.json)).toEqual([]);
    }
  });

  it("Experiment, from create, list, get, patch and delete; FetchExperimentEventsResponse", async () => {
    const { id: projectId } = (await call(lb, "POST", "/v1/project", { name: "conformance" })).json;
    const body = { project_id: projectId, name: "conformance-run", description: "d", metadata: { k: 1 }, tags: ["t"], repo_info: { commit: "abc" } };
    expect(spec.schema("CreateExperiment")(body)).toEqual([]);
    const created = await call(lb, "POST", "/v1/experiment", body);
    expect(created.json.commit).toBe("abc");
    const answers = [
      created.json,
      ...(await call(lb, "GET", `/v1/experiment?project_id=${projectId}`)).json.objects,
      (await call(lb, "GET", `/v1/experiment/${created.json.id}`)).json,
      (await call(lb, "PATCH", `/v1/experiment/${created.json.id}`, { public: true, tags: null })).json,
    ];
    for (const answer of answers) expect(spec.schema("Experiment")(answer)).toEqual([]);
    await call(lb, "POST", `/v1/experiment/${created.json.id}/insert`, { events: [{ input: 1, scores: { s: 1 } }] });
    expect(spec.schema("FetchExperimentEventsResponse")((await call(lb, "GET", `/v1/experiment/${created.json.id}/fetch`)).json)).toEqual([]);
    expect(spec.schema("Experiment")((await call(lb, "DELETE", `/v1/experiment/${created.json.id}`)).json)).toEqual([]);
  });

  it("Project after patch and delete", async () => {
    const { id } = (await call(lb, "POST", "/v1/project", { name: "conformance-patch" })).json;
    const patch = { name: "conformance-patched", description: null, settings: { comparison_key: "input" } };
    expect(spec.schema("PatchProject")(patch)).toEqual([]);
    expect(spec.project((await call(lb, "PATCH", `/v1/project/${id}`, patch)).json)).toEqual([]);
    expect(spec.project((await call(lb, "DELETE", `/v1/project/${id}`)).json)).toEqual([]);
  });

  it("experiment inserts accept what the spec's InsertExperimentEventRequest accepts", async () => {
    const body = { events: [{ id: "e1", input: 1, expected: 2, scores: { acc: 1 } }] };
    expect(spec.insertExperiment(body)).toEqual([]);
    const experiment = lb.createExperiment("conformance", "inserts");
    const res = await call(lb, "POST", `/v1/experiment/${experiment.id}/insert`, body);
    expect(spec.insertEventsResponse(res.json)).toEqual([]);
  });
});
