import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteBoundedQueue } from "../../src/delivery/queue.js";

describe("ByteBoundedQueue", () => {
  it("refuses rows past maxRows, and counts exactly what it holds", () => {
    const q = new ByteBoundedQueue(3, 1_000_000);
    const lane = q.lane("project_id:p");
    const accepted = ["a", "b", "c", "d", "e"].map((row) => q.push(lane, row));
    expect(accepted).toEqual([true, true, true, false, false]);
    expect(q.size).toBe(3);
    expect(q.bytes).toBe(3);
  });

  it("counts what it holds against maxBytes: each row's bytes and separator, in chunks cut to the budget", () => {
    const q = new ByteBoundedQueue(100, 12);
    const lane = q.lane("k");
    expect(q.push(lane, "1234567")).toBe(true); // 8 of 12
    expect(q.push(lane, "abcd")).toBe(false); // 8 + 5 > 12
    expect(q.push(lane, "xyz")).toBe(true); // 8 + 4 = 12
    expect([q.bytes, q.held]).toEqual([10, 12]);
    expect(q.push(lane, "z")).toBe(false);
  });

  it("gives a lane with a few rows a small chunk, and a busy one chunks growing to 64 KiB", () => {
    const q = new ByteBoundedQueue(1_000_000, 64 * 1024 * 1024);
    const lanes = Array.from({ length: 1000 }, (_, i) => q.lane(`project_name:p${i}`));
    const row = JSON.stringify({ id: "r", input: "x".repeat(200) });
    for (const lane of lanes) expect(q.push(lane, row)).toBe(true);
    // A 64 KiB chunk each would hold 64 MB for these 230 KB of rows.
    expect(q.held).toBe(1000 * 1024);
    const busy = lanes[0]!;
    for (let i = 0; i < 2000; i++) q.push(busy, row);
    expect(busy.held).toBeLessThan(busy.bytes * 1.1 + 64 * 1024);
    while (busy.length > 0) q.take(busy, 100);
    expect(busy.held).toBe(0);
    for (const lane of lanes) q.clear(lane);
    expect([q.held, q.bytes, q.size]).toEqual([0, 0, 0]);
  });

  it("hands a forgotten lane's chunk to the next lane: names that come and go allocate no new memory", () => {
    const q = new ByteBoundedQueue(1_000_000, 64 * 1024 * 1024);
    const row = JSON.stringify({ id: "r", input: "x".repeat(160) });
    // 10,000 names through 100 lanes kept at once, one row each, the oldest forgotten. Each
    // forgotten lane's chunk waits among the spares, and the next new lane takes it: were a
    // new chunk made instead, the spares would fill up.
    const kept: ReturnType<typeof q.lane>[] = [];
    const sparesAfter = { forget: new Set<number>(), push: new Set<number>() };
    for (let i = 0; i < 10_000; i++) {
      if (kept.length === 100) {
        expect(q.forget(kept.shift()!)).toBe(1);
        sparesAfter.forget.add(q.spares.bytes);
      }
      const lane = q.lane(`project_name:tenant-${i}`);
      expect(q.push(lane, row)).toBe(true);
      sparesAfter.push.add(q.spares.bytes);
      kept.push(lane);
    }
    expect(sparesAfter).toEqual({ forget: new Set([1024]), push: new Set([0]) });
    expect([q.size, q.held]).toEqual([100, 100 * 1024]);
    expect(kept.map((lane) => q.shift(lane))).toEqual(kept.map(() => row));
    expect(q.held).toBe(0);
  });

  it("keeps few spare chunks, outside what it holds, and gives rows over 1 KiB a power-of-two chunk", () => {
    const q = new ByteBoundedQueue(1_000_000, 64 * 1024 * 1024);
    const lanes = Array.from({ length: 1000 }, (_, i) => q.lane(`project_name:p${i}`));
    for (const lane of lanes) q.push(lane, "x".repeat(100));
    for (const lane of lanes) q.forget(lane);
    expect(q.held).toBe(0);
    expect(q.spares.bytes).toBe(64 * 1024); // 64 of the 1,000 chunks; the rest are left to the GC
    const wide = q.lane("project_name:wide");
    expect(q.push(wide, "y".repeat(1500))).toBe(true);
    expect(q.held).toBe(2048);
    expect(q.push(wide, "z".repeat(400))).toBe(true); // room left in that chunk
    expect(q.held).toBe(2048);
  });

  it("never hands out a spare chunk smaller than asked, as when a chunk is cut to the budget", () => {
    const q = new ByteBoundedQueue(100, 1800);
    const a = q.lane("a");
    q.push(a, "x".repeat(100));
    q.forget(a);
    expect(q.spares.bytes).toBe(1024);
    const b = q.lane("b");
    expect(q.push(b, "y".repeat(1400))).toBe(true); // a 2 KiB chunk, cut to the 1,800 bytes left
    expect(q.held).toBe(1800);
    expect(q.shift(b)).toBe("y".repeat(1400));
  });

  it("refuses, across all lanes, a row the memory left cannot hold", () => {
    const q = new ByteBoundedQueue(1_000_000, 100 * 1024);
    const row = JSON.stringify({ id: "r", input: "x".repeat(200) });
    let accepted = 0;
    for (let i = 0; i < 1000; i++) if (q.push(q.lane(`project_name:p${i}`), row)) accepted++;
    expect(accepted).toBe(100);
    expect(q.held).toBeLessThanOrEqual(100 * 1024);
  });

  it("never reuses a chunk that still holds rows queued after a large row", () => {
    // Rows of ~1 KB fill 64 KiB chunks; a 20 KB row gets a buffer of its own between them.
    const q = new ByteBoundedQueue(10_000, 64 * 1024 * 1024);
    const lane = q.lane("main");
    const other = q.lane("other");
    const row = (tag: string, n: number) => JSON.stringify({ id: `${tag}-${n}`, pad: tag.repeat(1000) });
    const sent: string[] = [];
    for (let n = 0; n < 60; n++) {
      const json = n === 30 ? JSON.stringify({ id: "big", pad: "B".repeat(20_000) }) : row("a", n);
      expect(q.push(lane, json)).toBe(true);
      sent.push(json);
    }
    for (let n = 0; n < 100; n++) {
      expect(q.push(lane, row("c", n))).toBe(true);
      sent.push(row("c", n));
    }
    // Up to the large row: the chunk the small rows share now has its first half sent.
    const received = q.take(lane, 30).texts();
    received.push(...q.take(lane, 1).texts()); // the large row
    // Another lane writes 50 KB into whatever chunk is free.
    for (let n = 0; n < 50; n++) expect(q.push(other, row("x", n))).toBe(true);
    while (lane.length > 0) received.push(...q.take(lane, 7).texts());
    expect(received).toEqual(sent);
  });

  it("keeps one FIFO per lane and totals across lanes", () => {
    const q = new ByteBoundedQueue(10, 1_000_000);
    const a = q.lane("a");
    const b = q.lane("b");
    q.push(a, "a1");
    q.push(b, "b1");
    q.push(a, "a2");
    expect(q.lane("a")).toBe(a);
    expect([a.length, b.length, q.size]).toEqual([2, 1, 3]);
    expect(a.peek()).toBe("a1");
    expect(q.shift(a)).toBe("a1");
    expect(q.shift(a)).toBe("a2");
    expect(q.shift(a)).toBeUndefined();
    expect([a.taken, a.bytes, q.size, q.bytes]).toEqual([2, 0, 1, 2]);
  });

  it("frees room as rows leave, so a full queue accepts again", () => {
    const q = new ByteBoundedQueue(2, 1000);
    const lane = q.lane("k");
    q.push(lane, "1");
    q.push(lane, "2");
    expect(q.push(lane, "3")).toBe(false);
    q.shift(lane);
    expect(q.push(lane, "3")).toBe(true);
    expect([q.shift(lane), q.shift(lane)]).toEqual(["2", "3"]);
  });

  it("clear() empties a lane and reports how many rows it held", () => {
    const q = new ByteBoundedQueue(10, 1_000_000);
    const a = q.lane("a");
    const b = q.lane("b");
    q.push(a, "xx");
    q.push(a, "yy");
    q.push(b, "zzz");
    q.shift(a);
    expect(q.clear(a)).toBe(1);
    expect([a.length, a.bytes, a.taken, q.size, q.bytes]).toEqual([0, 0, 2, 1, 3]);
  });

  it("stays FIFO across internal compaction with many rows", () => {
    const q = new ByteBoundedQueue(100_000, 10_000_000);
    const lane = q.lane("k");
    const out: string[] = [];
    for (let i = 0; i < 5000; i++) {
      q.push(lane, String(i));
      if (i % 3 === 0) out.push(q.shift(lane)!);
    }
    while (lane.length > 0) out.push(q.shift(lane)!);
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => String(i)));
    expect([q.size, q.bytes]).toEqual([0, 0]);
  });
});

