// OpenTelemetry's own OpenAI instrumentation (@opentelemetry/instrumentation-openai) writes
// prompts and completions as log records, not span attributes. Here the real instrumentation
// wraps the real `openai` client, pointed at the local fake OpenAI server; its spans go to a
// real tracer provider and its records to a real LoggerProvider, both through
// BraintrustSpanProcessor, and the rows are read back from the local Braintrust server.
import { trace } from "@opentelemetry/api";
import { LoggerProvider } from "@opentelemetry/sdk-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor } from "../../src/index.js";
import { type LocalBraintrust, type Row, startLocalBraintrust } from "../../src/testing/index.js";
import { providerWith } from "../helpers/tracing.js";
import { FAKE_REPLY, FAKE_TOOL_ARGS } from "./fake-openai.js";
import { type InstrumentedOpenAI, startInstrumentedOpenAI } from "./openai-instrumentation.js";

const MODEL = "gpt-4o-mini";
const SYSTEM = "You are a terse geography assistant.";
const PROMPT = "What is the capital of France?";
const PROJECT = "openai-log-records";
const USAGE = { prompt_tokens: 19, completion_tokens: 7, tokens: 26 };
const WEATHER_TOOL = {
  type: "function" as const,
  function: { name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

let server: LocalBraintrust;
let processor: BraintrustSpanProcessor;
let tracerProvider: ReturnType<typeof providerWith>;
let loggerProvider: LoggerProvider;
let openai: InstrumentedOpenAI;

beforeAll(async () => {
  server = await startLocalBraintrust();
  processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: PROJECT });
  tracerProvider = providerWith(processor);
  loggerProvider = new LoggerProvider({ processors: [processor.logRecordProcessor] });
  openai = await startInstrumentedOpenAI(tracerProvider, loggerProvider);
});

afterAll(async () => {
  await openai?.close();
  await server?.close();
});

/** Runs `body` inside an app span, flushes, and returns that trace's rows: the app's and the LLM ones. */
async function inAppSpan(body: () => Promise<void>): Promise<{ app: Row; llm: Row[] }> {
  const tracer = tracerProvider.getTracer("app");
  const traceId = await tracer.startActiveSpan("handle request", async (span) => {
    try {
      await body();
    } finally {
      span.end();
    }
    return span.spanContext().traceId;
  });
  await loggerProvider.forceFlush();
  await processor.forceFlush();
  const rows = server.rows(PROJECT).filter((r) => r.root_span_id === traceId);
  const app = rows.find((r) => (r.span_attributes as { name: string }).name === "handle request")!;
  const llm = rows.filter((r) => r !== app).sort((a, b) => (a.metrics as { start: number }).start - (b.metrics as { start: number }).start);
  for (const row of llm) expect(row.span_parents).toEqual([app.span_id]);
  return { app, llm };
}

const messages = [
  { role: "system" as const, content: SYSTEM },
  { role: "user" as const, content: PROMPT },
];

