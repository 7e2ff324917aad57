// Re-captures the golden fixtures under test/fixtures/<library>/<scenario>.json by driving each
// instrumented library for real (mock models and a loopback fake OpenAI server; no network).
//
//   npm run fixtures                      # everything; AI SDK v7 re-runs itself under Node 24
//   tsx scripts/capture-fixtures.ts ai-v6 # selected libraries
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import type { Library } from "../test/integrations/drivers/library.js";
import { spanToJson } from "../test/fixtures/span-json.js";

const NODE20_LIBRARIES = ["ai-v6", "openinference-openai", "traceloop-openai", "traceloop-openai-0.22"];
const NODE22_LIBRARIES = ["ai-v7", "ai-v7-legacy"];
const nodeMajor = Number(process.versions.node.split(".")[0]);
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

async function loadLibrary(name: string): Promise<Library> {
  switch (name) {
    case "ai-v6":
      return (await import("../test/integrations/drivers/ai-v6.js")).aiV6;
    case "ai-v7":
      return (await import("../test/integrations/drivers/ai-v7.js")).aiV7;
    case "ai-v7-legacy":
      return (await import("../test/integrations/drivers/ai-v7.js")).aiV7Legacy;
    case "openinference-openai":
      return (await import("../test/integrations/drivers/openai.js")).openinference;
    case "traceloop-openai":
      return (await import("../test/integrations/drivers/openai.js")).traceloop;
    case "traceloop-openai-0.22":
      return (await import("../test/integrations/drivers/openai.js")).traceloop022;
    default:
      throw new Error(`unknown library ${name}; known: ${[...NODE20_LIBRARIES, ...NODE22_LIBRARIES].join(", ")}`);
  }
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2);
  const all = requested.length === 0;
  const here = all ? (nodeMajor >= 22 ? [...NODE20_LIBRARIES, ...NODE22_LIBRARIES] : NODE20_LIBRARIES) : requested;

  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": "fixture-capture" }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  // The AI SDK parents its spans through the global context manager.
  provider.register();

  for (const name of here) {
    const library = await loadLibrary(name);
    const session = await library.open(provider);
    const outDir = fileURLToPath(new URL(`../test/fixtures/${library.name}/`, import.meta.url));
    mkdirSync(outDir, { recursive: true });
    try {
      for (const scenario of library.scenarios) {
        exporter.reset();
        await session.run(scenario);
        await provider.forceFlush();
        const spans = exporter.getFinishedSpans().map(spanToJson);
        if (spans.length === 0) throw new Error(`${library.name}/${scenario} produced no spans`);
        // Stack traces name files on this machine; keep fixtures machine-independent.
        const text = JSON.stringify(spans, null, 2).split(repoRoot).join("<repo>/");
        writeFileSync(`${outDir}${scenario}.json`, text + "\n");
        console.log(`${library.name}/${scenario}: ${spans.length} spans (${spans.map((s) => s.name).join(", ")})`);
      }
    } finally {
      await session.close();
    }
  }
  await provider.shutdown();

  if (all && nodeMajor < 22) {
    // AI SDK v7 needs Node >= 22: capture it with the `node` package from the npm registry.
    const script = fileURLToPath(import.meta.url);
    execFileSync("npx", ["-y", "-p", "node@24", "node", "--import", "tsx", script, ...NODE22_LIBRARIES], { stdio: "inherit" });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
