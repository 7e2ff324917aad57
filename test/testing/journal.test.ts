import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { call, insert, projectId } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "bt-journal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("dataFile", () => {
  it("keeps projects and rows (after merge and delete) across restarts", async () => {
    const dataFile = join(dir, "nested", "data.jsonl");
    const first = await startLocalBraintrust({ dataFile });
    const id = await projectId(first, "kept");
    await insert(first, id, [{ id: "a", input: { x: 1 } }, { id: "b" }, { id: "gone" }]);
    await insert(first, id, [{ id: "a", _is_merge: true, input: { y: 2 } }, { id: "gone", _object_delete: true }]);
    await call(first, "POST", "/v1/experiment/e1/insert", { events: [{ id: "e", input: 1 }] });
    const rowsBefore = first.rows("kept");
    await first.close();

    const second = await startLocalBraintrust({ dataFile });
    try {
      expect(second.projects()).toEqual(first.projects());
      expect(await projectId(second, "kept")).toBe(id);
      expect(second.rows("kept")).toEqual(rowsBefore);
      expect(second.rows("kept").map((r) => [r.id, r.input])).toEqual([["a", { x: 1, y: 2 }], ["b", undefined]]);
      expect(second.experimentRows("e1").map((r) => r.id)).toEqual(["e"]);
      // New writes sort after everything loaded.
      await insert(second, id, [{ id: "c" }]);
      const newest = Math.max(...rowsBefore.map((r) => Number(r._xact_id)));
      expect(Number(second.rows("kept").at(-1)!._xact_id)).toBeGreaterThan(newest);
    } finally {
      await second.close();
    }
  });

  it("survives a torn last line and writes the next entry on a line of its own", async () => {
    const dataFile = join(dir, "torn.jsonl");
    const first = await startLocalBraintrust({ dataFile });
    const id = await projectId(first, "torn");
    await insert(first, id, [{ id: "whole" }]);
    await first.close();
    appendFileSync(dataFile, '{"kind":"row","obj');

    const second = await startLocalBraintrust({ dataFile });
    await insert(second, id, [{ id: "after" }]);
    await second.close();
    const third = await startLocalBraintrust({ dataFile });
    expect(third.rows("torn").map((r) => r.id)).toEqual(["whole", "after"]);
    await third.close();
    expect(readFileSync(dataFile, "utf8").split("\n").filter(Boolean)).toHaveLength(4);
  });
});
