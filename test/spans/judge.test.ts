// The judge's own walk to a kept span's nearest kept ancestor, fed by a real SDK as the
// processor feeds it: noted at start, judged at end. What it answers is the parent each row
// names (an id, null for none) and the late links it writes.
import { context, type Span, trace } from "@opentelemetry/api";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { makeParent } from "../../src/config/parent.js";
import type { SpanLike } from "../../src/convert/types.js";
import type { LinkOrder, RowOrder } from "../../src/rows/pipeline.js";
import { SpanJudge } from "../../src/spans/judge.js";
import { TraceBook } from "../../src/spans/trace-book.js";
import { providerWith } from "../helpers/tracing.js";

const destination = makeParent("project_name", "judge");

/** A tracer whose spans a SpanJudge with `keeps` as its filter judges; rows and links by span name. */
function judged(keeps: (span: SpanLike) => boolean) {
  const rows = new Map<string, RowOrder>();
  const links: LinkOrder[] = [];
  const judge = new SpanJudge(new TraceBook(), { filter: keeps, fallback: () => destination, logSpanStart: false, seesStarts: true, link: (order) => links.push(order) });
  const feed: SpanProcessor = {
    onStart: (span, parent) => void judge.noteStart(span as unknown as SpanLike, parent),
    onEnd: (span: ReadableSpan) => {
      const order = judge.ended(span as unknown as SpanLike);
      if (order) rows.set(span.name, order);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const tracer = providerWith(feed).getTracer("judge");
  const child = (parent: Span, name: string) => tracer.startSpan(name, {}, trace.setSpan(context.active(), parent));
  return { tracer, child, rows, links, judge };
}

const idOf = (span: Span) => span.spanContext().spanId;

describe("SpanJudge", () => {
  it("names the nearest kept ancestor past dropped ones, and none when only the root is above: the root is not kept for being the root", () => {
    const { tracer, child, rows, judge } = judged((span) => span.name.startsWith("ai."));
    const root = tracer.startSpan("GET /");
    const agent = child(root, "ai.agent");
    const query = child(agent, "pg.query");
    const embed = child(query, "ai.embed");
    query.end(); // dropped before the child below it ends
    embed.end();
    agent.end();
    root.end();
    expect([...rows.keys()].sort()).toEqual(["ai.agent", "ai.embed"]);
    expect(rows.get("ai.embed")!.parentId).toBe(idOf(agent));
    expect(rows.get("ai.agent")!.parentId).toBeNull();
    expect(judge.filtered).toBe(2);
  });

  it("keeps an ancestor it named while it was running, even when the filter would drop it at its end", () => {
    let agentIsAI = true;
    const { tracer, child, rows } = judged((span) => (span.name === "agent" ? agentIsAI : span.name.startsWith("ai.")));
    const root = tracer.startSpan("job");
    const agent = child(root, "agent");
    const hop = child(agent, "http hop");
    const llm = child(hop, "ai.llm");
    hop.end();
    llm.end(); // the agent is kept now, and named
    agentIsAI = false;
    agent.end();
    root.end();
    expect(rows.get("ai.llm")!.parentId).toBe(idOf(agent));
    expect(rows.has("agent")).toBe(true); // no row names a parent that was not sent
  });

  it("lets a child of an undecided ancestor wait, then links it once that ancestor is kept", () => {
    const { tracer, child, rows, links } = judged((span) => span.name.startsWith("ai.") || span.attributes?.["gen_ai.operation.name"] !== undefined);
    const root = tracer.startSpan("POST /agent");
    const agent = child(root, "agent");
    const llm = child(agent, "ai.llm");
    llm.end();
    expect(rows.get("ai.llm")).toMatchObject({ parentId: null, merge: true }); // a merge, so its late link survives either order
    expect(links).toEqual([]);
    agent.setAttribute("gen_ai.operation.name", "invoke_agent");
    agent.end();
    root.end();
    expect(links).toEqual([{ traceId: agent.spanContext().traceId, spanId: idOf(llm), parentId: idOf(agent), destination }]);
  });

  it("names no parent above a span it never saw start (another process, or forgotten)", () => {
    const { tracer, rows } = judged(() => true);
    const unseen = providerWith().getTracer("elsewhere").startSpan("ai.unseen");
    const span = tracer.startSpan("ai.here", {}, trace.setSpan(context.active(), unseen));
    span.end();
    unseen.end();
    expect(rows.get("ai.here")!.parentId).toBeNull();
  });
});
