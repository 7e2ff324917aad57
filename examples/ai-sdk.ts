// The Vercel AI SDK with telemetry on, traced to Braintrust with `register()`. The model is
// the SDK's own mock, so this runs offline; swap in `openai("gpt-4o")` or any provider.
// The agent calls a tool and answers; Braintrust gets a task row for generateText, llm rows
// for each model call (messages, model, tokens) and a tool row.
//
//   npx tsx examples/ai-sdk.ts      (no BRAINTRUST_API_KEY: logs to a local server)
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { register } from "braintrust-otel-exporter";
import { z } from "zod";
import { destination } from "./support.js";

const projectName = "ai-sdk-example";
const target = await destination();
const { shutdown } = register({ projectName, ...target.connection });

const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});
const model = new MockLanguageModelV3({
  provider: "mock",
  modelId: "mock-gpt",
  doGenerate: [
    {
      content: [{ type: "tool-call", toolCallId: "call-1", toolName: "weather", input: JSON.stringify({ city: "Paris" }) }],
      finishReason: { unified: "tool-calls", raw: "tool_calls" },
      usage: usage(30, 9),
      warnings: [],
    },
    {
      content: [{ type: "text", text: "It is 21°C and sunny in Paris." }],
      finishReason: { unified: "stop", raw: "stop" },
      usage: usage(52, 11),
      warnings: [],
    },
  ],
});

const { text } = await generateText({
  model,
  system: "You are a weather assistant.",
  prompt: "What is the weather in Paris?",
  tools: {
    weather: tool({
      description: "Current weather for a city",
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }) => ({ city, temperatureC: 21, sky: "sunny" }),
    }),
  },
  stopWhen: stepCountIs(3),
  experimental_telemetry: { isEnabled: true, functionId: "weather-agent", metadata: { userId: "user-42" } },
});
console.log(`Answer: ${text}`);

await shutdown();
await target.show(projectName);
await target.close();
