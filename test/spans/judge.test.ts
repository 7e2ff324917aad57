// The judge's walk to the nearest kept ancestor, on a hand-built book.
import { describe, expect, it } from "vitest";
import { keptAncestor } from "../../src/spans/judge.js";
import { DROPPED, KEPT, OPEN, type SpanNote, TraceBook } from "../../src/spans/trace-book.js";

const note = (parentId?: string, state: SpanNote["state"] = OPEN): SpanNote =>
  ({ parentId, dest: undefined, live: undefined, state, pinned: false, started: false, root: parentId === undefined });

describe("keptAncestor", () => {
  it("keptAncestor walks past dropped spans and pins the open ancestor it names", () => {
    const book = new TraceBook();
    book.add("t", "root", note());
    book.add("t", "route", note("root"));
    book.add("t", "llm", note("route"));
    book.end("t", "route")!.state = DROPPED;
    expect(keptAncestor(book, () => false, "t", "route", false)).toBe("root");
    expect(book.get("t", "root")!.pinned).toBe(true);
    // An open ancestor the filter keeps is named and pinned.
    book.add("t", "agent", { ...note("root"), live: { name: "ai.agent" } as never });
    expect(keptAncestor(book, (s) => s.name.startsWith("ai."), "t", "agent", false)).toBe("agent");
    expect(book.get("t", "agent")!.pinned).toBe(true);
    expect(book.get("t", "agent")!.state).toBe(OPEN);
    book.end("t", "agent");
    expect(book.get("t", "agent")!.state).toBe(KEPT);
    // Unknown ancestors end the walk; the exporter leaves a pinned placeholder.
    expect(keptAncestor(book, () => false, "t", "elsewhere", true)).toBe("elsewhere");
    expect(book.get("t", "elsewhere")!.pinned).toBe(true);
  });
});
