// OTLP log intake, driven end to end by real OpenTelemetry pieces: the OpenAI instrumentation
// (@opentelemetry/instrumentation-openai) writes prompts and completions as log records of
// its LLM span; OpenTelemetry's own OTLP exporters (protobuf and JSON, logs and traces) send
// them to the local server in either order; the LLM span's row shows the messages.
import { context, trace } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPLogExporter as OTLPJsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as OTLPProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPTraceExporter as OTLPJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { JsonLogsSerializer } from "@opentelemetry/otlp-transformer";
import { InMemoryLogRecordExporter, LoggerProvider, type ReadableLogRecord, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { FAKE_REPLY } from "../integrations/fake-openai.js";
import { type InstrumentedOpenAI, startInstrumentedOpenAI } from "../integrations/openai-instrumentation.js";

const MODEL = "gpt-4o-mini";
const SYSTEM = "You are a terse geography assistant.";
const PROMPT = "What is the capital of France?";

let lb: LocalBraintrust;
let spans: InMemorySpanExporter;
let records: InMemoryLogRecordExporter;
let tracerProvider: NodeTracerProvider;
let loggerProvider: LoggerProvider;
let openai: InstrumentedOpenAI;

beforeAll(async () => {
  lb = await startLocalBraintrust();
  spans = new InMemorySpanExporter();
  records = new InMemoryLogRecordExporter();
  tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: records })] });
  openai = await startInstrumentedOpenAI(tracerProvider, loggerProvider);
});

afterAll(async () => {
  await openai?.close();
  await lb?.close();
});

/** One instrumented chat completion: its LLM span and the log records written for it. */
async function chat(): Promise<{ span: ReadableSpan; logs: ReadableLogRecord[] }> {
  spans.reset();
  records.reset();
  await openai.client.chat.completions.create({ model: MODEL, messages: [{ role: "system", content: SYSTEM }, { role: "user", content: PROMPT }] });
  const [span] = spans.getFinishedSpans();
  const logs = records.getFinishedLogRecords();
  expect(logs.map((r) => r.spanContext?.spanId)).toEqual(logs.map(() => span!.spanContext().spanId));
  expect(logs.length).toBeGreaterThanOrEqual(3); // system, user, choice
  return { span: span!, logs };
}

const headers = (project: string) => ({ authorization: `Bearer ${lb.apiKey}`, "x-bt-parent": `project_name:${project}` });
const exportWith = <T>(exporter: { export(items: T[], done: (r: ExportResult) => void): void }, items: T[]) =>
  new Promise<ExportResult>((resolve) => exporter.export(items, resolve));

const EXPECTED = {
  span_attributes: { type: "llm" },
  input: [{ role: "system", content: SYSTEM }, { role: "user", content: PROMPT }],
  output: [{ role: "assistant", content: FAKE_REPLY, finish_reason: "stop" }],
};

