import { describe, expect, it } from "vitest";
import { Batcher } from "../../src/delivery/batch.js";
import { ENVELOPE_BYTES, EncodedRows } from "../../src/delivery/encoded-rows.js";
import { ByteBoundedQueue, type Lane } from "../../src/delivery/queue.js";

const row = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id, span_id: id, root_span_id: id, ...extra });

function queueOf(rows: string[]) {
  const queue = new ByteBoundedQueue(100_000, 100_000_000);
  const lane = queue.lane("project_id:p");
  for (const r of rows) queue.push(lane, r);
  return { queue, lane };
}

/** The next batch of `lane`: at most `maxRows` rows and `maxBytes` of body; its rows as text. */
function takeBatch(queue: ByteBoundedQueue, lane: Lane, maxRows: number, maxBytes: number) {
  const batch = new Batcher(maxRows, maxBytes).take(queue, lane);
  return { ...batch, rows: batch.encoded.texts() };
}

/** The exact UTF-8 size of the body for `rows`. */
const batchBytes = (rows: string[]) => EncodedRows.fromText(rows).body.length;

describe("the request body", () => {
  it("concatenates serialized rows into the insert envelope, parseable as the same events", () => {
    const rows = [row("a"), row("b", { input: "ünï" })];
    const body = EncodedRows.fromText(rows).body.toString("utf8");
    expect(JSON.parse(body)).toEqual({ events: rows.map((r) => JSON.parse(r)) });
    expect(batchBytes(rows)).toBe(Buffer.byteLength(body));
    expect(batchBytes([])).toBe(ENVELOPE_BYTES);
    expect(EncodedRows.fromText([]).body.toString("utf8")).toBe('{"events":[]}');
  });
});

describe("takeBatch", () => {
  it("cuts by row count, oldest first", () => {
    const rows = Array.from({ length: 7 }, (_, i) => row(`r${i}`));
    const { queue, lane } = queueOf(rows);
    expect(takeBatch(queue, lane, 3, 1_000_000).rows).toEqual(rows.slice(0, 3));
    expect(takeBatch(queue, lane, 3, 1_000_000).rows).toEqual(rows.slice(3, 6));
    expect(takeBatch(queue, lane, 3, 1_000_000).rows).toEqual(rows.slice(6));
    expect(takeBatch(queue, lane, 3, 1_000_000).rows).toEqual([]);
    expect(queue.size).toBe(0);
  });

  it("cuts by exact UTF-8 body bytes, using every byte it may", () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(`r${String(i).padStart(2, "0")}`, { input: "é".repeat(40) }));
    const perRow = Buffer.byteLength(rows[0]!);
    const cap = ENVELOPE_BYTES + 5 * perRow + 4; // exactly five rows and their commas
    const { queue, lane } = queueOf(rows);
    const batches: string[][] = [];
    for (let b = takeBatch(queue, lane, 1000, cap); b.rows.length > 0; b = takeBatch(queue, lane, 1000, cap)) {
      expect(batchBytes(b.rows)).toBeLessThanOrEqual(cap);
      batches.push(b.rows);
    }
    expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5]);
    expect(batches.flat()).toEqual(rows);
  });

  it("truncates a row too big for any batch and sends it alone", () => {
    const small = row("small");
    const big = row("big", { output: "x".repeat(50_000) });
    const { queue, lane } = queueOf([small, big, small]);
    const first = takeBatch(queue, lane, 10, 2_000);
    expect(first.rows).toEqual([small]); // the big one waits for its own batch
    const second = takeBatch(queue, lane, 10, 2_000);
    expect(second.rows).toHaveLength(1);
    expect(second.truncated).toBe(1);
    expect(JSON.parse(second.rows[0]!)).toMatchObject({ id: "big", output: "[truncated 50.0 KB]" });
    expect(batchBytes(second.rows)).toBeLessThanOrEqual(2_000);
    expect(takeBatch(queue, lane, 10, 2_000).rows).toEqual([small]);
  });

  it("drops (and counts) a row that cannot fit even truncated", () => {
    const hopeless = row("h", { span_parents: Array.from({ length: 300 }, (_, i) => `parent-${i}`) });
    const { queue, lane } = queueOf([hopeless, row("ok")]);
    const batch = takeBatch(queue, lane, 10, 1_024);
    expect(batch.dropped).toBe(1);
    expect(batch.rows).toEqual([row("ok")]);
    expect(queue.size).toBe(0);
  });
});

