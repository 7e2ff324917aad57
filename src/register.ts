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
import type { BraintrustExporterOptions } from "./config/config.js";
import { handleSignals } from "./lifecycle/signals.js";
import { errorMessage, log, warnOnce } from "./log.js";
import { BraintrustSpanProcessor } from "./spans/processor.js";

export interface RegisterOptions extends BraintrustExporterOptions {
  /**
   * On SIGTERM / SIGINT, flush (at most 5 s), then let the process end as it would have:
   * with a listener of the app's own the app decides, otherwise the signal is raised again.
   * Default true; false leaves signals alone.
   */
  handleSignals?: boolean;
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
  /**
   * The global LoggerProvider register() installed with `processor.logRecordProcessor`, so
   * GenAI log records (OpenTelemetry's own GenAI instrumentations) reach their spans' rows;
   * undefined when `@opentelemetry/sdk-logs` is not installed or the app set its own.
   */
  loggerProvider?: { forceFlush(): Promise<void>; shutdown(): Promise<void> };
  /** Flushes and stops the provider (and so the processor). Never rejects; safe to call twice. */
  shutdown(): Promise<void>;
  /** false when another tracer provider was already the global one: spans go there, not here. */
  registered: boolean;
}

interface SdkProvider extends RegisteredTracerProvider {
  addSpanProcessor?(processor: SpanProcessor): void;
}

let current: Registration | undefined;
/** The options the registration in place was made with, to say what a second call's differ in. */
let currentOptions: RegisterOptions = {};

/**
 * Sets up tracing to Braintrust for the whole process, flushing on exit by default. Never
 * throws: a missing SDK or an already registered provider is reported through `diag` and
 * a process warning.
 */
export function register(options: RegisterOptions = {}): Registration {
  if (current) {
    const ignored = differingOptions(currentOptions, options);
    const which = ignored.length > 0
      ? `, and this call's ${ignored.map((name) => `\`${name}\``).join(", ")} ${ignored.length === 1 ? "was" : "were"} ignored`
      : "";
    warnOnce(
      "register-twice",
      `register() was called again; the first registration stays in place and is returned${which}. Call register() once, with all its options; to change them, \`await shutdown()\` the first registration before registering again; to send some spans elsewhere, add \`new BraintrustSpanProcessor({ ... })\` in \`spanProcessors\``,
    );
    return current;
  }
  const { spanProcessors = [], resource, sampler, spanLimits, idGenerator, handleSignals: signals = true, ...exporterOptions } = options;
  const processor = new BraintrustSpanProcessor(exporterOptions);
  const providerConfig = withoutUndefined({ resource, sampler, spanLimits, idGenerator });

  let sdk: LoadedSdk;
  try {
    sdk = loadSdk();
  } catch (err) {
    warnOnce("register-no-sdk", `register() needs @opentelemetry/sdk-trace-node (npm install @opentelemetry/sdk-trace-node): ${errorMessage(err)}. No spans will be recorded; you can add \`new BraintrustSpanProcessor()\` to your own tracer provider instead.`);
    return inert(processor);
  }
  const provider = newProvider(sdk.Provider, providerConfig, [processor, ...spanProcessors]);

  // Fails (false) when another provider already owns the global slot: Sentry, @vercel/otel, NodeSDK…
  const registered = trace.setGlobalTracerProvider(provider);
  const installed = { contextManager: false, propagator: false };
  if (registered) {
    installed.contextManager = installContextManager(sdk);
    installed.propagator = installPropagator(sdk);
  } else {
    const owner = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate?.()?.constructor?.name ?? "another tracer provider";
    warnOnce("register-taken", `register(): a global tracer provider (${owner}) was already registered, so Braintrust will receive no spans from the one register() created. This happens with Sentry, Next.js/@vercel/otel or an earlier NodeSDK. Add the processor to that setup instead: \`spanProcessors: [new BraintrustSpanProcessor()]\` (Sentry: \`openTelemetrySpanProcessors\`).`);
  }
  const logs = registered ? installLoggerProvider(processor) : undefined;
  const removeSignals = signals === false ? undefined : handleSignals();
  const registration: Registration = {
    provider,
    processor,
    registered,
    ...(logs ? { loggerProvider: logs.provider } : {}),
    shutdown: () => shutdownOnce(registration, provider, installed, removeSignals, logs),
  };
  current = registration;
  currentOptions = options;
  return registration;
}

let shuttingDown: Promise<void> | undefined;

function shutdownOnce(
  registration: Registration,
  provider: SdkProvider,
  installed: { contextManager: boolean; propagator: boolean },
  removeSignals: (() => void) | undefined,
  logs: InstalledLogs | undefined,
): Promise<void> {
  shuttingDown ??= (async () => {
    removeSignals?.();
    if (logs) {
      try {
        await logs.provider.shutdown();
      } catch (err) {
        log("warn", "register-shutdown", `logger provider shutdown failed: ${errorMessage(err)}`);
      }
      logs.disable();
    }
    try {
      await provider.shutdown();
    } catch (err) {
      log("warn", "register-shutdown", `tracer provider shutdown failed: ${errorMessage(err)}`);
    }
    await registration.processor.shutdown();
    // Give the globals back, so a later register() (tests, hot reload) can take them.
    if (registration.registered) trace.disable();
    if (installed.contextManager) context.disable();
    if (installed.propagator) propagation.disable();
    if (current === registration) current = undefined;
    shuttingDown = undefined;
  })();
  return shuttingDown;
}

