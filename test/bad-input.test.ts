// Hostile span data through the real processor to the local server: each case costs at most
// its own span, says why through diag, and yields a row the official schema accepts or a
// counted drop. Nothing is thrown and no promise is left rejected.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor, MASK_FAILED } from "../src/index.js";
import type { SpanLike } from "../src/convert/types.js";
import { type LocalBraintrust, startLocalBraintrust } from "../src/testing/index.js";
import { watchEachTest } from "./helpers/diag.js";
import { loadSpecValidators } from "./helpers/spec.js";
import { providerWith } from "./helpers/tracing.js";

let server: LocalBraintrust;
const watch = watchEachTest();
let diagnostics: { messages: string[] };
const spec = await loadSpecValidators();

beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

/** Ends one span with `attributes` beside a well-behaved sibling, and returns both rows. */
async function send(projectName: string, attributes: Record<string, unknown>, options: { maxBatchBytes?: number } = {}) {
  diagnostics = watch.start();
  const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName, ...options });
  const provider = providerWith(processor);
  const tracer = provider.getTracer("bad-input");
  tracer.startActiveSpan("root", (root) => {
    const bad = tracer.startSpan("bad");
    expect(() => bad.setAttributes(attributes as never)).not.toThrow();
    bad.end();
    tracer.startSpan("good", { attributes: { input: "fine" } }).end();
    root.end();
  });
  await processor.forceFlush();
  const stats = processor.stats();
  await provider.shutdown();
  const rows = server.rows(projectName);
  if (spec) {
    for (const request of server.requests.filter((r) => r.path.includes(`/insert`))) {
      expect(spec.insertProjectLogs(request.body)).toEqual([]);
    }
  }
  const byName = (name: string) => rows.find((r) => r.span_attributes?.name === name);
  expect(byName("good")?.input).toBe("fine"); // the neighbour never pays
  expect(byName("root")).toBeDefined();
  return { bad: byName("bad"), stats, messages: diagnostics.messages };
}

describe("bad input", () => {
  it("a 10 MB attribute string: delivered with its largest field truncated, and counted", async () => {
    const huge = "x".repeat(10 * 1024 * 1024);
    const { bad, stats, messages } = await send("bad-huge", { "braintrust.output_json": JSON.stringify(huge), note: "kept" }, { maxBatchBytes: 1024 * 1024 });
    expect(bad?.output).toMatch(/^\[truncated 10\.\d MB\]$/);
    expect(bad?.metadata).toMatchObject({ note: "kept" });
    expect(stats.dropped.tooLarge).toBe(0);
    expect(stats.truncated).toBe(1);
    expect(messages.join("\n")).toMatch(/truncat/i);
  });

  it("invalid JSON in *_json attributes: kept as the string in metadata, with a warning", async () => {
    const { bad, messages } = await send("bad-json", { "braintrust.input_json": '{"a":', "braintrust.metadata": "not json" });
    expect(bad?.input).toBeUndefined();
    expect(bad?.metadata).toMatchObject({ "braintrust.input_json": '{"a":', "braintrust.metadata": "not json" });
    expect(messages.join("\n")).toMatch(/braintrust\.input_json is not valid JSON/);
  });

  it("NaN and Infinity: never sent as metrics, and the row stays valid", async () => {
    const { bad } = await send("bad-numbers", {
      weird: Number.NaN,
      big: Number.POSITIVE_INFINITY,
      "braintrust.metrics": '{"prompt_tokens": 1e999, "latency": -1e999, "ok": 2}',
      "gen_ai.usage.input_tokens": Number.NaN,
      "gen_ai.usage.output_tokens": 4,
    });
    expect(bad?.metrics).toMatchObject({ ok: 2, completion_tokens: 4, tokens: 4 });
    expect(bad?.metrics).not.toHaveProperty("prompt_tokens");
    expect(bad?.metrics).not.toHaveProperty("latency");
  });

  it("very deep nesting: the row is delivered, the unserializable part replaced by a marker", async () => {
    const depth = 200_000;
    const { bad } = await send("bad-deep", { "braintrust.input_json": "[".repeat(depth) + "]".repeat(depth), output: "still here" });
    expect(bad?.output).toBe("still here");
    expect(bad?.input).toMatch(/^\[unserializable: .+\]$/);
  });

  it("lone UTF-16 surrogates: sent as escapes, the row stays valid JSON", async () => {
    const { bad } = await send("bad-surrogates", { input: "a\ud800b", "braintrust.output_json": '"\\udc00"' });
    expect(bad?.input).toBe("a\ud800b");
    expect(bad?.output).toBe("\udc00");
  });

  it("__proto__ and constructor keys: stored as data, no prototype touched", async () => {
    const { bad } = await send("bad-proto", { "braintrust.metadata": '{"__proto__":{"admin":true},"constructor":{"prototype":1}}' });
    expect(({} as { admin?: boolean }).admin).toBeUndefined();
    expect(JSON.stringify(bad?.metadata)).toContain('"__proto__":{"admin":true}');
  });
});

