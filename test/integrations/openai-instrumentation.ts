// OpenTelemetry's own OpenAI instrumentation, set up as an app would, around the real
// `openai` client pointed at the fake OpenAI server: its spans go to `tracerProvider`, the
// prompt and completion log records it writes to `loggerProvider`.
import { type TracerProvider, metrics } from "@opentelemetry/api";
import { OpenAIInstrumentation } from "@opentelemetry/instrumentation-openai";
import type { LoggerProvider } from "@opentelemetry/sdk-logs";
import OpenAI from "openai";
import { startFakeOpenAI } from "./fake-openai.js";

export interface InstrumentedOpenAI {
  readonly client: OpenAI;
  readonly instrumentation: OpenAIInstrumentation;
  /** Disables the instrumentation, shuts both providers down and stops the fake server. */
  close(): Promise<void>;
}

/** Starts the fake OpenAI server and instruments a client of it. */
export async function startInstrumentedOpenAI(
  tracerProvider: TracerProvider & { shutdown(): Promise<void> },
  loggerProvider: LoggerProvider,
): Promise<InstrumentedOpenAI> {
  const fake = await startFakeOpenAI();
  const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
  instrumentation.setTracerProvider(tracerProvider);
  instrumentation.setLoggerProvider(loggerProvider);
  // The instrumentation makes its histograms when it is given a meter provider, and reads them at each call.
  instrumentation.setMeterProvider(metrics.getMeterProvider());
  // ESM imports pass no require hook: patch the imported module as the hook would.
  for (const definition of (instrumentation as unknown as { init(): Array<{ patch(m: unknown): unknown }> }).init()) definition.patch({ OpenAI });
  return {
    client: new OpenAI({ apiKey: "sk-fake-key", baseURL: fake.baseURL, maxRetries: 0 }),
    instrumentation,
    close: async () => {
      instrumentation.disable();
      await loggerProvider.shutdown();
      await tracerProvider.shutdown();
      await fake.close();
    },
  };
}
