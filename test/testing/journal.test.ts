import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { JournalError, startLocalBraintrust } from "braintrust-otel-exporter/testing";
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
    const experiment = (await call(first, "POST", "/v1/experiment", { project_id: id, name: "kept-run" })).json;
    await call(first, "POST", `/v1/experiment/${experiment.id}/insert`, { events: [{ id: "e", input: 1 }] });
    await call(first, "PATCH", `/v1/project/${id}`, { description: "patched" });
    const rowsBefore = first.rows("kept");
    await first.close();

    const second = await startLocalBraintrust({ dataFile });
    try {
      expect(second.projects()).toEqual(first.projects());
      expect(await projectId(second, "kept")).toBe(id);
      expect(second.rows("kept")).toEqual(rowsBefore);
      expect(second.rows("kept").map((r) => [r.id, r.input])).toEqual([["a", { x: 1, y: 2 }], ["b", undefined]]);
      expect(second.experiments()).toEqual([experiment]);
      expect(second.experimentRows(experiment.id).map((r) => r.id)).toEqual(["e"]);
      expect(second.projects().find((p) => p.id === id)?.description).toBe("patched");
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
    // The key, the project, two rows and the torn line.
    expect(readFileSync(dataFile, "utf8").split("\n").filter(Boolean)).toHaveLength(5);
  });
});

describe("dataFile that is not a journal", () => {
  it("refuses a file of the user's, leaving it untouched", async () => {
    const notes = join(dir, "notes.md");
    writeFileSync(notes, "# My notes\n\nnothing to do with traces\n");
    const err = await startLocalBraintrust({ dataFile: notes }).catch((e) => e);
    expect(err).toBeInstanceOf(JournalError);
    expect(err.message).toBe(
      `${notes} is not a journal of this server (line 1 is not one of its entries). Refusing to write to it: pass a new file, or one an earlier run of the server wrote.`,
    );
    expect(readFileSync(notes, "utf8")).toBe("# My notes\n\nnothing to do with traces\n");
    // JSON lines that are not entries are not a journal either.
    const other = join(dir, "other.jsonl");
    writeFileSync(other, '{"level":"info","msg":"hi"}\n');
    await expect(startLocalBraintrust({ dataFile: other })).rejects.toThrow("is not a journal of this server");
  });

  it("says a directory is not a file", async () => {
    await expect(startLocalBraintrust({ dataFile: dir })).rejects.toThrow(new JournalError(`${dir} is a directory or device, not a journal file: pass a file path.`));
  });

  it("names a malformed line in a journal instead of skipping it", async () => {
    const dataFile = join(dir, "damaged.jsonl");
    const first = await startLocalBraintrust({ dataFile });
    await insert(first, await projectId(first, "damaged"), [{ id: "a" }]);
    await first.close();
    const lines = readFileSync(dataFile, "utf8").split("\n");
    lines.splice(2, 0, "oops, an edit");
    writeFileSync(dataFile, lines.join("\n"));
    const err = await startLocalBraintrust({ dataFile }).catch((e) => e);
    expect(err).toBeInstanceOf(JournalError);
    expect(err.message).toBe(`${dataFile}: line 3 is not a journal entry. Remove or fix that line, or pass another file.`);
  });

  it("keeps its key: a restart without --api-key accepts the clients of the last run", async () => {
    const dataFile = join(dir, "key.jsonl");
    const first = await startLocalBraintrust({ dataFile });
    await first.close();
    const second = await startLocalBraintrust({ dataFile });
    try {
      expect(second.apiKey).toBe(first.apiKey);
      expect(await projectId(second, "after-restart")).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await second.close();
    }
    const chosen = await startLocalBraintrust({ dataFile, apiKey: "sk-chosen" });
    await chosen.close();
    const third = await startLocalBraintrust({ dataFile });
    expect(third.apiKey).toBe("sk-chosen");
    await third.close();
    expect(statSync(dataFile).mode & 0o777).toBe(0o600);
  });
});
