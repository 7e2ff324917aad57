// One-line Node setup: a tracer provider running the Braintrust processor, with
// AsyncLocalStorage context and W3C propagation, registered as the global provider.
//
// The SDK is loaded when `register()` runs, not when this module is imported, so the main
// entry point works without `@opentelemetry/sdk-trace-node` (an optional peer). SDK 1.x and
// 2.x come from sdk-trace-node; an app on SDK 3.x without it gets `@opentelemetry/sdk-trace`
// with `@opentelemetry/context-async-hooks`.
import { createRequire } from "node:module";
import { ProxyTracerProvider, type TracerProvider, context, propagation, trace } from "@opentelemetry/api";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { BraintrustExporterOptions } from "./config.js";
import { log, warnOnce } from "./log.js";
import { BraintrustSpanProcessor } from "./processor.js";

export interface RegisterOptions extends BraintrustExporterOptions {
  /** More processors to run beside Braintrust's (a console exporter while debugging, another backend). */
  spanProcessors?: SpanProcessor[];
  /** Passed to the tracer provider: `resource`, `sampler`, `spanLimits`, `idGenerator`. */
  resource?: unknown;
  sampler?: unknown;
  spanLimits?: unknown;
  idGenerator?: unknown;
}

export interface RegisteredTracerProvider extends TracerProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface Registration {
  provider: RegisteredTracerProvider;
  processor: BraintrustSpanProcessor;
  /** Flushes and stops the provider (and so the processor). Never rejects; safe to call twice. */
  shutdown(): Promise<void>;
  /** false when another tracer provider was already the global one: spans go there, not here. */
  registered: boolean;
}

interface SdkProvider extends RegisteredTracerProvider {
  register?(config?: object): void;
  addSpanProcessor?(processor: SpanProcessor): void;
}

let current: Registration | undefined;

/**
 * Sets up tracing to Braintrust for the whole process, flushing on exit by default. Never
 * throws: a missing SDK or an already registered provider is reported through `diag` and
 * a process warning.
 */
export function register(options: RegisterOptions = {}): Registration {
  if (current) {
    warnOnce("register-twice", "register() was called again; the first registration stays in place and is returned");
    return current;
  }
  const { spanProcessors = [], resource, sampler, spanLimits, idGenerator, ...exporterOptions } = options;
  const processor = new BraintrustSpanProcessor({ flushOnExit: true, ...exporterOptions });
  const providerConfig = withoutUndefined({ resource, sampler, spanLimits, idGenerator });

  let provider: SdkProvider;
  let install: () => void;
  try {
    ({ provider, install } = createProvider(providerConfig, [processor, ...spanProcessors]));
  } catch (err) {
    warnOnce("register-no-sdk", `register() needs @opentelemetry/sdk-trace-node (npm install @opentelemetry/sdk-trace-node): ${describe(err)}. No spans will be recorded; you can add \`new BraintrustSpanProcessor()\` to your own tracer provider instead.`);
    return inert(processor);
  }

  const before = trace.getTracerProvider();
  // getTracerProvider() returns the API's proxy until some provider is registered.
  const taken = !(before instanceof ProxyTracerProvider);
  if (!taken) {
    try {
      install();
    } catch (err) {
      log("warn", "register-install", `registering the tracer provider failed: ${describe(err)}`);
    }
  }
  const registered = trace.getTracerProvider() === provider;
  if (!registered) {
    const name = (taken ? before : trace.getTracerProvider())?.constructor?.name ?? "another tracer provider";
    warnOnce("register-taken", `register(): a global tracer provider (${name}) was already registered, so Braintrust will receive no spans from this one. This happens with Sentry, Next.js/@vercel/otel or an earlier NodeSDK. Add the processor to that setup instead: \`spanProcessors: [new BraintrustSpanProcessor()]\` (Sentry: \`openTelemetrySpanProcessors\`).`);
  }
  const registration: Registration = {
    provider,
    processor,
    registered,
    shutdown: () => shutdownOnce(registration, provider, processor),
  };
  current = registration;
  return registration;
}

let shuttingDown: Promise<void> | undefined;

function shutdownOnce(registration: Registration, provider: SdkProvider, processor: BraintrustSpanProcessor): Promise<void> {
  shuttingDown ??= (async () => {
    try {
      await provider.shutdown();
    } catch (err) {
      log("warn", "register-shutdown", `tracer provider shutdown failed: ${describe(err)}`);
    }
    await processor.shutdown();
    if (registration.registered && trace.getTracerProvider() === provider) {
      trace.disable();
      context.disable();
      propagation.disable();
    }
    if (current === registration) current = undefined;
    shuttingDown = undefined;
  })();
  return shuttingDown;
}

const requireFromHere = createRequire(typeof __filename === "string" ? __filename : import.meta.url);

function createProvider(config: object, processors: SpanProcessor[]): { provider: SdkProvider; install: () => void } {
  let node: { NodeTracerProvider: new (config: object) => SdkProvider } | undefined;
  try {
    node = requireFromHere("@opentelemetry/sdk-trace-node");
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (node) {
    const provider = newProvider(node.NodeTracerProvider, config, processors);
    return { provider, install: () => provider.register!() };
  }
  // SDK 3.x: one package, no Node-specific provider; context and propagation are set here.
  const sdk = requireFromHere("@opentelemetry/sdk-trace") as { TracerProvider: new (config: object) => SdkProvider };
  const { AsyncLocalStorageContextManager } = requireFromHere("@opentelemetry/context-async-hooks") as {
    AsyncLocalStorageContextManager: new () => { enable(): unknown };
  };
  const provider = newProvider(sdk.TracerProvider, config, processors);
  return {
    provider,
    install: () => {
      trace.setGlobalTracerProvider(provider);
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable() as Parameters<typeof context.setGlobalContextManager>[0]);
      setW3CPropagator();
    },
  };
}

/** SDK 1.x has `addSpanProcessor` (its early versions ignore `spanProcessors`); 2.x and 3.x take them in the config. */
function newProvider(Provider: new (config: object) => SdkProvider, config: object, processors: SpanProcessor[]): SdkProvider {
  if (typeof (Provider.prototype as SdkProvider).addSpanProcessor === "function") {
    const provider = new Provider(config);
    for (const processor of processors) provider.addSpanProcessor!(processor);
    return provider;
  }
  return new Provider({ ...config, spanProcessors: processors });
}

function setW3CPropagator(): void {
  try {
    const core = requireFromHere("@opentelemetry/core");
    propagation.setGlobalPropagator(
      new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }),
    );
  } catch (err) {
    log("debug", "register-propagator", `no W3C propagator set (@opentelemetry/core not found): ${describe(err)}`);
  }
}

function inert(processor: BraintrustSpanProcessor): Registration {
  const provider: RegisteredTracerProvider = {
    getTracer: (name, version, options) => new ProxyTracerProvider().getTracer(name, version, options),
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
  return { provider, processor, registered: false, shutdown: () => processor.shutdown() };
}

function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) out[key] = value;
  return out;
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown })?.code === "MODULE_NOT_FOUND";
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