describe("ByteBoundedQueue under arbitrary use", () => {
  it("every lane gives back exactly the rows pushed into it, in order, whatever the sizes and interleaving", () => {
    const op = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant("push" as const), lane: fc.nat(2), size: fc.oneof(fc.nat(4000), fc.nat(4000), fc.integer({ min: 17_000, max: 70_000 })), wide: fc.boolean() }) },
      fc.record({ kind: fc.constant("take" as const), lane: fc.nat(2), count: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant("shift" as const), lane: fc.nat(2) }),
      fc.record({ kind: fc.constant("clear" as const), lane: fc.nat(2) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 100, maxLength: 400 }), (ops) => {
        const q = new ByteBoundedQueue(100_000, 64 * 1024 * 1024);
        const lanes = [0, 1, 2].map((i) => q.lane(`lane-${i}`));
        const model: string[][] = [[], [], []];
        let serial = 0;
        for (const o of ops) {
          const lane = lanes[o.lane]!;
          const expected = model[o.lane]!;
          if (o.kind === "push") {
            const json = JSON.stringify({ n: serial++, pad: (o.wide ? "é" : "a").repeat(o.size) });
            expect(q.push(lane, json)).toBe(true);
            expected.push(json);
          } else if (o.kind === "take") {
            expect(q.take(lane, o.count).texts()).toEqual(expected.splice(0, o.count));
          } else if (o.kind === "shift") {
            expect(q.shift(lane)).toEqual(expected.shift());
          } else {
            expect(q.clear(lane)).toBe(expected.length);
            expected.length = 0;
          }
          expect(q.size).toBe(model.reduce((n, rows) => n + rows.length, 0));
          expect(q.bytes).toBe(model.flat().reduce((n, row) => n + Buffer.byteLength(row), 0));
          // What it holds covers every row and its comma, and is the sum of what each lane holds.
          expect(q.held).toBeGreaterThanOrEqual(q.bytes + q.size);
          expect(q.held).toBe(lanes.reduce((n, lane) => n + lane.held, 0));
        }
        lanes.forEach((lane, i) => expect(q.take(lane, lane.length).texts()).toEqual(model[i]));
        expect(q.held).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
