// The OTLP intake's fold of GenAI log records into span rows, alone: either order gives the
// same row, and both sides stay within their limits whatever comes.
import { describe, expect, it } from "vitest";
import type { SpanEventLike, SpanLike } from "../../src/convert/types.js";
import { type Destination, SpanFold } from "../../src/testing/span-fold.js";

const destination: Destination = { object: "project_logs", id: "p1" };
const TRACE = "0af7651916cd43dd8448eb211c80319c";

function span(spanId: string): SpanLike {
  return {
    name: `chat ${spanId}`,
    spanContext: () => ({ traceId: TRACE, spanId }),
    startTime: [1_700_000_000, 0],
    endTime: [1_700_000_001, 0],
    attributes: { "gen_ai.operation.name": "chat" },
    events: [],
  };
}
const user = (content: string): SpanEventLike => ({ name: "gen_ai.user.message", attributes: { content } });

describe("SpanFold", () => {
  it("gives the same row whether the record comes before or after its span", () => {
    const before = new SpanFold();
    expect(before.add(TRACE, "a".repeat(16), user("hi"))).toBeUndefined();
    const first = before.row(span("a".repeat(16)), destination);

    const after = new SpanFold();
    const bare = after.row(span("a".repeat(16)), destination);
    expect(bare.input).toBeUndefined();
    const late = after.add(TRACE, "a".repeat(16), user("hi"))!;
    expect(late.destination).toBe(destination);
    expect(late.row).toEqual(first);
    expect(first.input).toEqual([{ role: "user", content: "hi" }]);
  });

  it("keeps at most `waiting` events waiting, dropping the oldest span's first, and counts them", () => {
    const fold = new SpanFold({ spans: 10, spanBytes: 1e9, waiting: 3 });
    for (const [id, text] of [["1", "one"], ["1", "one again"], ["2", "two"], ["3", "three"]] as const) fold.add(TRACE, id.repeat(16), user(text));
    expect(fold.dropped).toBe(2); // span 1's two events
    expect(fold.row(span("1".repeat(16)), destination).input).toBeUndefined();
    expect(fold.row(span("3".repeat(16)), destination).input).toEqual([{ role: "user", content: "three" }]);
  });

  it("remembers at most `spans` spans (and `spanBytes` of them) for late records", () => {
    const fold = new SpanFold({ spans: 2, spanBytes: 100, waiting: 10 });
    for (const id of ["1", "2", "3"]) fold.row(span(id.repeat(16)), destination, 10);
    expect(fold.add(TRACE, "1".repeat(16), user("late"))).toBeUndefined(); // forgotten: it waits instead
    expect(fold.add(TRACE, "3".repeat(16), user("late"))).toBeDefined();
    const bytes = new SpanFold({ spans: 10, spanBytes: 100, waiting: 10 });
    for (const id of ["1", "2"]) bytes.row(span(id.repeat(16)), destination, 60);
    expect(bytes.add(TRACE, "1".repeat(16), user("late"))).toBeUndefined();
    expect(bytes.add(TRACE, "2".repeat(16), user("late"))).toBeDefined();
  });

  it("folds at most `waiting` late events into one span", () => {
    const fold = new SpanFold({ spans: 10, spanBytes: 1e9, waiting: 2 });
    fold.row(span("1".repeat(16)), destination);
    expect([1, 2, 3].map((n) => fold.add(TRACE, "1".repeat(16), user(`late ${n}`)) !== undefined)).toEqual([true, true, false]);
    expect(fold.dropped).toBe(1);
  });
});
