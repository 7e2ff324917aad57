// Which finished traces the book keeps for late children: the most recently finished ones,
// a trace that reopens counting as finished again only when it ends again.
import { describe, expect, it } from "vitest";
import { OPEN, type SpanNote, TraceBook } from "../src/trace-book.js";

const note = (parentId?: string): SpanNote => ({ parentId, dest: undefined, live: undefined, state: OPEN, pinned: false, started: false, root: parentId === undefined });

describe("TraceBook finished traces", () => {
  it("forgets the trace that finished longest ago, not the one that started first", () => {
    const book = new TraceBook(1_000, 2);
    for (const t of ["a", "b", "c"]) book.add(t, "root", note());
    book.end("b", "root");
    book.end("a", "root");
    book.end("c", "root"); // b finished first: it goes
    expect(["a", "b", "c"].map((t) => book.get(t, "root") !== undefined)).toEqual([true, false, true]);
  });

  it("a late child reopens its trace, which then finishes anew as the newest", () => {
    const book = new TraceBook(1_000, 2);
    for (const t of ["a", "b"]) {
      book.add(t, "root", note());
      book.end(t, "root");
    }
    book.add("a", "late", note("root")); // a is open again
    book.add("c", "root", note());
    book.end("c", "root"); // finished: b, c
    expect(book.get("a", "root")).toBeDefined();
    book.end("a", "late"); // finished: b, c, a: b goes
    expect([book.get("b", "root"), book.get("c", "root")?.state, book.get("a", "late")?.state]).toEqual([undefined, 1, 1]);
    // Many traces finish while "a" keeps reopening: only the two most recently finished stay.
    for (let i = 0; i < 5_000; i++) {
      book.add(`t${i}`, "root", note());
      if (i % 3 === 0) book.add("a", `late${i}`, note("root"));
      book.end(`t${i}`, "root");
      if (i % 3 === 0) book.end("a", `late${i}`);
    }
    // The last finishes: t4998, then a (its late child ended after), then t4999. Of a, only
    // that child is known: a was forgotten each time two traces finished after it.
    expect([book.get("t4998", "root"), book.get("t4999", "root")?.state, book.get("a", "late4998")?.state]).toEqual([undefined, 1, 1]);
    expect(book.get("a", "root")).toBeUndefined();
    expect(book.size).toBe(2);
  });
});
