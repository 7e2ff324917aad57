// `dev` serves the official REST client unchanged: the env lines it prints are all the
// client needs, and the REST guide's experiment flow runs against it.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDev, startDev } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
let dev: RunningDev;
beforeAll(async () => {
  dev = await startDev();
});
afterAll(() => {
  dev.child.kill("SIGKILL");
});

describe("dev and the official client", () => {
  it("prints BRAINTRUST_BASE_URL beside BRAINTRUST_API_URL, and the guide's experiment flow runs with just those", async () => {
    const { env } = dev;
    expect(Object.keys(env).sort()).toEqual(["BRAINTRUST_API_KEY", "BRAINTRUST_API_URL", "BRAINTRUST_BASE_URL"]);
    expect(env.BRAINTRUST_BASE_URL).toBe(env.BRAINTRUST_API_URL);

    // Only what dev printed: no BRAINTRUST_* from this machine, and no apiUrl option.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("BRAINTRUST_")));
    const { stdout } = await promisify(execFile)(process.execPath, ["test/testing/guide-flow.mjs"], { cwd: root, env: { ...clean, ...env } });
    const { project, experiment, rows } = JSON.parse(stdout) as {
      project: { id: string; name: string };
      experiment: { id: string; project_id: string; name: string };
      rows: { experiment_id: string; project_id: string; scores: Record<string, number> }[];
    };
    expect(project.name).toBe("rest_test");
    expect(experiment).toMatchObject({ name: "rest_test", project_id: project.id });
    expect(rows).toHaveLength(10);
    for (const row of rows) expect(row).toMatchObject({ experiment_id: experiment.id, project_id: project.id, scores: { accuracy: 0.5 } });
  });
});
