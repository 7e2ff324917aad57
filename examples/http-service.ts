// A plain node:http service traced with one line, `register()`. Each request gets a server
// span (continuing the caller's trace when a `traceparent` header comes in); the handler
// calls a model and a database. `filterAISpans` keeps AI spans only: the model call, and the
// request span, which records the question and the answer as `braintrust.*` attributes (so
// the log list shows them); the database noise is dropped. `maskPII` strips the email
// address from what is logged.
//
//   npx tsx examples/http-service.ts      (no BRAINTRUST_API_KEY: logs to a local server)
import { createServer } from "node:http";
import { type AddressInfo } from "node:net";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { maskPII, register } from "braintrust-otel-exporter";
import { destination } from "./support.js";

const projectName = "http-service-example";
const target = await destination();
const { shutdown } = register({ projectName, filterAISpans: true, mask: maskPII, ...target.connection });
const tracer = trace.getTracer("http-service");

/** Stands in for an LLM client call, with GenAI semantic-convention attributes. */
async function answer(question: string): Promise<string> {
  return tracer.startActiveSpan("chat mock-gpt", { kind: SpanKind.CLIENT }, async (span) => {
    span.setAttributes({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "mock",
      "gen_ai.request.model": "mock-gpt",
      "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: question }] }]),
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reply = `You asked: ${question}`;
    span.setAttributes({
      "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: reply }] }]),
      "gen_ai.usage.input_tokens": 12,
      "gen_ai.usage.output_tokens": 7,
    });
    span.end();
    return reply;
  });
}

const server = createServer((req, res) => {
  // Continue the caller's trace, as HTTP instrumentation would.
  const parent = propagation.extract(context.active(), req.headers);
  const url = new URL(req.url ?? "/", "http://localhost");
  // Name server spans by route, never by the full URL: query strings carry user data.
  tracer.startActiveSpan(`${req.method} ${url.pathname}`, { kind: SpanKind.SERVER, attributes: { "http.request.method": req.method } }, parent, async (span) => {
    try {
      await tracer.startActiveSpan("SELECT users", { attributes: { "db.system.name": "postgresql" } }, async (db) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        db.end();
      });
      const question = url.searchParams.get("q") ?? "hello";
      span.setAttribute("braintrust.input_json", JSON.stringify({ question }));
      const reply = await answer(question);
      span.setAttribute("braintrust.output_json", JSON.stringify({ reply }));
      res.writeHead(200, { "content-type": "text/plain" }).end(reply);
      span.setAttribute("http.response.status_code", 200);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
      res.writeHead(500).end();
    } finally {
      span.end();
    }
  });
});

await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;
for (const q of ["What is OpenTelemetry?", "Email me at jane@example.com"]) {
  const res = await fetch(`http://127.0.0.1:${port}/ask?q=${encodeURIComponent(q)}`);
  console.log(`GET /ask → ${res.status} ${await res.text()}`);
}
await new Promise<void>((resolve) => server.close(() => resolve()));

await shutdown(); // flushes what is queued
await target.show(projectName);
await target.close();
