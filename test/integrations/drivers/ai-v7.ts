// AI SDK v7 (Node >= 22): the default `@ai-sdk/otel` integration emits GenAI semconv spans
// (invoke_agent / chat / execute_tool); `LegacyOpenTelemetry` keeps the v6-style `ai.*` spans.
import * as ai from "ai-v7";
import { MockLanguageModelV4 } from "ai-v7/test";
import { LegacyOpenTelemetry, OpenTelemetry } from "@ai-sdk/otel";
import type { TracerProvider } from "@opentelemetry/api";
import { AI_SCENARIOS, runAiScenario, type AiModule, type AiScenario } from "./ai-sdk.js";
import type { Library } from "./library.js";

function v7Library(name: string, integration: (provider: TracerProvider) => unknown): Library {
  return {
    name,
    scenarios: AI_SCENARIOS,
    async open(provider: TracerProvider) {
      const integrations = [integration(provider)];
      const telemetry = (functionId: string) => ({ telemetry: { isEnabled: true, functionId, integrations } });
      return {
        run: (scenario: string) =>
          runAiScenario(ai as unknown as AiModule, MockLanguageModelV4 as never, telemetry, scenario as AiScenario),
        close: async () => undefined,
      };
    },
  };
}

export const aiV7 = v7Library("ai-v7", (provider) => new OpenTelemetry({ tracer: provider.getTracer("ai"), usage: true }));
export const aiV7Legacy = v7Library("ai-v7-legacy", (provider) => new LegacyOpenTelemetry({ tracer: provider.getTracer("ai") }));
