import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiReadError, type LocalBraintrust, readProjectLog, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { insert, projectId } from "./helpers.js";

let lb: LocalBraintrust;
let id: string;
const target = () => ({ apiKey: lb.apiKey, apiUrl: lb.url });

beforeAll(async () => {
  lb = await startLocalBraintrust();
  id = await projectId(lb, "read-back");
  // 150 one-span traces, then a second version of the first: more than one page.
  for (let t = 0; t < 150; t += 50) {
    await insert(lb, id, Array.from({ length: 50 }, (_, i) => ({ id: `r${t + i}`, span_id: `s${t + i}`, input: t + i })));
  }
  await insert(lb, id, [{ id: "r0", _is_merge: true, output: "second version" }]);
});
afterAll(() => lb.close());

describe("readProjectLog", () => {
  it("reads every page, each row once in its latest version, newest trace first", async () => {
    const rows = await readProjectLog({ projectName: "read-back", ...target() });
    expect(rows).toHaveLength(150);
    expect(new Set(rows.map((r) => r.id)).size).toBe(150);
    expect(rows[0]).toMatchObject({ id: "r0", input: 0, output: "second version" });
    expect(rows[1]!.id).toBe("r149");
    expect(lb.requests.filter((r) => r.path.endsWith("/fetch")).length).toBeGreaterThan(1);
  });

  it("reads only the newest `limit` traces, by id or by name", async () => {
    const rows = await readProjectLog({ projectId: id, limit: 3, ...target() });
    expect(rows.map((r) => r.id)).toEqual(["r0", "r149", "r148"]);
  });

  it("takes its settings from the environment when not given", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { BRAINTRUST_API_KEY: lb.apiKey, BRAINTRUST_API_URL: lb.url, BRAINTRUST_PROJECT: "read-back" });
    try {
      expect(await readProjectLog({ limit: 1 })).toHaveLength(1);
    } finally {
      for (const k of ["BRAINTRUST_API_KEY", "BRAINTRUST_API_URL", "BRAINTRUST_PROJECT"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it("fails with one clear sentence, never creating a project nor showing the key", async () => {
    await expect(readProjectLog({ projectName: "absent", ...target() })).rejects.toThrow('Project "absent" not found');
    expect(lb.projects().some((p) => p.name === "absent")).toBe(false);
    const err = await readProjectLog({ projectName: "read-back", apiUrl: lb.url, apiKey: "sk-bad-key-123456" }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiReadError);
    expect(err.message).toContain("API key rejected");
    expect(err.message).not.toContain("sk-bad-key-123456");
    expect(err.fatal).toBe(true);
  });
});
