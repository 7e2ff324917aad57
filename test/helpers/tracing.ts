// Real tracer providers for end-to-end tests, with the AsyncLocalStorage context
// manager installed once so startActiveSpan nests as it does in an app.
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

let installed = false;

export function providerWith(...spanProcessors: SpanProcessor[]): NodeTracerProvider {
  if (!installed) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    installed = true;
  }
  return new NodeTracerProvider({ spanProcessors });
}
