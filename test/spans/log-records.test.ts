// processor.logRecordProcessor: GenAI log records from a real LoggerProvider, spans from a
// real tracer provider, rows read back from the local server. Records that come before the
// span's row fold into it; records after it become a merge row that carries the whole
// message list; records with no span, or whose span was filtered out, are counted and are
// no row; mask, routing and the row size cap apply to record content as to attributes.
import { context, trace } from "@opentelemetry/api";
import type { Logger } from "@opentelemetry/api-logs";
import { LoggerProvider } from "@opentelemetry/sdk-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { BraintrustExporter, type BraintrustExporterOptions, BraintrustSpanProcessor } from "../../src/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

const LLM = { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.provider.name": "openai" };

function setup(projectName: string, extra: BraintrustExporterOptions = {}) {
  const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName, ...extra });
  const tracer = providerWith(processor).getTracer("t");
  const logs = new LoggerProvider({ processors: [processor.logRecordProcessor] });
  const logger = logs.getLogger("gen_ai");
  return { processor, tracer, logger, logs };
}

/** A record as the OpenAI instrumentation writes it, in the span's context. */
function emit(logger: Logger, span: ReturnType<ReturnType<typeof setup>["tracer"]["startSpan"]> | undefined, event: string, body: object): void {
  const ctx = span ? trace.setSpan(context.active(), span) : context.active();
  logger.emit({ context: ctx, attributes: { "event.name": event }, body: body as never });
}

describe("records before the span's row", () => {
  it("fold into it, even when emitted right after span.end() in the same turn", async () => {
    const { processor, tracer, logger } = setup("records-fold");
    const span = tracer.startSpan("chat gpt-4o-mini", { attributes: LLM });
    emit(logger, span, "gen_ai.user.message", { content: "Hi" });
    span.end();
    emit(logger, span, "gen_ai.choice", { index: 0, finish_reason: "stop", message: { content: "Hello" } });
    await processor.forceFlush();
    const rows = server.rows("records-fold");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ input: [{ role: "user", content: "Hi" }], output: [{ role: "assistant", content: "Hello", finish_reason: "stop" }] });
    expect(processor.stats().logRecords).toEqual({ joined: 2, late: 0, unmatched: 0, evicted: 0 });
  });
});

describe("records after the span's row left", () => {
  it("become a merge row with the whole message list, so the row ends with every message", async () => {
    const { processor, tracer, logger } = setup("records-late");
    const span = tracer.startSpan("chat gpt-4o-mini", { attributes: LLM });
    emit(logger, span, "gen_ai.system.message", { content: "Be brief." });
    emit(logger, span, "gen_ai.user.message", { content: "Hi" });
    span.end();
    await processor.forceFlush();
    expect(server.rows("records-late")[0]!.output).toBeUndefined();

    emit(logger, span, "gen_ai.user.message", { content: "Also this" });
    emit(logger, span, "gen_ai.choice", { index: 0, finish_reason: "stop", message: { content: "Hello" } });
    await processor.forceFlush();
    const rows = server.rows("records-late");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      span_attributes: { type: "llm" },
      input: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }, { role: "user", content: "Also this" }],
      output: [{ role: "assistant", content: "Hello", finish_reason: "stop" }],
      metadata: { model: "gpt-4o-mini" },
    });
    expect(processor.stats().logRecords).toMatchObject({ joined: 2, late: 2 });
  });

  it("of a GenAI span that had no record before still merge into its row", async () => {
    const { processor, tracer, logger } = setup("records-only-late");
    const span = tracer.startSpan("chat gpt-4o-mini", { attributes: LLM });
    span.end();
    await processor.forceFlush();
    emit(logger, span, "gen_ai.choice", { index: 0, finish_reason: "stop", message: { content: "Late answer" } });
    await processor.forceFlush();
    const rows = server.rows("records-only-late");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.output).toEqual([{ role: "assistant", content: "Late answer", finish_reason: "stop" }]);
  });
});

describe("records that are no row", () => {
  it("with no span, or for a span the filter left out, are counted as unmatched", async () => {
    const { processor, tracer, logger } = setup("records-unmatched", { customFilter: (span) => span.name !== "dropped" });
    emit(logger, undefined, "gen_ai.user.message", { content: "no span" });
    const dropped = tracer.startSpan("dropped", { attributes: LLM });
    emit(logger, dropped, "gen_ai.user.message", { content: "filtered" });
    dropped.end();
    await processor.forceFlush();
    expect(server.rows("records-unmatched")).toHaveLength(0);
    expect(processor.stats().logRecords).toMatchObject({ joined: 0, unmatched: 2 });
  });

  it("an app's ordinary records are ignored, not counted", async () => {
    const { processor, tracer, logger } = setup("records-ordinary");
    const span = tracer.startSpan("handler");
    logger.emit({ context: trace.setSpan(context.active(), span), body: "GET /health 200", attributes: { "http.route": "/health" } });
    logger.emit({ context: trace.setSpan(context.active(), span), eventName: "app.checkout", body: { content: "x" } });
    span.end();
    await processor.forceFlush();
    expect(server.rows("records-ordinary")[0]!.input).toBeUndefined();
    expect(processor.stats().logRecords).toEqual({ joined: 0, late: 0, unmatched: 0, evicted: 0 });
  });
});

