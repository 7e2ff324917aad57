// A 400 costs only the rows the API refuses. Through the real processor and a real SDK
// provider to the local server: JSON text that is whole but not valid inside is sent again as
// a string; through the Sender: rows refused for what they say are narrowed down by halves.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor } from "../../src/index.js";
import { makeParent } from "../../src/config/parent.js";
import { EncodedRows } from "../../src/delivery/encoded-rows.js";
import { Sender } from "../../src/delivery/sender.js";
import { Counters } from "../../src/delivery/stats.js";
import { Transport } from "../../src/delivery/transport.js";
import { repairRow } from "../../src/rows/repair.js";
import { Batcher } from "../../src/delivery/batch.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { watchEachTest } from "../helpers/diag.js";
import { providerWith } from "../helpers/tracing.js";
import { senderOptions } from "./helpers.js";

let server: LocalBraintrust;
const watch = watchEachTest();
let diagnostics: { messages: string[] };

beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

/** The statuses the server answered to inserts into `projectName`, in order. */
function insertStatuses(projectName: string): number[] {
  const id = server.projects().find((p) => p.name === projectName)?.id;
  return server.requests.filter((r) => r.path === `/v1/project_logs/${id}/insert`).map((r) => r.status);
}

/** Ends `count` spans in one trace, span i with `attributesOf(i)`, and returns what the server stored. */
async function endSpans(projectName: string, count: number, attributesOf: (i: number) => Record<string, unknown>) {
  diagnostics = watch.start();
  const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName, maxExportBatchSize: 1000 });
  const provider = providerWith(processor);
  const tracer = provider.getTracer("isolate");
  tracer.startActiveSpan("root", (root) => {
    for (let i = 0; i < count; i++) tracer.startSpan(`span-${i}`, { attributes: attributesOf(i) as never }).end();
    root.end();
  });
  await processor.forceFlush();
  const stats = processor.stats();
  await provider.shutdown();
  const rows = server.rows(projectName);
  const byName = (name: string) => rows.find((r) => r.span_attributes?.name === name);
  return { rows, byName, stats, messages: diagnostics.messages };
}

const valid = (i: number) => JSON.stringify([{ role: "user", content: `question ${i} with "quotes" and \\ backslashes` }, { n: i, big: 12345678901234567890 }]);

describe("a *_json text whole in shape but invalid inside", () => {
  it("costs only its row: the others are stored as they were, it is stored with its text as a string, said once", async () => {
    const BAD = 137;
    const bad = '[{"role":"user","content":"a bad \\x escape"}, {"n": 01}]';
    const { rows, byName, stats, messages } = await endSpans("isolate-bad-json", 300, (i) =>
      i === BAD ? { "braintrust.input_json": bad, "braintrust.output_json": '{"ok":true}' } : { "braintrust.input_json": valid(i), "braintrust.output_json": `{"answer": ${i}}` },
    );
    expect(rows).toHaveLength(301);
    for (let i = 0; i < 300; i++) {
      if (i === BAD) continue;
      const row = byName(`span-${i}`);
      expect(row?.input).toEqual(JSON.parse(valid(i)));
      expect(row?.output).toEqual({ answer: i });
    }
    expect(byName(`span-${BAD}`)).toMatchObject({ input: bad, output: { ok: true } });
    expect(stats.sent).toBe(301);
    expect(Object.values(stats.dropped).reduce((a, b) => a + b, 0)).toBe(0);
    // The refused request, then the same rows again with that text repaired: no halving needed.
    expect(insertStatuses("isolate-bad-json")).toEqual([400, 200]);
    const said = messages.filter((m) => /not valid JSON/.test(m));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`span "span-${BAD}" \\(span_id [0-9a-f]{16}\\): braintrust\\.input_json is not valid JSON`));
  });

  it("text that would spill into the row's other fields is never spliced", async () => {
    const injection = '{"a":1}, "id":"x", "b":{"c":2}';
    const { byName, stats } = await endSpans("isolate-injection", 3, (i) => (i === 1 ? { "braintrust.input_json": injection } : { "braintrust.input_json": valid(i) }));
    const row = byName("span-1") as Record<string, unknown>;
    expect(row.id).not.toBe("x");
    expect(row.b).toBeUndefined();
    expect(row.input).toBeUndefined();
    expect(row.metadata).toMatchObject({ "braintrust.input_json": injection });
    expect(byName("span-0")?.input).toEqual(JSON.parse(valid(0)));
    expect(stats.sent).toBe(4);
  });
});

