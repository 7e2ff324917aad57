// AI SDK v6: `ai.*` spans through `experimental_telemetry`.
import * as ai from "ai";
import { MockLanguageModelV3 } from "ai/test";
import type { TracerProvider } from "@opentelemetry/api";
import { AI_SCENARIOS, runAiScenario, type AiModule, type AiScenario } from "./ai-sdk.js";
import type { Library } from "./library.js";

export const aiV6: Library = {
  name: "ai-v6",
  scenarios: AI_SCENARIOS,
  async open(provider: TracerProvider) {
    const tracer = provider.getTracer("ai");
    const telemetry = (functionId: string) => ({
      experimental_telemetry: { isEnabled: true, tracer, functionId, metadata: { userId: "user-42", tier: "pro" } },
    });
    return {
      run: (scenario: string) =>
        runAiScenario(ai as unknown as AiModule, MockLanguageModelV3 as never, telemetry, scenario as AiScenario),
      close: async () => undefined,
    };
  },
};