const requireFromHere = createRequire(typeof __filename === "string" ? __filename : import.meta.url);

interface LoadedSdk {
  Provider: new (config: object) => SdkProvider;
  /** Requires a package as the SDK itself would find it (its own dependencies may not be hoisted). */
  requireBeside(name: string): any;
}

/** SDK 1.x and 2.x: sdk-trace-node. SDK 3.x: sdk-trace, which has no Node-specific provider. */
function loadSdk(): LoadedSdk {
  for (const [name, exportName] of [["@opentelemetry/sdk-trace-node", "NodeTracerProvider"], ["@opentelemetry/sdk-trace", "TracerProvider"]] as const) {
    let path: string;
    try {
      path = requireFromHere.resolve(name);
    } catch (err) {
      if (isNotFound(err)) continue;
      throw err;
    }
    const sdkRequire = createRequire(path);
    return { Provider: sdkRequire(path)[exportName], requireBeside: (dep) => requireBeside(sdkRequire, dep) };
  }
  throw new Error("neither @opentelemetry/sdk-trace-node nor @opentelemetry/sdk-trace could be loaded");
}

function requireBeside(sdkRequire: NodeRequire, name: string): any {
  try {
    return sdkRequire(name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return requireFromHere(name);
  }
}

interface InstalledLogs {
  readonly provider: { forceFlush(): Promise<void>; shutdown(): Promise<void> };
  /** Gives the global slot back. */
  disable(): void;
}

/**
 * A global LoggerProvider whose processor is the span processor's log face, when
 * `@opentelemetry/sdk-logs` (an optional peer) can be loaded and the app has set none: GenAI
 * instrumentations that write messages as log records then fill their spans' rows. sdk-logs
 * 0.2xx (SDK 2.x) and 3.x take processors in the config; releases before 0.200 add them after.
 */
function installLoggerProvider(processor: BraintrustSpanProcessor): InstalledLogs | undefined {
  let path: string;
  try {
    path = requireFromHere.resolve("@opentelemetry/sdk-logs");
  } catch {
    return undefined; // not installed: log records are the app's to wire, if it has any
  }
  try {
    const sdkLogsRequire = createRequire(path);
    const { LoggerProvider } = sdkLogsRequire(path);
    const logs = logsApi(sdkLogsRequire);
    const face = processor.logRecordProcessor;
    let provider;
    if (typeof LoggerProvider.prototype.addLogRecordProcessor === "function") {
      provider = new LoggerProvider();
      provider.addLogRecordProcessor(face);
    } else {
      provider = new LoggerProvider({ processors: [face] });
    }
    if (logs.setGlobalLoggerProvider(provider) !== provider) {
      void provider.shutdown().catch(() => {});
      log("info", "register-logs-taken", "register(): the app already set a global LoggerProvider; add `registration.processor.logRecordProcessor` to it so GenAI log records reach their spans' rows");
      return undefined;
    }
    return { provider, disable: () => logs.disable() };
  } catch (err) {
    log("warn", "register-logs", `register(): no LoggerProvider was installed for GenAI log records (${errorMessage(err)})`);
    return undefined;
  }
}

/** The global logs API: `@opentelemetry/api-logs` beside sdk-logs 0.2xx; in `@opentelemetry/api` itself from 1.10 (SDK 3.x). */
function logsApi(sdkLogsRequire: NodeRequire): { setGlobalLoggerProvider(provider: object): object; disable(): void } {
  try {
    return sdkLogsRequire("@opentelemetry/api-logs").logs;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const { logs } = requireFromHere("@opentelemetry/api");
  if (logs === undefined) throw new Error("neither @opentelemetry/api-logs nor a logs API in @opentelemetry/api could be loaded");
  return logs;
}

/** AsyncLocalStorage context, unless the app already set a context manager (then it keeps its own). */
function installContextManager(sdk: LoadedSdk): boolean {
  try {
    const { AsyncLocalStorageContextManager } = sdk.requireBeside("@opentelemetry/context-async-hooks");
    return context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  } catch (err) {
    warnOnce("register-context", `register(): could not install the AsyncLocalStorage context manager (${errorMessage(err)}); child spans may not nest under their parents. Install @opentelemetry/context-async-hooks.`);
    return false;
  }
}

/** W3C trace context and baggage, unless the app already set a propagator. */
function installPropagator(sdk: LoadedSdk): boolean {
  try {
    const core = sdk.requireBeside("@opentelemetry/core");
    return propagation.setGlobalPropagator(
      new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }),
    );
  } catch (err) {
    log("warn", "register-propagator", `register(): no W3C propagator was installed (${errorMessage(err)})`);
    return false;
  }
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

function inert(processor: BraintrustSpanProcessor): Registration {
  const provider: RegisteredTracerProvider = {
    getTracer: (name, version, options) => new ProxyTracerProvider().getTracer(name, version, options),
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
  return { provider, processor, registered: false, shutdown: () => processor.shutdown() };
}

/** The option names whose values differ between two calls (same-valued options lose nothing). */
function differingOptions(first: RegisterOptions, second: RegisterOptions): string[] {
  const a = first as Record<string, unknown>;
  const b = second as Record<string, unknown>;
  try {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((name) => !Object.is(a[name], b[name]) && !sameJson(a[name], b[name]));
  } catch {
    return [];
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    return typeof a === "object" && typeof b === "object" && a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) out[key] = value;
  return out;
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown })?.code === "MODULE_NOT_FOUND";
}
