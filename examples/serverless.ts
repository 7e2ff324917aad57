// Serverless handlers (Vercel/Next.js route handlers, Cloudflare-style `waitUntil`, AWS
// Lambda): the process may freeze as soon as the response is returned, so nothing may sit
// in a queue waiting for a timer. Two settings cover it:
//   - `flushOnRootEnd: true` starts sending as soon as a request's root span ends;
//   - `ctx.waitUntil(processor.forceFlush())` keeps the invocation alive until it is sent
//     (on Lambda, `await processor.forceFlush()` before returning).
// The "runtime" below invokes the handler the way a platform would, then freezes.
//
//   npx tsx examples/serverless.ts      (no BRAINTRUST_API_KEY: logs to a local server)
import { trace } from "@opentelemetry/api";
import { register } from "braintrust-otel-exporter";
import { destination } from "./support.js";

const projectName = "serverless-example";
const target = await destination();

// Module scope: runs once per cold start, and the processor is reused by warm invocations.
const { processor } = register({ projectName, flushOnRootEnd: true, ...target.connection });
const tracer = trace.getTracer("serverless");

interface InvocationContext {
  waitUntil(promise: Promise<unknown>): void;
}

export async function handler(request: Request, ctx: InvocationContext): Promise<Response> {
  const response = await tracer.startActiveSpan("POST /api/summarize", async (span) => {
    const { text } = (await request.json()) as { text: string };
    const summary = await tracer.startActiveSpan("summarize", async (llm) => {
      llm.setAttributes({ "gen_ai.operation.name": "chat", "gen_ai.request.model": "mock-gpt", input: text });
      const out = text.split(".")[0] + ".";
      llm.setAttributes({ output: out, "gen_ai.usage.input_tokens": 40, "gen_ai.usage.output_tokens": 9 });
      llm.end();
      return out;
    });
    span.end();
    return Response.json({ summary });
  });
  // The response goes out now; the platform keeps the invocation alive until this settles.
  ctx.waitUntil(processor.forceFlush());
  return response;
}

/** A stand-in for the platform: invoke, honour waitUntil, then freeze (nothing runs after). */
async function invoke(body: unknown): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const response = await handler(new Request("https://example.test/api/summarize", { method: "POST", body: JSON.stringify(body) }), {
    waitUntil: (promise) => pending.push(promise),
  });
  console.log(`invocation → ${response.status} ${JSON.stringify(await response.json())}`);
  await Promise.all(pending);
  const { queued } = processor.stats();
  console.log(`  frozen with ${queued} rows still queued`);
}

await invoke({ text: "OpenTelemetry is a standard for traces. It has many parts." });
await invoke({ text: "Braintrust stores LLM traces. It also runs evals." });

await target.show(projectName);
await target.close();
// A real platform never calls shutdown; the flushes above already delivered everything.
process.exit(0);
