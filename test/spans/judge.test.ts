// The judge's walk to the nearest kept ancestor, on a hand-built book.
import { describe, expect, it } from "vitest";
import { keptAncestor } from "../../src/spans/judge.js";
import { DROPPED, KEPT, OPEN, type SpanNote, TraceBook } from "../../src/spans/trace-book.js";

const note = (parentId?: string, state: SpanNote["state"] = OPEN): SpanNote =>
  ({ parentId, dest: undefined, live: undefined, state, pinned: false, started: false, root: parentId === undefined });

describe("keptAncestor", () => {
  it("walks past dropped spans, pins the open ancestor it names, and stops at the root", () => {
    const book = new TraceBook();
    book.add("t", "root", { ...note(), live: { name: "GET /" } as never });
    book.add("t", "route", note("root"));
    book.add("t", "llm", note("route"));
    book.end("t", "route")!.state = DROPPED;
    // The root is not kept for being the root: nothing to name.
    expect(keptAncestor(book, () => false, "t", "route")).toBeUndefined();
    expect(book.get("t", "root")!.pinned).toBe(false);
    // An open ancestor the filter keeps is named and pinned.
    book.add("t", "agent", { ...note("root"), live: { name: "ai.agent" } as never });
    expect(keptAncestor(book, (s) => s.name.startsWith("ai."), "t", "agent")).toBe("agent");
    expect(book.get("t", "agent")!.pinned).toBe(true);
    expect(book.get("t", "agent")!.state).toBe(OPEN);
    book.end("t", "agent");
    expect(book.get("t", "agent")!.state).toBe(KEPT);
    // Unknown ancestors end the walk with nothing named.
    expect(keptAncestor(book, () => false, "t", "elsewhere")).toBeUndefined();
  });
});