describe("the rules of span content apply to record content", () => {
  it("mask sees the messages from records, in the row and in a late merge row", async () => {
    const mask = (row: { input?: unknown; output?: unknown }) => JSON.parse(JSON.stringify(row).replaceAll("secret-123", "[masked]"));
    const { processor, tracer, logger } = setup("records-mask", { mask });
    const span = tracer.startSpan("chat gpt-4o-mini", { attributes: LLM });
    emit(logger, span, "gen_ai.user.message", { content: "my key is secret-123" });
    span.end();
    await processor.forceFlush();
    emit(logger, span, "gen_ai.choice", { index: 0, message: { content: "noted secret-123" } });
    await processor.forceFlush();
    const [row] = server.rows("records-mask");
    expect(row!.input).toEqual([{ role: "user", content: "my key is [masked]" }]);
    expect(row!.output).toEqual([{ role: "assistant", content: "noted [masked]" }]);
  });

  it("the filter keeps a span whose messages come from records, and routing sends them, late ones too, where the span goes", async () => {
    const { processor, tracer, logger } = setup("records-default", { filterAISpans: true });
    const span = tracer.startSpan("chat gpt-4o-mini", { attributes: { ...LLM, "braintrust.parent": "project_name:records-routed" } });
    emit(logger, span, "gen_ai.user.message", { content: "Hi" });
    span.end();
    await processor.forceFlush();
    emit(logger, span, "gen_ai.choice", { index: 0, message: { content: "Hello" } });
    await processor.forceFlush();
    expect(server.rows("records-default")).toHaveLength(0);
    const rows = server.rows("records-routed");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ input: [{ role: "user", content: "Hi" }], output: [{ role: "assistant", content: "Hello" }] });
  });

  it("a record too large for a request is cut like an attribute: the row arrives with a marker", async () => {
    const { processor, tracer, logger } = setup("records-huge", { maxBatchBytes: 256 * 1024 });
    const span = tracer.startSpan("chat gpt-4o-mini", { attributes: LLM });
    emit(logger, span, "gen_ai.user.message", { content: "x".repeat(1024 * 1024) });
    span.end();
    await processor.forceFlush();
    const [row] = server.rows("records-huge");
    expect(row!.input).toMatch(/^\[truncated 1\.\d MB\]$/);
    expect(row!.metadata).toMatchObject({ model: "gpt-4o-mini" });
  });
});

describe("the app is never hurt", () => {
  it("a record that throws when read, or is not record-shaped, does not escape onEmit", () => {
    const { processor } = setup("records-bad");
    const face = processor.logRecordProcessor;
    const hostile = { get eventName(): string { throw new Error("boom"); } };
    expect(() => face.onEmit(hostile as never)).not.toThrow();
    expect(() => face.onEmit(null as never)).not.toThrow();
    expect(() => face.onEmit({ eventName: "gen_ai.choice", get body(): unknown { throw new Error("boom"); } } as never)).not.toThrow();
  });

  it("the face is one object, and its shutdown leaves the span processor working", async () => {
    const { processor, tracer, logs } = setup("records-shutdown");
    expect(processor.logRecordProcessor).toBe(processor.logRecordProcessor);
    await logs.shutdown();
    tracer.startSpan("after").end();
    await processor.forceFlush();
    expect(server.rows("records-shutdown")).toHaveLength(1);
  });
});

describe("BraintrustExporter's log face", () => {
  it("folds records into the row of the span BatchSpanProcessor exports, and sends later ones as a merge row", async () => {
    const exporter = new BraintrustExporter({ apiKey: server.apiKey, apiUrl: server.url, projectName: "records-exporter" });
    const provider = providerWith(new BatchSpanProcessor(exporter));
    const logger = new LoggerProvider({ processors: [exporter.logRecordProcessor] }).getLogger("gen_ai");
    const span = provider.getTracer("t").startSpan("chat gpt-4o-mini", { attributes: LLM });
    emit(logger, span, "gen_ai.user.message", { content: "Hi" });
    span.end();
    emit(logger, span, "gen_ai.choice", { index: 0, message: { content: "Hello" } });
    await provider.forceFlush();
    expect(server.rows("records-exporter")[0]).toMatchObject({ input: [{ role: "user", content: "Hi" }], output: [{ role: "assistant", content: "Hello" }] });

    emit(logger, span, "gen_ai.user.message", { content: "And?" });
    await exporter.forceFlush();
    const rows = server.rows("records-exporter");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.input).toEqual([{ role: "user", content: "Hi" }, { role: "user", content: "And?" }]);
    expect(exporter.stats().logRecords).toEqual({ joined: 2, late: 1, unmatched: 0, evicted: 0 });
    await provider.shutdown();
  });
});