describe("POST /otel/v1/logs", () => {
  for (const [name, logsFirst, make] of [
    [
      "protobuf, records before their span",
      true,
      (project: string) => ({
        logs: new OTLPProtoLogExporter({ url: `${lb.url}/otel/v1/logs`, headers: headers(project) }),
        traces: new OTLPProtoTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers: headers(project) }),
      }),
    ],
    [
      "protobuf, gzip, records after their span",
      false,
      (project: string) => ({
        logs: new OTLPProtoLogExporter({ url: `${lb.url}/otel/v1/logs`, headers: headers(project), compression: "gzip" as never }),
        traces: new OTLPProtoTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers: headers(project), compression: "gzip" as never }),
      }),
    ],
    [
      "JSON, records before their span",
      true,
      (project: string) => ({
        logs: new OTLPJsonLogExporter({ url: `${lb.url}/otel/v1/logs`, headers: headers(project) }),
        traces: new OTLPJsonTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers: headers(project) }),
      }),
    ],
    [
      "JSON, gzip, records after their span",
      false,
      (project: string) => ({
        logs: new OTLPJsonLogExporter({ url: `${lb.url}/otel/v1/logs`, headers: headers(project), compression: "gzip" as never }),
        traces: new OTLPJsonTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers: headers(project), compression: "gzip" as never }),
      }),
    ],
  ] as const) {
    it(`folds GenAI records into their span's row: ${name}`, async () => {
      const project = `otlp-logs-${name.replace(/\W+/g, "-")}`;
      const { span, logs } = await chat();
      const { logs: logExporter, traces: traceExporter } = make(project);
      const sendLogs = () => exportWith(logExporter, logs);
      const sendSpans = () => exportWith(traceExporter, [span]);
      const results = logsFirst ? [await sendLogs(), await sendSpans()] : [await sendSpans(), await sendLogs()];
      await Promise.all([logExporter.shutdown(), traceExporter.shutdown()]);
      expect(results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);

      const rows = lb.rows(project);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ ...EXPECTED, span_id: span.spanContext().spanId, root_span_id: span.spanContext().traceId });
      const logRequest = lb.requests.filter((r) => r.path === "/otel/v1/logs").at(-1)!;
      expect(logRequest.note).toBe(`${logs.length} log records: ${logs.length} ${logsFirst ? "waiting for their span" : "folded into spans"}`);
    });
  }

  it("ignores and counts records that are not GenAI events or have no span, and says so", async () => {
    const { span, logs } = await chat();
    const logger = loggerProvider.getLogger("app");
    records.reset();
    logger.emit({ body: "an ordinary app log line" }); // no span context
    const appSpan = tracerProvider.getTracer("app").startSpan("handler");
    logger.emit({ eventName: "app.cache.miss", body: { key: "k" }, context: trace.setSpan(context.active(), appSpan) }); // in a span, not GenAI
    appSpan.end();
    const ordinary = records.getFinishedLogRecords();
    expect(ordinary.map((r) => r.spanContext?.spanId)).toEqual([undefined, appSpan.spanContext().spanId]);
    const exporter = new OTLPProtoTraceExporter({ url: `${lb.url}/otel/v1/traces`, headers: headers("otlp-logs-ignored") });
    expect((await exportWith(exporter, [span, spans.getFinishedSpans().at(-1)!])).code).toBe(ExportResultCode.SUCCESS);
    const res = await fetch(`${lb.url}/otel/v1/logs`, {
      method: "POST",
      headers: { authorization: `Bearer ${lb.apiKey}`, "content-type": "application/json" },
      body: JsonLogsSerializer.serializeRequest([...logs, ...ordinary]) as Uint8Array<ArrayBuffer>,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      partialSuccess: { rejectedLogRecords: "0", errorMessage: "2 ignored: only GenAI message events (gen_ai.*) emitted inside a span fold into that span's row" },
    });
    expect(lb.requests.at(-1)!.note).toBe(`${logs.length + 2} log records: ${logs.length} folded into spans, 2 ignored`);
    const [llm, handler] = lb.rows("otlp-logs-ignored");
    expect(llm).toMatchObject(EXPECTED);
    expect(handler).toMatchObject({ span_attributes: { name: "handler" } });
    expect(handler!.input).toBeUndefined();
  });

  it("answers wrong bodies as the trace route does", async () => {
    const post = (body: string, contentType: string) =>
      fetch(`${lb.url}/otel/v1/logs`, { method: "POST", headers: { authorization: `Bearer ${lb.apiKey}`, "content-type": contentType }, body }).then((r) => r.status);
    expect(await post("not protobuf at all", "application/x-protobuf")).toBe(400);
    expect(await post("{not json", "application/json")).toBe(400);
    expect(await post('{"resourceLogs":{}}', "application/json")).toBe(400);
    expect(await post("{}", "text/plain")).toBe(415);
    expect((await fetch(`${lb.url}/otel/v1/logs`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
    expect(await post("{}", "application/json")).toBe(200);
  });
});
