// The record book's bounds: a byte budget with the oldest evicted first (counted, said once),
// deadlines so a span that never ends leaks nothing, and late merge rows built after the
// current turn, one per span however many records came.
import { describe, expect, it } from "vitest";
import type { SpanEventLike, SpanLike } from "../../src/convert/types.js";
import type { RowOrder } from "../../src/rows/pipeline.js";
import { RecordBook, eventBytes, spanBytes } from "../../src/spans/record-book.js";
import { toSpan } from "../fixtures/frameworks/span.js";
import { captureDiag } from "../helpers/diag.js";
import { resetLogState } from "../../src/log.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const user = (content: string): SpanEventLike => ({ name: "gen_ai.user.message", attributes: { content } });

function spanWithId(spanId: string): SpanLike {
  const span = toSpan({ name: "chat", attributes: { "gen_ai.operation.name": "chat" } });
  return { ...span, spanContext: () => ({ traceId: TRACE, spanId, traceFlags: 1 }) };
}

const orderOf = (span: SpanLike): RowOrder => ({ span, destination: { kind: "project_name", value: "p", key: "project_name:p" }, parentId: undefined, merge: false });

function book(options: { maxBytes?: number; waitMs?: number; keepMs?: number } = {}) {
  const sent: RowOrder[] = [];
  let now = 0;
  const b = new RecordBook({ ...options, send: (order) => sent.push(order), now: () => now });
  b.active = true;
  return { b, sent, tick: (ms: number) => (now += ms) };
}

describe("the byte budget", () => {
  it("evicts the oldest waiting records first, counts them, and says so once", () => {
    resetLogState();
    const diag = captureDiag();
    try {
      const size = eventBytes(user("x".repeat(1000)));
      const { b } = book({ maxBytes: size * 3 });
      for (let i = 0; i < 10; i++) b.add(TRACE, `span${i}`, user("x".repeat(1000)));
      expect(b.heldBytes).toBeLessThanOrEqual(size * 3);
      expect(b.stats.evicted).toBe(7);
      expect(b.size).toBe(3);
      // The newest survive: the last span's records still fold in.
      const folded = b.fold(orderOf(spanWithId("span9")));
      expect(folded.span.events).toHaveLength(1);
      expect(b.fold(orderOf(spanWithId("span0"))).span.events).toHaveLength(0);
      expect(diag.messages.filter((m) => m.includes("byte budget"))).toHaveLength(1);
    } finally {
      diag.stop();
    }
  });

  it("gives up spans kept for late records before waiting records", () => {
    const size = eventBytes(user("y"));
    const kept = spanWithId("sent");
    const { b } = book({ maxBytes: spanBytes(kept) + size * 2 - 1 });
    b.fold(orderOf(kept));
    expect(b.size).toBe(1);
    b.add(TRACE, "a", user("y"));
    b.add(TRACE, "b", user("y"));
    expect(b.stats.evicted).toBe(0);
    expect(b.size).toBe(2);
  });

  it("charges a kept span by its attributes, so spans with large prompts cannot pile up", () => {
    const big = { ...spanWithId("big"), attributes: { "gen_ai.operation.name": "chat", "gen_ai.input.messages": "x".repeat(100_000) } };
    expect(spanBytes(big)).toBeGreaterThan(200_000);
    const { b } = book({ maxBytes: 1_000_000 });
    for (let i = 0; i < 20; i++) b.fold(orderOf({ ...big, spanContext: () => ({ traceId: TRACE, spanId: `big${i}`, traceFlags: 1 }) }));
    expect(b.heldBytes).toBeLessThanOrEqual(1_000_000);
    expect(b.size).toBeLessThan(5);
  });

  it("bounds a record too large to measure", () => {
    const huge = { name: "gen_ai.user.message", attributes: { content: Array.from({ length: 20_000 }, () => ({ t: 1 })) } };
    expect(eventBytes(huge)).toBeGreaterThanOrEqual(1024 * 1024);
  });
});

describe("deadlines", () => {
  it("records of a span that never ends are let go after waitMs, as unmatched", () => {
    const { b, tick } = book({ waitMs: 1000 });
    b.add(TRACE, "never", user("a"));
    tick(1001);
    b.add(TRACE, "other", user("b"));
    expect(b.stats.unmatched).toBe(1);
    expect(b.size).toBe(1);
    expect(b.heldBytes).toBe(eventBytes(user("b")));
  });

  it("a sent span is kept keepMs for late records, then let go", () => {
    const { b, tick } = book({ keepMs: 1000 });
    b.fold(orderOf(spanWithId("s")));
    tick(1001);
    b.add(TRACE, "other", user("b"));
    expect(b.size).toBe(1);
    // The late record now finds nothing: it waits (and expires) like any other.
    b.add(TRACE, "s", user("late"));
    expect(b.stats.late).toBe(0);
  });
});

describe("late records", () => {
  it("become one merge row per span after the turn, with every record the span had", async () => {
    const { b, sent } = book();
    const span = spanWithId("s");
    b.add(TRACE, "s", user("first"));
    b.fold(orderOf(span));
    b.add(TRACE, "s", user("second"));
    b.add(TRACE, "s", user("third"));
    expect(sent).toHaveLength(0); // not in the app's call
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.merge).toBe(true);
    expect(sent[0]!.span.events!.map((e) => e.attributes!.content)).toEqual(["first", "second", "third"]);
    expect(b.stats).toMatchObject({ joined: 1, late: 2 });
  });

  it("a record of another trace with the same span id is not taken for a late one", () => {
    const { b } = book();
    b.fold(orderOf(spanWithId("s")));
    b.add("ffffffffffffffffffffffffffffffff", "s", user("x"));
    expect(b.stats.late).toBe(0);
  });
});
