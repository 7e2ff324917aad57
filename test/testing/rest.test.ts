// The REST edges the official client does not reach by itself: list paging both ways,
// conflicts, bad experiment input, and the parts of the API the server answers 501.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { call, projectId } from "./helpers.js";

let lb: LocalBraintrust;
beforeAll(async () => {
  lb = await startLocalBraintrust();
});
afterAll(() => lb.close());

const names = (answer: { json: { objects: { name: string }[] } }) => answer.json.objects.map((o) => o.name);

describe("project lists", () => {
  it("pages forward with starting_after and back with ending_before, and refuses both at once", async () => {
    for (const n of ["a", "b", "c", "d", "e"]) await projectId(lb, `page-${n}`);
    const all = lb.projects().map((p) => p.id);
    expect(names(await call(lb, "GET", "/v1/project?limit=2"))).toEqual(["page-e", "page-d"]);
    expect(names(await call(lb, "GET", `/v1/project?limit=2&starting_after=${all[1]}`))).toEqual(["page-c", "page-b"]);
    expect(names(await call(lb, "GET", `/v1/project?limit=2&ending_before=${all[3]}`))).toEqual(["page-d", "page-c"]);
    expect(names(await call(lb, "GET", `/v1/project?ids=${all[0]}&ids=${all[4]}`))).toEqual(["page-e", "page-a"]);
    expect(names(await call(lb, "GET", "/v1/project?limit=0"))).toEqual([]);
    for (const query of [`starting_after=${all[0]}&ending_before=${all[1]}`, "limit=-1", "limit=x", "starting_after=nope"]) {
      const answer = await call(lb, "GET", `/v1/project?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.json.message).toMatch(/^Invalid request: /);
    }
  });

  it("refuses to rename a project to a name another one has", async () => {
    const id = await projectId(lb, "rename-me");
    await projectId(lb, "taken");
    const answer = await call(lb, "PATCH", `/v1/project/${id}`, { name: "taken" });
    expect(answer.status).toBe(409);
    expect((await call(lb, "PATCH", `/v1/project/${id}`, { description: 3 })).status).toBe(400);
    expect((await call(lb, "PATCH", "/v1/project/00000000-0000-4000-8000-000000000000", {})).status).toBe(404);
  });
});

describe("experiments", () => {
  it("need an existing project and well-typed fields", async () => {
    const project = await projectId(lb, "experiment-input");
    const cases: [unknown, number, RegExp][] = [
      [{}, 400, /project_id/],
      [{ project_id: "00000000-0000-4000-8000-000000000000" }, 404, /No project/],
      [{ project_id: project, name: "" }, 400, /name/],
      [{ project_id: project, tags: "x" }, 400, /tags: must be an array of strings/],
      [{ project_id: project, public: "yes" }, 400, /public: must be boolean/],
      [{ project_id: project, metadata: [] }, 400, /metadata: must be object/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await call(lb, "POST", "/v1/experiment", body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.json.message).toMatch(message);
    }
    const unnamed = await call(lb, "POST", "/v1/experiment", { project_id: project });
    expect(unnamed.json.name).toMatch(/^experiment-\d+$/);
  });

  it("go away with their project", async () => {
    const experiment = lb.createExperiment("doomed", "run");
    await call(lb, "DELETE", `/v1/project/${experiment.project_id}`);
    expect((await call(lb, "GET", `/v1/experiment/${experiment.id}`)).status).toBe(404);
    expect(lb.experiments().some((e) => e.id === experiment.id)).toBe(false);
  });
});

describe("auth and faults", () => {
  it("injects faults into requests with a bad key too, whose bodies it never reads", async () => {
    lb.setFault({ routes: ["project"], failStatuses: [403] });
    try {
      const before = lb.requests.length;
      expect((await call(lb, "POST", "/v1/project", { name: "denied" }, "sk-wrong")).status).toBe(403);
      expect(lb.requests.slice(before)).toMatchObject([{ status: 403, fault: "fail", body: undefined, bytes: 0 }]);
    } finally {
      lb.setFault(undefined);
    }
    expect((await call(lb, "POST", "/v1/project", { name: "denied" }, "sk-wrong")).status).toBe(401);
  });
});

describe("what the local server does not implement", () => {
  it("answers 501 naming it, after the key check", async () => {
    const id = await projectId(lb, "not-here");
    const cases: [string, string, RegExp][] = [
      ["POST", "/btql", /BTQL/],
      ["POST", `/v1/project_logs/${id}/feedback`, /Feedback/],
      ["GET", "/v1/experiment/x/summarize", /summaries/],
      ["GET", "/v1/dataset", /\/v1\/dataset endpoints/],
      ["POST", "/v1/prompt", /\/v1\/prompt endpoints/],
    ];
    for (const [method, path, what] of cases) {
      const answer = await call(lb, method, path, method === "POST" ? {} : undefined);
      expect(answer.status, path).toBe(501);
      expect(answer.json.message).toMatch(/^Not supported by the local server: /);
      expect(answer.json.message).toMatch(what);
      expect((await call(lb, method, path, undefined, "sk-wrong")).status, path).toBe(401);
    }
  });
});
