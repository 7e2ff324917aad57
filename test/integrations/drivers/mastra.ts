// Mastra (@mastra/core 1.x, Node >= 22.13) with its own observability: an agent whose mock
// model (the AI SDK's MockLanguageModelV3, no network) asks for a tool once, then answers.
// Mastra's OtelExporter turns its spans into OTel spans and hands them either to a span
// exporter it is given (BraintrustExporter) or to OTLP/HTTP JSON (the local server's intake).
import { Agent } from "@mastra/core/agent";
import { Mastra } from "@mastra/core/mastra";
import { createTool } from "@mastra/core/tools";
import { Observability } from "@mastra/observability";
import { OtelExporter } from "@mastra/otel-exporter";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";

export const MASTRA_SYSTEM = "You are terse.";
export const MASTRA_QUESTION = "What is the weather in Paris?";
export const MASTRA_ANSWER = "It is 21°C in Paris.";

const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input - 3, cacheRead: 3, cacheWrite: undefined },
  outputTokens: { total: output, text: output - 2, reasoning: 2 },
});

const response = (id: string) => ({ id, modelId: "mock-gpt-2025-01-01", timestamp: new Date(1_750_000_000_000) });

const toolTurn = {
  content: [{ type: "tool-call", toolCallId: "call-1", toolName: "weather", input: JSON.stringify({ city: "Paris" }) }],
  finishReason: { unified: "tool-calls", raw: "tool_calls" },
  usage: usage(30, 9),
  warnings: [],
  response: response("resp-1"),
};

const textTurn = {
  content: [{ type: "text", text: MASTRA_ANSWER }],
  finishReason: { unified: "stop", raw: "stop" },
  usage: usage(40, 7),
  warnings: [],
  response: response("resp-2"),
};

function mockModel() {
  let calls = 0;
  return new MockLanguageModelV3({
    provider: "mock-provider.chat",
    modelId: "mock-gpt",
    doGenerate: async () => (calls++ === 0 ? toolTurn : textTurn) as never,
  });
}

const weather = createTool({
  id: "weather",
  description: "Current weather for a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }: { city: string }) => ({ city, temperatureC: 21 }),
});

export interface MastraRun {
  run(): Promise<void>;
  close(): Promise<void>;
}

/** Where Mastra's OtelExporter sends: a span exporter, or an OTLP/HTTP JSON endpoint with its headers. */
export type MastraTarget = { exporter: SpanExporter } | { endpoint: string; headers: Record<string, string> };

export function openMastra(target: MastraTarget): MastraRun {
  const otel = new OtelExporter({
    ...("exporter" in target
      ? // A provider is required even when a span exporter is given; the exporter is used.
        { exporter: target.exporter, provider: { custom: { endpoint: "http://127.0.0.1:9", protocol: "http/json" } } }
      : { provider: { custom: { endpoint: target.endpoint, headers: target.headers, protocol: "http/json" } } }),
    signals: { logs: false },
  });
  const agent = new Agent({ id: "weather-agent", name: "Weather Agent", instructions: MASTRA_SYSTEM, model: mockModel(), tools: { weather } });
  const mastra = new Mastra({
    agents: { weatherAgent: agent },
    logger: false,
    observability: new Observability({ configs: { otel: { serviceName: "mastra-e2e", exporters: [otel] } } }),
  });
  return {
    async run() {
      await mastra.getAgent("weatherAgent").generate(MASTRA_QUESTION);
      await otel.flush();
    },
    async close() {
      await mastra.shutdown?.();
    },
  };
}