describe("spans the SDK would never make", () => {
  let next = 0;
  const base = (over: Partial<SpanLike>): SpanLike => ({
    name: "odd",
    spanContext: ((id) => () => ({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: id }))(`b7ad6b71692033${String(++next).padStart(2, "0")}`),
    startTime: [1_700_000_010, 0],
    endTime: [1_700_000_011, 0],
    attributes: {},
    ...over,
  });

  it("ends before it starts, zero or malformed ids, not a span at all: each costs only itself", async () => {
    diagnostics = watch.start();
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "bad-spans" });
    const end = (span: unknown) => expect(() => processor.onEnd(span as never)).not.toThrow();
    end(base({ name: "backwards", startTime: [1_700_000_020, 0], endTime: [1_700_000_010, 0] }));
    end(base({ name: "zero ids", spanContext: () => ({ traceId: "0".repeat(32), spanId: "0".repeat(16) }) }));
    end(base({ name: "malformed ids", spanContext: () => ({ traceId: "not-hex", spanId: "" }) }));
    end(null);
    end({ name: "no context" });
    end(base({ name: "fine" }));
    await processor.forceFlush();
    const rows = server.rows("bad-spans");
    const names = rows.map((r) => r.span_attributes?.name).sort();
    expect(names).toEqual(["backwards", "fine", "malformed ids", "zero ids"]);
    const backwards = rows.find((r) => r.span_attributes?.name === "backwards")!;
    expect(backwards.metrics?.end).toBe(backwards.metrics?.start);
    for (const row of rows) {
      expect(row.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(row.span_id).not.toBe("0".repeat(16));
    }
    expect(processor.stats().dropped.invalid).toBe(2);
    const said = diagnostics.messages.join("\n");
    expect(said).toMatch(/ends before it starts/);
    expect(said).toMatch(/invalid span id/);
    await processor.shutdown();
  });
});

describe("spans whose every read throws", () => {
  it("cost only themselves, whether onEnd judges them at once or stores them for later", async () => {
    diagnostics = watch.start();
    const hostile = () =>
      new Proxy({}, { get: () => { throw { toString: () => { throw new Error("not even a message"); } }; } }) as unknown;
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "bad-hostile" });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("t");
    // The first end is judged at once; later ones, with nothing routed or filtered, are stored and judged after the turn.
    expect(() => processor.onEnd(hostile() as never)).not.toThrow();
    tracer.startSpan("fine 1").end();
    expect(() => processor.onEnd(hostile() as never)).not.toThrow();
    tracer.startSpan("fine 2").end();
    await new Promise((resolve) => setImmediate(resolve)); // the stored ones are judged in this turn
    await processor.forceFlush();
    expect(server.rows("bad-hostile").map((r) => r.span_attributes?.name).sort()).toEqual(["fine 1", "fine 2"]);
    expect(processor.stats().dropped.invalid).toBe(2);
    expect(diagnostics.messages.join("\n")).toMatch(/was dropped/);
    await provider.shutdown();
  });
});

