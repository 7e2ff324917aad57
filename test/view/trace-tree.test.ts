import { describe, expect, it } from "vitest";
import { type TraceRow, compareXactIds, latestVersions, renderTraceTree } from "../../src/view/trace-tree.js";

const span = (id: string, fields: TraceRow = {}): TraceRow => ({
  id: `row-${id}`,
  span_id: id,
  root_span_id: "root",
  span_attributes: { name: id },
  ...fields,
});

// A small agent trace, given out of order as a fetch would return it.
const AGENT: TraceRow[] = [
  span("tool", { span_parents: ["agent"], span_attributes: { name: "get_weather", type: "tool" }, metrics: { start: 10.5, end: 10.75 }, input: { city: "Paris" }, output: "sunny" }),
  span("llm-2", {
    span_parents: ["agent"],
    span_attributes: { name: "chat gpt-4o", type: "llm" },
    metrics: { start: 11, end: 12.5, prompt_tokens: 30, completion_tokens: 12, tokens: 42 },
  }),
  span("agent", { span_attributes: { name: "weather-agent", type: "task" }, metrics: { start: 10, end: 12.6 }, input: "weather?", output: "It is sunny" }),
  span("llm-1", {
    span_parents: ["agent"],
    span_attributes: { name: "chat gpt-4o", type: "llm" },
    metrics: { start: 10.1, end: 10.4, prompt_tokens: 20, completion_tokens: 5, tokens: 25 },
  }),
];

