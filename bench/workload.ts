// The traffic every contender sees: traces of three spans, as an instrumented chat endpoint
// would produce them. Every value carries the trace number so no two spans are identical
// and nothing downstream can get away with caching a result.
import { type Attributes, ROOT_CONTEXT, SpanKind, type Tracer, trace as traceApi } from "@opentelemetry/api";

export const SPANS_PER_TRACE = 3;
export const SERVICE_NAME = "bench-chat-service";

/** Span names, which the onEnd timer also uses to tell the kinds apart. */
export const NAMES = {
  root: "POST /api/chat",
  llm: "chat gpt-4o-mini",
  tool: "execute_tool search_docs",
} as const;
export type SpanKindName = keyof typeof NAMES;
export const KINDS: readonly SpanKindName[] = ["root", "llm", "tool"];

const SYSTEM_PROMPT =
  "You are a support assistant for a developer tools company. Answer in short paragraphs, cite the documentation " +
  "page you relied on, never invent configuration options, and ask a clarifying question when the request is ambiguous. " +
  "If the user pastes a stack trace, point at the first frame that belongs to their code.";
const USER_TURN =
  "Our Node service started dropping traces after we upgraded the OpenTelemetry SDK. We batch spans with the default " +
  "settings and export them over OTLP/HTTP to a collector running as a sidecar. Under load the collector reports no " +
  "errors, but about one trace in twenty is missing its child spans. What should we look at first, and how do we " +
  "confirm the cause without redeploying the whole fleet?";
const ASSISTANT_TURN =
  "Start with the batch processor's queue: when it is full, finished spans are dropped silently and the parents that " +
  "end later still arrive, which looks exactly like missing children. Check the dropped-span counter or enable debug logging.";
const FOLLOW_UP =
  "The dropped counter is indeed non-zero during peaks. Should we raise maxQueueSize, shorten the schedule delay, or " +
  "both? Memory is tight on these pods, so we would like to understand the cost of each option before changing anything. " +
  "For context: each pod serves about four hundred requests per second at peak, every request produces between five " +
  "and fifteen spans, and the exporter shares the event loop with request handlers that already run close to their " +
  "latency budget. We also saw the heap grow by roughly a hundred megabytes during the last incident, which we think " +
  "was the queue filling up while the collector restarted. Is that expected, and can we cap it in bytes rather than spans? " +
  "We would rather lose some spans during an outage than have the pods restarted by the memory limit. Any pointers to " +
  "the relevant settings would help a lot.";
const ANSWER =
  "Shorten the delay first: it bounds how long spans wait without costing memory. Raise maxQueueSize only to cover the " +
  "longest burst you expect, since every queued span stays in memory until exported. Watch the dropped counter after " +
  "the change; if it stays at zero at peak, you are done. A queue bounded in bytes is the safer cap when span sizes vary " +
  "as much as yours do, so prefer it. Source: docs/tracing/batching.md";

/** Attributes of the trace's root span: an HTTP server span. */
export function rootAttributes(trace: number): Attributes {
  return {
    "http.request.method": "POST",
    "http.route": "/api/chat",
    "url.path": "/api/chat",
    "http.response.status_code": 200,
    "server.address": "chat.example.com",
    "user_agent.original": `bench-client/1.${trace % 10}`,
  };
}

/** The LLM call: ~2 KB of chat messages in, ~500 bytes out, model and token counts. */
export function llmAttributes(trace: number): Attributes {
  const input = [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: `${USER_TURN} (ticket #${trace})` },
    { role: "assistant", content: ASSISTANT_TURN },
    { role: "user", content: FOLLOW_UP },
  ];
  const output = [{ role: "assistant", content: `${ANSWER} [ref ${trace}]`, finish_reason: "stop" }];
  return {
    "braintrust.input_json": JSON.stringify(input),
    "braintrust.output_json": JSON.stringify(output),
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.request.temperature": 0.2,
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.usage.input_tokens": 480 + (trace % 50),
    "gen_ai.usage.output_tokens": 110 + (trace % 20),
  };
}

/** A tool call with small JSON arguments and result. */
export function toolAttributes(trace: number): Attributes {
  return {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": "search_docs",
    "braintrust.input_json": JSON.stringify({ query: `otel batch queue dropped spans ${trace}`, limit: 3 }),
    "braintrust.output_json": JSON.stringify({
      results: [
        { path: "docs/tracing/batching.md", score: 0.92 },
        { path: "docs/tracing/sampling.md", score: 0.41 },
      ],
    }),
  };
}

export function attributesFor(kind: SpanKindName, trace: number): Attributes {
  return kind === "root" ? rootAttributes(trace) : kind === "llm" ? llmAttributes(trace) : toolAttributes(trace);
}

/** Emits `traces` traces (root, LLM child, tool child) in the current turn. */
export function emitTraces(tracer: Tracer, first: number, traces: number): void {
  for (let t = first; t < first + traces; t++) {
    const root = tracer.startSpan(NAMES.root, { kind: SpanKind.SERVER, attributes: rootAttributes(t) }, ROOT_CONTEXT);
    const context = traceApi.setSpan(ROOT_CONTEXT, root);
    const llm = tracer.startSpan(NAMES.llm, { kind: SpanKind.CLIENT, attributes: llmAttributes(t) }, context);
    llm.end();
    const tool = tracer.startSpan(NAMES.tool, { kind: SpanKind.INTERNAL, attributes: toolAttributes(t) }, context);
    tool.end();
    root.end();
  }
}