describe("@opentelemetry/instrumentation-openai with content capture on", () => {
  it("a plain chat: the messages with roles as input, the answer as output, model and tokens kept", async () => {
    const { llm } = await inAppSpan(async () => {
      await openai.client.chat.completions.create({ model: MODEL, messages, temperature: 0.2 });
    });
    expect(llm).toHaveLength(1);
    expect(llm[0]).toMatchObject({
      span_attributes: { type: "llm" },
      input: [{ role: "system", content: SYSTEM }, { role: "user", content: PROMPT }],
      output: [{ role: "assistant", content: FAKE_REPLY, finish_reason: "stop" }],
      metadata: { model: `${MODEL}-2025-01-01`, provider: "openai" },
      metrics: USAGE,
    });
  });

  it("a tool-call round trip: tool calls on the assistant message and the tool message's tool_call_id", async () => {
    const { llm } = await inAppSpan(async () => {
      const ask = { role: "user" as const, content: "Weather in Paris?" };
      const first = await openai.client.chat.completions.create({ model: MODEL, messages: [ask], tools: [WEATHER_TOOL] });
      const call = first.choices[0]!.message.tool_calls![0]!;
      await openai.client.chat.completions.create({
        model: MODEL,
        tools: [WEATHER_TOOL],
        messages: [ask, first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "21°C" }],
      });
    });
    expect(llm).toHaveLength(2);
    const call = { id: "call_fake_1", type: "function", function: { name: "get_weather", arguments: FAKE_TOOL_ARGS } };
    expect(llm[0]!.input).toEqual([{ role: "user", content: "Weather in Paris?" }]);
    expect(llm[0]!.output).toEqual([{ role: "assistant", content: null, tool_calls: [call], finish_reason: "tool_calls" }]);
    expect(llm[1]!.input).toEqual([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [call] },
      { role: "tool", content: "21°C", tool_call_id: "call_fake_1" },
    ]);
    expect(llm[1]!.output).toEqual([{ role: "assistant", content: FAKE_REPLY, finish_reason: "stop" }]);
    expect(llm[1]!.metrics).toMatchObject(USAGE);
  });

  it("a streamed chat with include_usage: the assembled answer as one choice, and the tokens", async () => {
    const { llm } = await inAppSpan(async () => {
      const stream = await openai.client.chat.completions.create({ model: MODEL, messages, stream: true, stream_options: { include_usage: true } });
      for await (const chunk of stream) void chunk;
    });
    expect(llm).toHaveLength(1);
    expect(llm[0]).toMatchObject({
      input: [{ role: "system", content: SYSTEM }, { role: "user", content: PROMPT }],
      output: [{ role: "assistant", content: FAKE_REPLY, finish_reason: "stop" }],
      metadata: { model: `${MODEL}-2025-01-01` },
      metrics: USAGE,
    });
  });

  it("the Responses API: the instructions and input as messages, the output message as output", async () => {
    const { llm } = await inAppSpan(async () => {
      await openai.client.responses.create({ model: MODEL, instructions: SYSTEM, input: PROMPT });
    });
    expect(llm).toHaveLength(1);
    expect(llm[0]).toMatchObject({
      span_attributes: { type: "llm" },
      input: [{ role: "system", content: SYSTEM }, { role: "user", content: PROMPT }],
      output: [{ role: "assistant", content: FAKE_REPLY }],
      metadata: { model: `${MODEL}-2025-01-01`, provider: "openai" },
      metrics: USAGE,
    });
  });

  it("counts the records it joined to their spans' rows", () => {
    expect(processor.stats().logRecords).toMatchObject({ late: 0, unmatched: 0, evicted: 0 });
    expect(processor.stats().logRecords!.joined).toBeGreaterThan(10);
  });
});

describe("@opentelemetry/instrumentation-openai with content capture off", () => {
  beforeAll(() => openai.instrumentation.setConfig({ captureMessageContent: false }));
  afterAll(() => openai.instrumentation.setConfig({ captureMessageContent: true }));

  it("a chat: the roles without content, model and tokens, a whole row", async () => {
    const { llm } = await inAppSpan(async () => {
      await openai.client.chat.completions.create({ model: MODEL, messages });
    });
    expect(llm[0]).toMatchObject({
      input: [{ role: "system", content: null }, { role: "user", content: null }],
      output: [{ role: "assistant", content: null, finish_reason: "stop" }],
      metadata: { model: `${MODEL}-2025-01-01`, provider: "openai" },
      metrics: USAGE,
    });
  });

  it("a tool call: the tool call's id and name, no arguments", async () => {
    const { llm } = await inAppSpan(async () => {
      await openai.client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Weather?" }], tools: [WEATHER_TOOL] });
    });
    const [message] = llm[0]!.output as Array<{ tool_calls: Array<{ id: string; function: { name: string; arguments?: string } }> }>;
    expect(message!.tool_calls[0]).toMatchObject({ id: "call_fake_1", function: { name: "get_weather" } });
    expect(message!.tool_calls[0]!.function.arguments ?? "").toBe("");
  });

  it("the Responses API: the roles, a whole row", async () => {
    const { llm } = await inAppSpan(async () => {
      await openai.client.responses.create({ model: MODEL, input: PROMPT });
    });
    expect((llm[0]!.input as Array<{ role: string }>).map((m) => m.role)).toEqual(["user"]);
    expect((llm[0]!.output as Array<{ role: string }>).map((m) => m.role)).toEqual(["assistant"]);
    expect(llm[0]!.metrics).toMatchObject(USAGE);
  });
});

describe("records outside any span", () => {
  it("are no row, and are counted as unmatched", async () => {
    const before = processor.stats().logRecords!.unmatched;
    const rowsBefore = server.rows(PROJECT).length;
    loggerProvider.getLogger("app").emit({ eventName: "gen_ai.user.message", body: { content: "orphan" } });
    loggerProvider.getLogger("app").emit({ body: "an ordinary app log line" });
    await processor.forceFlush();
    expect(processor.stats().logRecords!.unmatched).toBe(before + 1);
    expect(server.rows(PROJECT)).toHaveLength(rowsBefore);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