describe("rows the API refuses for what they say", () => {
  let transport: Transport;
  afterEach(() => transport.close());

  /** Sends `rows` (JSON text) in one batch to a fresh project through a Sender wired as Delivery wires it. */
  async function sendRows(projectName: string, rows: string[], repair = true) {
    diagnostics = watch.start();
    const created = await fetch(`${server.url}/v1/project`, { method: "POST", headers: { authorization: `Bearer ${server.apiKey}`, "content-type": "application/json" }, body: JSON.stringify({ name: projectName }) });
    const { id } = (await created.json()) as { id: string };
    transport = new Transport({ apiUrl: server.url, apiKey: server.apiKey, headers: {}, maxConcurrent: 2 });
    const counters = new Counters();
    const sender = new Sender(transport, counters, senderOptions({ batches: new Batcher(512, 5_000_000, repair ? repairRow : undefined) }));
    await sender.send({ parent: makeParent("project_id", id), insertPath: `/v1/project_logs/${id}/insert` }, EncodedRows.fromText(rows));
    const stored = server.rows(projectName).map((r) => r.id as string);
    return { stored, counters, statuses: insertStatuses(projectName), messages: diagnostics.messages };
  }

  const row = (id: string, extra = "") => `{"id":"${id}","input":{"n":"${id}"}${extra}}`;
  const ids = (count: number) => Array.from({ length: count }, (_, i) => `r${String(i).padStart(2, "0")}`);

  it("one refused row among many: halves narrow it down, only it is dropped and counted", async () => {
    const all = ids(16);
    const rows = all.map((id) => (id === "r05" ? row(id, ',"span_attributes":{"type":"banana"}') : row(id)));
    const { stored, counters, statuses, messages } = await sendRows("isolate-schema", rows);
    expect(stored.sort()).toEqual(all.filter((id) => id !== "r05"));
    expect(counters.sent).toBe(15);
    expect(counters.dropped.rejected).toBe(1);
    expect(statuses.filter((s) => s === 400).length).toBe(5); // 16, 8, 4, 2, 1 rows
    expect(statuses.length).toBe(9);
    expect(messages.join("\n")).toMatch(/1 row dropped, not retried/);
  });

  it("a refusal that is every row's costs four requests, not one per row", async () => {
    const rows = ids(64).map((id) => row(id, ',"tags":"not an array"'));
    const { stored, counters, statuses } = await sendRows("isolate-systematic", rows);
    expect(stored).toEqual([]);
    expect(counters.dropped.rejected).toBe(64);
    expect(statuses).toEqual([400, 400, 400, 400]); // the batch, its halves, one lone row
  });

  it("refused rows in both halves: each is narrowed down, every other row is stored", async () => {
    const all = ids(32);
    const bad = new Set(["r03", "r12", "r27"]); // two of them in the same half
    const rows = all.map((id) => (bad.has(id) ? row(id, ',"tags":"not an array"') : row(id)));
    const { stored, counters } = await sendRows("isolate-two-halves", rows);
    expect(stored.sort()).toEqual(all.filter((id) => !bad.has(id)));
    expect(counters.dropped.rejected).toBe(3);
    expect(counters.sent).toBe(29);
  });

  it("many refused rows: narrowing stops at its request budget, and every row is either stored or counted", async () => {
    const all = ids(64);
    const bad = (id: string) => Number(id.slice(1)) % 2 === 1; // r00, the lone row tried, is good
    const rows = all.map((id) => (bad(id) ? row(id, ',"tags":"not an array"') : row(id)));
    const { stored, counters, statuses } = await sendRows("isolate-budget", rows);
    expect(statuses.length).toBeLessThanOrEqual(1 + 64);
    expect(stored.every((id) => !bad(id))).toBe(true);
    expect(stored.length).toBeGreaterThan(0);
    expect(counters.sent + counters.dropped.rejected).toBe(64);
    expect(counters.sent).toBe(stored.length);
  });

  it("a row still refused once its text is repaired is dropped, its neighbours stored", async () => {
    const all = ids(8);
    const rows = all.map((id) => (id === "r02" ? `{"id":"r02","scores":{"s":2},"input":[01]}` : row(id)));
    const { stored, counters, messages } = await sendRows("isolate-repaired-refused", rows);
    expect(stored.sort()).toEqual(all.filter((id) => id !== "r02"));
    expect(counters.dropped.rejected).toBe(1);
    expect(counters.sent).toBe(7);
    expect(messages.filter((m) => /not valid JSON/.test(m))).toHaveLength(1);
  });

  it("without a repair, a row that is not JSON is narrowed down and dropped alone", async () => {
    const all = ids(4);
    const rows = all.map((id) => (id === "r03" ? `{"id":"r03","input":{"a": hello}}` : row(id)));
    const { stored, counters } = await sendRows("isolate-no-repair", rows, false);
    expect(stored.sort()).toEqual(all.filter((id) => id !== "r03"));
    expect(counters.dropped.rejected).toBe(1);
  });
});

describe("a row too large for a request, with *_json text invalid inside", () => {
  it("is repaired before it is truncated, so it arrives with its largest field cut", async () => {
    const huge = `["${"x".repeat(2_000_000)}\\x"]`;
    diagnostics = watch.start();
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "isolate-huge", maxBatchBytes: 1024 * 1024 });
    const provider = providerWith(processor);
    provider.getTracer("isolate").startSpan("huge", { attributes: { "braintrust.input_json": huge, "braintrust.output_json": '{"kept":true}' } }).end();
    await processor.forceFlush();
    const stats = processor.stats();
    await provider.shutdown();
    expect(server.rows("isolate-huge")).toMatchObject([{ input: "[truncated 2.0 MB]", output: { kept: true } }]);
    expect(stats.dropped.tooLarge).toBe(0); // it arrived: truncated, not dropped
    expect(stats.truncated).toBe(1);
    expect(stats.sent).toBe(1);
  });
});
