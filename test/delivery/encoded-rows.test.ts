import { describe, expect, it } from "vitest";
import { ByteBoundedQueue } from "../../src/delivery/queue.js";
import { ENVELOPE_BYTES, EncodedRows } from "../../src/delivery/encoded-rows.js";

const row = (id: string, text = "") => JSON.stringify({ id, text });

describe("EncodedRows", () => {
  it("holds the exact request body, and reads each row back", () => {
    const rows = [row("a", "ünï 日本 😀"), row("b"), row("c", "x".repeat(5000))];
    const encoded = EncodedRows.fromText(rows);
    expect(encoded.body.toString("utf8")).toBe(`{"events":[${rows.join(",")}]}`);
    expect(encoded.texts()).toEqual(rows);
    expect(encoded.length).toBe(3);
    expect(EncodedRows.fromText([]).body.toString()).toBe('{"events":[]}');
  });

  it("splits in order into two complete bodies; an odd count puts the extra row first", () => {
    const rows = ["a", "b", "c", "d", "e"].map((id) => row(id, "é"));
    const [first, second] = EncodedRows.fromText(rows, true).split();
    expect(JSON.parse(first.body.toString())).toEqual({ events: rows.slice(0, 3).map((r) => JSON.parse(r)) });
    expect(JSON.parse(second.body.toString())).toEqual({ events: rows.slice(3).map((r) => JSON.parse(r)) });
    expect([first.texts(), second.texts()]).toEqual([rows.slice(0, 3), rows.slice(3)]);
    expect(first.truncated && second.truncated).toBe(true);
    const [one, none] = EncodedRows.fromText([row("only")]).split();
    expect([one.texts(), none.texts(), none.body.length]).toEqual([[row("only")], [], ENVELOPE_BYTES]);
  });
});

describe("rows taken from the queue as bytes", () => {
  it("counts exact UTF-8 bytes, and refuses a row whose bytes pass the bound though its length would not", () => {
    const q = new ByteBoundedQueue(100, 14);
    const lane = q.lane("k");
    expect(q.push(lane, "日本語")).toBe(true); // 3 characters, 9 bytes (and a comma)
    expect([q.bytes, lane.bytes]).toEqual([9, 9]);
    expect(q.push(lane, "éé")).toBe(false); // 2 characters would fit in the 4 bytes left; 4 bytes and a comma do not
    expect(q.push(lane, "abc")).toBe(true);
    expect(q.take(lane, 5).texts()).toEqual(["日本語", "abc"]);
    expect([q.size, q.bytes, lane.taken]).toEqual([0, 0, 2]);
  });

  it("keeps every lane's rows in order across many chunks, whatever their sizes", () => {
    const q = new ByteBoundedQueue(1_000_000, 100_000_000);
    const lanes = [q.lane("a"), q.lane("b"), q.lane("c")];
    const sent: string[][] = [[], [], []];
    const expected: string[][] = [[], [], []];
    // Sizes from a few bytes to past a whole chunk, so rows end chunks early and get chunks of their own.
    const sizes = [3, 700, 5_000, 20_000, 90];
    for (let i = 0; i < 3_000; i++) {
      const which = (i * 7) % 3;
      const size = i % 500 === 0 ? 1_200_000 : sizes[i % sizes.length]!;
      const text = row(`${which}-${i}`, (i % 7 === 0 ? "é" : "x").repeat(size));
      expect(q.push(lanes[which]!, text)).toBe(true);
      expected[which]!.push(text);
      if (i % 11 === 0) sent[(which + 1) % 3]!.push(...q.take(lanes[(which + 1) % 3]!, 37).texts());
      if (i % 97 === 0 && lanes[which]!.length > 0) sent[which]!.push(q.shift(lanes[which]!)!);
    }
    lanes.forEach((lane, i) => sent[i]!.push(...q.take(lane, lane.length).texts()));
    expect(sent).toEqual(expected);
    expect([q.size, q.bytes]).toEqual([0, 0]);
  });

  it("reuses emptied chunks without touching rows still queued", () => {
    const q = new ByteBoundedQueue(1_000_000, 100_000_000);
    const lanes = [q.lane("a"), q.lane("b")];
    const expected: string[][] = [[], []];
    const sent: string[][] = [[], []];
    let n = 0;
    const push = (which: number, count: number) => {
      for (let i = 0; i < count; i++) {
        const text = row(`${which}-${n++}`, "y".repeat(2_000 + (n % 300)));
        q.push(lanes[which]!, text);
        expected[which]!.push(text);
      }
    };
    // Thousands of 2 KB rows fill many chunks; taking rows empties them, and pushes reuse them.
    push(0, 3_000);
    push(1, 3_000);
    for (let round = 0; round < 40; round++) {
      const which = round % 2;
      sent[which]!.push(...q.take(lanes[which]!, 400).texts());
      push(1 - which, 350);
    }
    lanes.forEach((lane, i) => sent[i]!.push(...q.take(lane, lane.length).texts()));
    expect(sent).toEqual(expected);
  });

  it("counts bodies in flight against the bound until they are done", () => {
    const q = new ByteBoundedQueue(100, 30);
    const lane = q.lane("k");
    q.push(lane, "x".repeat(20));
    const body = q.take(lane, 1).body;
    q.lend(body.length);
    expect(q.push(lane, "y".repeat(10))).toBe(false);
    q.returned(body.length);
    expect(q.push(lane, "y".repeat(10))).toBe(true);
  });
});
