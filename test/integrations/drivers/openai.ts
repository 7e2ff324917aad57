// The official `openai` client pointed at the local fake server, wrapped by OpenInference's or
// Traceloop's OpenAI instrumentation. ESM imports bypass require hooks, so each
// instrumentation patches the imported module by hand (`manuallyInstrument`).
import OpenAI from "openai";
import { OpenAIInstrumentation as OpenInferenceOpenAI } from "@arizeai/openinference-instrumentation-openai";
import { OpenAIInstrumentation as TraceloopOpenAI } from "@traceloop/instrumentation-openai";
import { OpenAIInstrumentation as TraceloopOpenAI022 } from "traceloop-openai-0.22";
import type { TracerProvider } from "@opentelemetry/api";
import { startFakeOpenAI } from "../fake-openai.js";
import type { Library } from "./library.js";

// No failing-request scenario: both OpenInference 4.x and Traceloop 0.27 end their span only on
// success (a rejected request leaves it open, so it is never exported).
export const OPENAI_SCENARIOS = ["chat", "stream", "tool-call"] as const;
export const OPENAI_MODEL = "gpt-4o-mini";
export const OPENAI_SYSTEM = "You are a terse geography assistant.";
export const OPENAI_PROMPT = "What is the capital of France?";

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

async function runOpenAIScenario(client: OpenAI, scenario: string): Promise<void> {
  const messages = [
    { role: "system" as const, content: OPENAI_SYSTEM },
    { role: "user" as const, content: OPENAI_PROMPT },
  ];
  switch (scenario) {
    case "chat":
      await client.chat.completions.create({ model: OPENAI_MODEL, messages, temperature: 0.2, max_tokens: 64 });
      return;
    case "stream": {
      const stream = await client.chat.completions.create({
        model: OPENAI_MODEL,
        messages,
        temperature: 0.2,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const chunk of stream) void chunk;
      // OpenInference reads a tee'd copy of the stream and ends its span a few microtasks
      // after ours is drained; a macrotask boundary lets that finish first.
      await new Promise((resolve) => setImmediate(resolve));
      return;
    }
    case "tool-call": {
      const ask = { role: "user" as const, content: "What is the weather in Paris?" };
      const first = await client.chat.completions.create({ model: OPENAI_MODEL, messages: [ask], tools: [weatherTool] });
      const call = first.choices[0]!.message.tool_calls![0]!;
      await client.chat.completions.create({
        model: OPENAI_MODEL,
        tools: [weatherTool],
        messages: [
          ask,
          first.choices[0]!.message,
          { role: "tool", tool_call_id: call.id, content: JSON.stringify({ city: "Paris", temperatureC: 21 }) },
        ],
      });
      return;
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

interface Instrumentation {
  manuallyInstrument(module: unknown): void;
  disable(): void;
}

function openaiLibrary(
  name: string,
  scenarios: readonly string[],
  instrument: (provider: TracerProvider) => Instrumentation,
): Library {
  return {
    name,
    scenarios,
    async open(provider: TracerProvider) {
      const server = await startFakeOpenAI();
      const restore = snapshotPatchedMethods();
      const instrumentation = instrument(provider);
      const client = new OpenAI({ apiKey: "sk-fake-key", baseURL: server.baseURL, maxRetries: 0 });
      return {
        run: (scenario: string) => runOpenAIScenario(client, scenario),
        close: async () => {
          instrumentation.disable();
          // disable() does not undo a manual patch; put the originals back so the next
          // instrumentation wraps a clean client.
          restore();
          await server.close();
        },
      };
    },
  };
}

/** Saves the methods the instrumentations wrap, and returns a function that puts them back. */
function snapshotPatchedMethods(): () => void {
  const owners: Array<[object, string]> = [
    [OpenAI.Chat.Completions.prototype, "create"],
    [OpenAI.Completions.prototype, "create"],
    [OpenAI.Responses.prototype, "create"],
    [OpenAI.Embeddings.prototype, "create"],
    [OpenAI.Images.prototype, "generate"],
    [OpenAI.Images.prototype, "edit"],
    [OpenAI.Images.prototype, "createVariation"],
  ];
  const saved = owners.map(([owner, key]) => [owner, key, Object.getOwnPropertyDescriptor(owner, key)] as const);
  return () => {
    for (const [owner, key, descriptor] of saved) if (descriptor) Object.defineProperty(owner, key, descriptor);
  };
}

export const openinference = openaiLibrary("openinference-openai", OPENAI_SCENARIOS, (tracerProvider) => {
  const instrumentation = new OpenInferenceOpenAI({ tracerProvider, instrumentationConfig: { enabled: false } });
  // Patches `module.OpenAI.Chat.Completions.prototype`: hand it a module-shaped object.
  instrumentation.manuallyInstrument({ OpenAI } as never);
  return instrumentation as unknown as Instrumentation;
});

export const traceloop = openaiLibrary("traceloop-openai", OPENAI_SCENARIOS, (tracerProvider) =>
  traceloopInstrumentation(new TraceloopOpenAI({ enabled: false }), tracerProvider),
);

// OpenLLMetry before 0.25 wrote the indexed gen_ai.prompt.{i}.* / gen_ai.completion.{i}.* forms
// and llm.usage.total_tokens, which many deployed apps still emit.
export const traceloop022 = openaiLibrary("traceloop-openai-0.22", OPENAI_SCENARIOS, (tracerProvider) =>
  traceloopInstrumentation(new TraceloopOpenAI022({ enabled: false }), tracerProvider),
);

function traceloopInstrumentation(
  instrumentation: TraceloopOpenAI | TraceloopOpenAI022,
  tracerProvider: TracerProvider,
): Instrumentation {
  instrumentation.setTracerProvider(tracerProvider);
  // Patches `module.Chat.Completions.prototype`: the default export is that class.
  instrumentation.manuallyInstrument(OpenAI);
  return instrumentation;
}
