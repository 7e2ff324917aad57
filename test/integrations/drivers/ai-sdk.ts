// Drives the Vercel AI SDK for real (generateText, streamText, a tool loop, a failing call)
// against the SDK's own mock language model. v6 and v7 share the call shapes, so one set of
// scenarios serves both; each version's file supplies its module and telemetry options.
import { z } from "zod";

/** The parts of an `ai` module (v6 or v7) the scenarios use. */
export interface AiModule {
  generateText(options: any): PromiseLike<{ text: string }>;
  streamText(options: any): { text: PromiseLike<string>; consumeStream(): PromiseLike<void> };
  tool(definition: any): any;
  stepCountIs(count: number): any;
  simulateReadableStream(options: { chunks: unknown[]; initialDelayInMs?: number; chunkDelayInMs?: number }): ReadableStream;
}

/** `new MockLanguageModelV3(...)` (v6) or `new MockLanguageModelV4(...)` (v7). */
export type MockModelClass = new (options: { provider?: string; modelId?: string; doGenerate?: unknown; doStream?: unknown }) => unknown;

/** Call options that switch telemetry on, e.g. `{ experimental_telemetry: { isEnabled: true } }`. */
export type TelemetryOptions = (functionId: string) => Record<string, unknown>;

export const AI_SCENARIOS = ["generate-text", "stream-text", "tool-call", "error"] as const;
export type AiScenario = (typeof AI_SCENARIOS)[number];

export const AI_PROMPT = "What is the capital of France?";
export const AI_SYSTEM = "You are a terse geography assistant.";
export const AI_REPLY = "Paris.";
export const AI_TOOL_RESULT = { city: "Paris", temperatureC: 21 };
export const MODEL_ID = "mock-gpt";
export const PROVIDER = "mock-provider.chat";

// Usage as providers report it: cached prompt tokens and reasoning tokens included,
// so every token metric has a real source.
const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input - 3, cacheRead: 3, cacheWrite: 1 },
  outputTokens: { total: output, text: output - 2, reasoning: 2 },
});

const response = (id: string) => ({ id, modelId: `${MODEL_ID}-2025-01-01`, timestamp: new Date(1_750_000_000_000) });

const textResult = (text: string, id: string) => ({
  content: [{ type: "text", text }],
  finishReason: { unified: "stop", raw: "stop" },
  usage: usage(17, 5),
  warnings: [],
  response: response(id),
});

const toolCallResult = {
  content: [{ type: "tool-call", toolCallId: "call-1", toolName: "weather", input: JSON.stringify({ city: "Paris" }) }],
  finishReason: { unified: "tool-calls", raw: "tool_calls" },
  usage: usage(30, 9),
  warnings: [],
  response: response("resp-tool-1"),
};

export async function runAiScenario(
  ai: AiModule,
  MockModel: MockModelClass,
  telemetry: TelemetryOptions,
  scenario: AiScenario,
): Promise<void> {
  const common = { system: AI_SYSTEM, prompt: AI_PROMPT, temperature: 0.2, maxOutputTokens: 64, maxRetries: 0 };
  switch (scenario) {
    case "generate-text": {
      const model = new MockModel({ provider: PROVIDER, modelId: MODEL_ID, doGenerate: textResult(AI_REPLY, "resp-1") });
      await ai.generateText({ model, ...common, ...telemetry("capital-question") });
      return;
    }
    case "stream-text": {
      const chunks = [
        { type: "stream-start", warnings: [] },
        { type: "response-metadata", ...response("resp-stream-1") },
        { type: "text-start", id: "t1" },
        { type: "text-delta", id: "t1", delta: "Par" },
        { type: "text-delta", id: "t1", delta: "is." },
        { type: "text-end", id: "t1" },
        { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: usage(17, 5) },
      ];
      const model = new MockModel({
        provider: PROVIDER,
        modelId: MODEL_ID,
        // A real first-chunk delay, so msToFirstChunk is measured rather than zero.
        doStream: async () => ({ stream: ai.simulateReadableStream({ chunks, initialDelayInMs: 15, chunkDelayInMs: 1 }) }),
      });
      const result = ai.streamText({ model, ...common, ...telemetry("capital-stream") });
      await result.consumeStream();
      await result.text;
      return;
    }
    case "tool-call": {
      const model = new MockModel({
        provider: PROVIDER,
        modelId: MODEL_ID,
        doGenerate: [toolCallResult, textResult("It is 21°C in Paris.", "resp-tool-2")],
      });
      const weather = ai.tool({
        description: "Current weather for a city",
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }: { city: string }) => ({ ...AI_TOOL_RESULT, city }),
      });
      await ai.generateText({
        model,
        prompt: "What is the weather in Paris?",
        tools: { weather },
        stopWhen: ai.stepCountIs(3),
        maxRetries: 0,
        ...telemetry("weather-agent"),
      });
      return;
    }
    case "error": {
      const model = new MockModel({
        provider: PROVIDER,
        modelId: MODEL_ID,
        doGenerate: async () => {
          throw new Error("upstream model overloaded");
        },
      });
      await ai.generateText({ model, ...common, ...telemetry("failing-call") }).then(
        () => {
          throw new Error("the failing scenario unexpectedly succeeded");
        },
        () => undefined,
      );
      return;
    }
  }
}
