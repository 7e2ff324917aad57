// Captures test/fixtures/genkit-<version>/flow-with-tool.json from Firebase Genkit for real: a
// flow calls `generate` with a mock model (no network) that asks for a tool once, then answers.
// Genkit is not a dev dependency (its core peer-depends on @genkit-ai/firebase, which brings
// firebase-admin and the Google Cloud clients), so install it for the run only:
//
//   npm install --no-save genkit@1.42.0 && npx tsx scripts/capture-genkit.ts
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { spanToJson } from "../test/fixtures/span-json.js";

const GENKIT = "genkit"; // a variable, so the type check does not need the package
const { genkit, z } = await import(GENKIT);
// The package exports no ./package.json; read it from where it is installed.
const version: string = JSON.parse(readFileSync(new URL(`../node_modules/${GENKIT}/package.json`, import.meta.url), "utf8")).version;

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
// Genkit traces through the global tracer provider unless its own telemetry is enabled.
trace.setGlobalTracerProvider(provider);

const ai = genkit({});
let calls = 0;
const model = ai.defineModel({ name: "mock/echo-model", label: "Echo" }, async (req: { tools?: unknown[] }) => {
  calls++;
  if (calls === 1 && req.tools?.length) {
    return {
      message: { role: "model", content: [{ toolRequest: { name: "weather", ref: "call-1", input: { city: "Paris" } } }] },
      finishReason: "stop",
      usage: { inputTokens: 12, outputTokens: 4, totalTokens: 16 },
    };
  }
  return {
    message: { role: "model", content: [{ text: "It is 21°C in Paris." }] },
    finishReason: "stop",
    usage: { inputTokens: 20, outputTokens: 7, totalTokens: 27, cachedContentTokens: 5, thoughtsTokens: 2 },
  };
});
const weather = ai.defineTool(
  { name: "weather", description: "Current weather", inputSchema: z.object({ city: z.string() }), outputSchema: z.object({ temperatureC: z.number() }) },
  async () => ({ temperatureC: 21 }),
);
const flow = ai.defineFlow({ name: "weatherFlow", inputSchema: z.string(), outputSchema: z.string() }, async (city: string) => {
  const response = await ai.generate({ model, system: "You are terse.", prompt: `Weather in ${city}?`, tools: [weather], config: { temperature: 0.2 } });
  return response.text;
});

await flow("Paris");
await provider.forceFlush();
const dir = new URL(`../test/fixtures/genkit-${version.split(".").slice(0, 2).join(".")}/`, import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL("flow-with-tool.json", dir), `${JSON.stringify(exporter.getFinishedSpans().map(spanToJson), null, 2)}\n`);
console.log(`genkit ${version}: ${exporter.getFinishedSpans().length} spans`);