describe("renderTraceTree", () => {
  it("shows an LLM call as the last user message → the assistant's text or tool calls, not JSON", () => {
    const chat = [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }, { type: "image_url", image_url: { url: "x" } }] },
    ];
    const rows = [
      span("a", { span_attributes: { name: "chat", type: "llm" }, input: chat, output: [{ role: "assistant", content: "Sunny." }] }),
      span("b", {
        span_parents: ["a"],
        span_attributes: { name: "chat", type: "llm" },
        input: chat,
        output: [{ role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] }],
      }),
      span("c", { span_parents: ["a"], span_attributes: { name: "choices" }, output: [{ index: 0, message: { role: "assistant", content: "From a choice." } }] }),
    ];
    expect(renderTraceTree(rows, { width: 200 }).split("\n")).toEqual([
      'chat [llm]  "Weather in Paris?\\n[image]" → "Sunny."',
      '├─ chat [llm]  "Weather in Paris?\\n[image]" → "weather({\\"city\\":\\"Paris\\"})"',
      '└─ choices  → "From a choice."',
    ]);
  });

  it("puts the trace id and start time above each tree when asked", () => {
    const out = renderTraceTree(AGENT, { traceHeader: true, timeZone: "UTC", width: 60 });
    expect(out.split("\n")[0]).toBe("trace root · 1970-01-01 00:00:10");
    expect(renderTraceTree(AGENT, { traceHeader: true, timeZone: "Asia/Tokyo" }).split("\n")[0]).toBe("trace root · 1970-01-01 09:00:10");
  });

  it("draws a trace as a tree, children in start order, with type, duration and tokens", () => {
    expect(renderTraceTree(AGENT, { width: 200 }).split("\n")).toEqual([
      'weather-agent [task] 2.60s  "weather?" → "It is sunny"',
      "├─ chat gpt-4o [llm] 300ms 25 tok (20 in, 5 out)",
      '├─ get_weather [tool] 250ms  {"city":"Paris"} → "sunny"',
      "└─ chat gpt-4o [llm] 1.50s 42 tok (30 in, 12 out)",
    ]);
  });

  it("indents grandchildren under the right branch glyphs", () => {
    const rows = [
      span("root"),
      span("a", { span_parents: ["root"], metrics: { start: 1 } }),
      span("a1", { span_parents: ["a"], metrics: { start: 2 } }),
      span("b", { span_parents: ["root"], metrics: { start: 3 } }),
      span("b1", { span_parents: ["b"], metrics: { start: 4 } }),
    ];
    expect(renderTraceTree(rows).split("\n")).toEqual([
      "root",
      "├─ a running",
      "│  └─ a1 running",
      "└─ b running",
      "   └─ b1 running",
    ]);
  });

  it("orders children that started in the same millisecond by when their rows were written", () => {
    // Newest first, as a fetch returns them; the SDK's start times are whole milliseconds.
    const rows = [
      span("second", { span_parents: ["root"], metrics: { start: 5 }, _xact_id: "1000000000000000002" }),
      span("first", { span_parents: ["root"], metrics: { start: 5 }, _xact_id: "1000000000000000001" }),
      span("root", { _xact_id: "1000000000000000003" }),
    ];
    expect(renderTraceTree(rows).split("\n")).toEqual(["root", "├─ first running", "└─ second running"]);
  });

  it("separates traces with a blank line, oldest first", () => {
    const rows = [
      { id: "late", span_id: "late", root_span_id: "late", span_attributes: { name: "second" }, metrics: { start: 20, end: 21 } },
      { id: "early", span_id: "early", root_span_id: "early", span_attributes: { name: "first" }, metrics: { start: 5, end: 5.001 } },
    ];
    expect(renderTraceTree(rows)).toBe("first 1ms\n\nsecond 1.00s");
    const quick = { id: "q", span_attributes: { name: "quick" }, metrics: { start: 5, end: 5.0002 } };
    expect(renderTraceTree([quick])).toBe("quick <1ms");
  });

  it("shows spans whose parent is missing at root level instead of dropping them", () => {
    const rows = [span("root", { metrics: { start: 1 } }), span("orphan", { span_parents: ["never-sent"], metrics: { start: 2 } })];
    expect(renderTraceTree(rows).split("\n")).toEqual(["root running", "orphan running"]);
  });

  it("survives a parent cycle, drawing each span once", () => {
    const rows = [span("a", { span_parents: ["b"] }), span("b", { span_parents: ["a"] })];
    const lines = renderTraceTree(rows).split("\n");
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.replace(/^[└├│─ ]+/, "")).sort()).toEqual(["a", "b"]);
  });

  it("keeps the newest version of a repeated row", () => {
    const rows = [
      span("s", { _xact_id: "2", output: "new" }),
      span("s", { _xact_id: "1", output: "old" }),
    ];
    expect(renderTraceTree(rows)).toBe('s  → "new"');
  });

  it("marks errors with their first line", () => {
    const rows = [
      span("a", { error: "TypeError: boom\n\n    at f (x.ts:1:1)", metrics: { start: 1, end: 1 } }),
      { id: "b", span_id: "b", root_span_id: "b", span_attributes: { name: "b" }, error: { name: "RangeError", message: "too far" }, metrics: { start: 9 } },
    ];
    expect(renderTraceTree(rows).split("\n\n")).toEqual(["a <1ms ✗ TypeError: boom", "b running ✗ RangeError: too far"]);
  });

  it("cuts previews with … to the width, sharing the room between input and output", () => {
    const rows = [span("s", { input: { prompt: "x".repeat(200) }, output: "y".repeat(200) })];
    const line = renderTraceTree(rows, { width: 60 });
    expect(Array.from(line)).toHaveLength(60);
    expect(line).toMatch(/^s {2}\{"prompt":"x+… → "y+…$/);
    const short = renderTraceTree([span("s", { input: "hi", output: "y".repeat(200) })], { width: 40 });
    expect(short).toMatch(/^s {2}"hi" → "y+…$/);
    expect(Array.from(short)).toHaveLength(40);
  });

  it("measures in terminal columns: emoji and CJK take two, and a cut never splits a character", () => {
    const line = renderTraceTree([span("s", { span_attributes: { name: "😀".repeat(40) } })], { width: 21 });
    expect(line).toBe("😀".repeat(10) + "…");
    const cjk = renderTraceTree([span("s", { span_attributes: { name: "漢字".repeat(20) } })], { width: 21 });
    expect(cjk).toBe("漢字".repeat(5) + "…");
    const family = "👨‍👩‍👧"; // one character of five code points, two columns
    expect(renderTraceTree([span("s", { span_attributes: { name: family.repeat(20) } })], { width: 21 })).toBe(family.repeat(10) + "…");
    const accents = "e\u0301".repeat(30); // combining marks take no column
    expect(renderTraceTree([span("s", { span_attributes: { name: accents } })], { width: 21 })).toBe("e\u0301".repeat(20) + "…");
  });

  it("cuts a long header too, and leaves previews out when there is no room", () => {
    const rows = [span("s", { span_attributes: { name: "n".repeat(100), type: "llm" }, input: "in" })];
    const line = renderTraceTree(rows, { width: 30 });
    expect(line).toBe("n".repeat(29) + "…");
    const tight = renderTraceTree([span("s", { span_attributes: { name: "n".repeat(20) }, input: "in" })], { width: 25 });
    expect(tight).toBe("n".repeat(20));
  });

  it("strips control characters from names and errors, so data cannot break the tree or the terminal", () => {
    const rows = [span("s", { span_attributes: { name: "evil\x1b[2Jname\nnext" }, error: "bad\x1b[31m" })];
    const out = renderTraceTree(rows);
    expect(out).not.toMatch(/[\x00-\x1f]/);
    expect(out.split("\n")).toHaveLength(1);
    // BEL, C1 controls (a one-byte CSI) and bidi overrides, which make text read other than it is.
    const sneaky = renderTraceTree([span("s", { span_attributes: { name: "a\x07b\x9b31mc\u202eevil\u2066d\u200fe" } })]);
    expect(sneaky).toBe("a b 31mcevilde");
  });

  it("colors each part when asked, and only then", () => {
    const plain = renderTraceTree(AGENT);
    const colored = renderTraceTree(AGENT, { color: true });
    expect(plain).not.toContain("\x1b[");
    expect(colored).toContain("\x1b[1mweather-agent\x1b[0m");
    expect(colored).toContain("\x1b[36m [llm]\x1b[0m");
    expect(colored.replace(/\x1b\[\d+m/g, "")).toBe(plain);
  });

  it("accepts rows with nothing but an id, and no rows at all", () => {
    expect(renderTraceTree([{ id: "x" }])).toBe("(unnamed)");
    expect(renderTraceTree([])).toBe("");
  });

  it("shows tokens that are present and nothing made up", () => {
    const rows = [
      { id: "a", span_attributes: { name: "total-only" }, metrics: { tokens: 7 } },
      { id: "b", span_attributes: { name: "split-only" }, metrics: { prompt_tokens: 3, completion_tokens: 4 } },
    ];
    expect(renderTraceTree(rows).split("\n\n")).toEqual(["total-only 7 tok", "split-only 3 in, 4 out"]);
  });
});

describe("latestVersions and compareXactIds", () => {
  it("orders transaction ids beyond 2^53 exactly", () => {
    const [older, newer] = ["1000194700000000001", "1000194700000000002"];
    expect(Number(older)).toBe(Number(newer)); // what a numeric comparison would get wrong
    expect(compareXactIds(older, newer)).toBeLessThan(0);
    expect(compareXactIds(newer, older)).toBeGreaterThan(0);
    expect(compareXactIds("99", "100")).toBeLessThan(0);
    expect(compareXactIds("007", "7")).toBe(0);
    expect(compareXactIds(undefined, "1")).toBeLessThan(0);
  });

  it("keeps the newest version of each id, in first-seen order, and every row without an id", () => {
    const rows = [
      { id: "a", _xact_id: "1000194700000000002", v: "a-new" },
      { id: "b", _xact_id: "5", v: "b" },
      { id: "a", _xact_id: "1000194700000000001", v: "a-old" },
      { v: "anonymous-1" },
      { v: "anonymous-2" },
    ];
    expect(latestVersions(rows).map((r) => r.v)).toEqual(["a-new", "b", "anonymous-1", "anonymous-2"]);
  });
});
