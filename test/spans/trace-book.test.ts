// What the book keeps: never more than maxNotes; of finished traces, the most recently
// finished ones for late children, a trace that reopens counting as finished again only
// when it ends again.
import { describe, expect, it } from "vitest";
import { OPEN, type SpanNote, TraceBook } from "../../src/spans/trace-book.js";

const note = (parentId?: string): SpanNote => ({ parentId, dest: undefined, live: undefined, state: OPEN, pinned: false, started: false, root: parentId === undefined });

describe("TraceBook size", () => {
  it("never holds more than maxNotes, forgetting finished traces first", () => {
    const book = new TraceBook(10, 100);
    for (let t = 0; t < 5; t++) book.add(`t${t}`, "root", note());
    for (let t = 0; t < 3; t++) book.end(`t${t}`, "root");
    for (let i = 0; i < 8; i++) book.add("busy", `s${i}`, note("root"));
    expect(book.size).toBe(10);
    expect(book.get("t0", "root")).toBeUndefined(); // finished: forgotten first
    expect(book.get("t3", "root")).toBeDefined(); // still open
    for (let i = 8; i < 20; i++) book.add("busy", `s${i}`, note("root"));
    expect(book.size).toBe(10);
  });
});

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
