// The smallest useful setup: a root span with two children, sent to Braintrust. It is
// the tracing example of Braintrust's REST API guide: project "tracing_test", a
// "User Interaction" root, and two interactions, the second fed the first's output.
// With no BRAINTRUST_API_KEY set, it starts the local Braintrust-compatible server
// and logs there, so it runs anywhere: `npm run demo`.
import { trace } from "@opentelemetry/api";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { BraintrustSpanProcessor } from "braintrust-otel-exporter";
import { readProjectLog, renderTraceTree, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { where } from "./support.js";

const projectName = "tracing_test";
const local = process.env.BRAINTRUST_API_KEY ? undefined : await startLocalBraintrust();
const connection = local ? { apiKey: local.apiKey, apiUrl: local.url } : {};

const processor = new BraintrustSpanProcessor({ projectName, ...connection });
const provider = new NodeTracerProvider({ spanProcessors: [processor] });
provider.register();

const tracer = trace.getTracer("examples/basic");
const runInteraction = (i: number, input: string) => ({ input, output: `output${i}` });

tracer.startActiveSpan("User Interaction", (root) => {
  root.setAttribute("user_id", "user123");
  let input = "hello world";
  for (let i = 0; i < 2; i++) {
    tracer.startActiveSpan(`Interaction ${i}`, (child) => {
      const interaction = runInteraction(i, input);
      child.setAttributes({ input: interaction.input, output: interaction.output });
      child.end();
      input = interaction.output;
    });
  }
  root.end();
});

await processor.ready();
await provider.forceFlush();
console.log(`Logged to project "${projectName}" at ${where(local)}:\n`);
const rows = await readProjectLog({ projectName, ...connection });
console.log(renderTraceTree(rows, { width: process.stdout.columns || 100 }));

await provider.shutdown();
// In a terminal the server stays up for the viewer; piped or in CI the demo ends here, and
// prints no address for a server that is gone.
if (local && process.stdout.isTTY) {
  // The key travels in the fragment, which the browser never sends to a server.
  console.log(`\nSee it in the web viewer: ${local.url}/#key=${local.apiKey}`);
  console.log("Press Ctrl+C to stop.");
  await new Promise((resolve) => process.once("SIGINT", resolve));
}
await local?.close();
