// The process-level promises, checked in child processes: the delivery never keeps an
// application alive by itself, and an awaited shutdown holds the process up until it is done.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "delivery-lifecycle-"));

/** Runs an ES module body in a fresh Node process (TypeScript via tsx), with Delivery and helpers in scope. */
function runChild(name: string, body: string) {
  const file = join(dir, `${name}.mts`);
  writeFileSync(
    file,
    `import { Delivery } from ${JSON.stringify(join(repo, "src/delivery/delivery.ts"))};
import { configFor, event } from ${JSON.stringify(join(repo, "test/delivery/helpers.ts"))};
import { createServer } from "node:net";
// A port nothing listens on: every connection is refused.
const probe = createServer();
await new Promise((r) => probe.listen(0, "127.0.0.1", r));
const deadUrl = "http://127.0.0.1:" + probe.address().port;
await new Promise((r) => probe.close(r));
${body}`,
  );
  const result = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: repo, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

describe("process lifecycle", () => {
  it("an application exits on its own while rows wait and a project lookup keeps failing", { timeout: 60_000 }, () => {
    const child = runChild(
      "exits",
      `const never = 86400000; // a day: a process held open by a timer this long would outlive the test
const d = new Delivery(configFor({ apiKey: "sk-lifecycle-key", apiUrl: deadUrl, projectName: "p", scheduledDelayMillis: never, exportTimeoutMillis: never }));
for (let i = 0; i < 100; i++) d.enqueue(configFor({ apiKey: "sk-lifecycle-key", projectName: "p" }).parent, event("e" + i));
process.on("exit", () => console.log(JSON.stringify({ queued: d.stats().queued })));`,
    );
    // It exited on its own, not held open by the batch timer, the export deadline or the
    // lookup's endless backoff (spawnSync kills a child still running after 60 s: status null).
    expect(child.status).toBe(0);
    const report = JSON.parse(child.stdout);
    expect(report.queued).toBe(100);
  });

  it("an awaited shutdown keeps the process up until it has finished, then lets it exit", { timeout: 60_000 }, () => {
    const child = runChild(
      "awaits",
      `const d = new Delivery(configFor({ apiKey: "sk-lifecycle-key", apiUrl: deadUrl, projectId: "p", exportTimeoutMillis: 1500 }));
for (let i = 0; i < 10; i++) d.enqueue(configFor({ apiKey: "sk-lifecycle-key", projectId: "p" }).parent, event("e" + i));
await d.shutdown();
console.log(JSON.stringify({ stats: d.stats() }));`,
    );
    expect(child.stderr).not.toMatch(/unsettled top-level await/i);
    expect(child.status).toBe(0);
    const { stats } = JSON.parse(child.stdout);
    // The process stayed up through the project check's retry waits (unref'd timers, nothing
    // else pending) until shutdown's deadline, and printed: no unsettled top-level await.
    expect(stats.dropped.shutdown).toBe(10);
    expect(stats.lastError).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(stats)).not.toContain("sk-lifecycle-key");
  });
});