describe("options that could never be sent", () => {
  it.each([
    ["a header with CRLF", { headers: { "x-team": "ml\r\nx-injected: 1" } }, /value of x-team holds a character that cannot be sent/],
    ["a bad header name", { headers: { "x team": "ml" } }, /"x team" is not a valid header name/],
    ["content-length", { headers: { "content-length": "12" } }, /content-length describes the connection or the body/],
    ["transfer-encoding", { headers: { "Transfer-Encoding": "chunked" } }, /Transfer-Encoding describes the connection or the body/],
    ["a key with a non-Latin-1 character", { apiKey: "sk-pasted\u201ckey\u201d" }, /the API key holds a character that cannot be sent in a header/],
  ])("%s: one config error, no request, every span counted", async (_what, options, message) => {
    diagnostics = watch.start();
    const requestsBefore = server.requests.length;
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "bad-options", ...options });
    const provider = providerWith(processor);
    for (let i = 0; i < 20; i++) provider.getTracer("bad-options").startSpan(`work-${i}`).end();
    await provider.forceFlush();
    await expect(processor.ready()).rejects.toThrow(message);
    await provider.shutdown();
    expect(server.requests.length).toBe(requestsBefore);
    expect(diagnostics.messages.filter((m) => message.test(m))).toHaveLength(1);
    expect(processor.stats().dropped.unresolved).toBe(20);
  });

  it("exportTimeoutMillis past setTimeout's range: one warning, and the default deadline in force", async () => {
    diagnostics = watch.start();
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "bad-timeout", exportTimeoutMillis: 1e10 });
    const provider = providerWith(processor);
    for (let i = 0; i < 20; i++) provider.getTracer("bad-options").startSpan(`work-${i}`).end();
    await provider.forceFlush();
    await provider.shutdown();
    expect(server.rows("bad-timeout")).toHaveLength(20);
    expect(diagnostics.messages.filter((m) => /exportTimeoutMillis/.test(m))).toEqual([
      expect.stringMatching(/`exportTimeoutMillis` must be a number from 1 to 2147483647, got 10000000000; using 30000/),
    ]);
  });
});

describe("callbacks declared async", () => {
  async function run(projectName: string, options: Record<string, unknown>) {
    diagnostics = watch.start();
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName, ...options });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("async-callbacks");
    tracer.startActiveSpan("root", (root) => {
      for (let i = 0; i < 10; i++) {
        const kind = i === 0 ? { "gen_ai.system": "openai" } : { "http.method": "GET" };
        tracer.startSpan("step", { attributes: { input: `secret ${i}`, ...kind } }).end();
      }
      root.end();
    });
    await provider.forceFlush();
    await provider.shutdown();
    // A rejection left unhandled surfaces a turn or two later.
    await new Promise((r) => setTimeout(r, 20));
    return { rows: server.rows(projectName), messages: diagnostics.messages, stats: processor.stats() };
  }

  it.each([
    ["rejects", async () => Promise.reject(new Error("mask service down"))],
    ["resolves", async (event: Record<string, unknown>) => ({ ...event, input: "masked later" })],
  ])("a mask that %s fails closed with its marker, one diag error, no unhandled rejection", async (_how, mask) => {
    const { rows, messages } = await run(`async-mask-${_how}`, { mask });
    expect(rows).toHaveLength(11);
    for (const row of rows.filter((r) => r.span_attributes?.name === "step")) expect(row.input).toBe(MASK_FAILED);
    expect(JSON.stringify(rows)).not.toContain("secret");
    expect(messages.filter((m) => /mask function returned a promise: it must be synchronous/.test(m))).toHaveLength(1);
    // afterEach checks that no rejection went unhandled
  });

  it("an async customFilter counts as undefined (the default rule decides), with one diag error", async () => {
    const { rows, messages, stats } = await run("async-filter", {
      filterAISpans: true,
      customFilter: async () => {
        throw new Error("filter service down");
      },
    });
    // Undefined defers to filterAISpans: the AI step is kept; the root and the nine others are not.
    expect(rows).toHaveLength(1);
    expect(rows[0]?.input).toBe("secret 0");
    expect(stats.filtered).toBe(10);
    expect(messages.filter((m) => /customFilter returned a promise: it must be synchronous/.test(m))).toHaveLength(1);
  });
});
