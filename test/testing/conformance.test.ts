// The server's answers must be what the real API's clients expect: each response
// body is checked against the official OpenAPI spec (skipped when it is absent).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { loadSpecValidators } from "../helpers/spec.js";
import { call, insert } from "./helpers.js";

const spec = await loadSpecValidators();

describe.skipIf(!spec)("responses conform to the Braintrust OpenAPI spec", () => {
  let lb: LocalBraintrust;
  beforeAll(async () => {
    lb = await startLocalBraintrust();
  });
  afterAll(() => lb.close());

  it("Project, from create, list and get", async () => {
    const created = await call(lb, "POST", "/v1/project", { name: "conformance", description: "d" });
    expect(spec!.createProject({ name: "conformance", description: "d" })).toEqual([]);
    expect(spec!.project(created.json)).toEqual([]);
    const listed = await call(lb, "GET", "/v1/project?project_name=conformance");
    for (const p of listed.json.objects) expect(spec!.project(p)).toEqual([]);
    expect(spec!.project((await call(lb, "GET", `/v1/project/${created.json.id}`)).json)).toEqual([]);
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
    expect(spec!.insertProjectLogs(body)).toEqual([]);
    const inserted = await insert(lb, id, body.events);
    expect(spec!.insertEventsResponse(inserted.json)).toEqual([]);
    await insert(lb, id, [{ id: "full", _is_merge: true, output: "done" }]);

    for (const limit of ["", "?limit=1"]) {
      const page = await call(lb, "GET", `/v1/project_logs/${id}/fetch${limit}`);
      expect(page.json.events.length).toBeGreaterThan(0);
      expect(spec!.fetchProjectLogsResponse(page.json)).toEqual([]);
    }
  });

  it("experiment inserts accept what the spec's InsertExperimentEventRequest accepts", async () => {
    const body = { events: [{ id: "e1", input: 1, expected: 2, scores: { acc: 1 } }] };
    expect(spec!.insertExperiment(body)).toEqual([]);
    const res = await call(lb, "POST", "/v1/experiment/3f2504e0-4f89-41d3-9a0c-0305e82c3301/insert", body);
    expect(spec!.insertEventsResponse(res.json)).toEqual([]);
  });
});
