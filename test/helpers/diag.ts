// Watching what the exporter says and what escapes it: diag messages and unhandled rejections.
import { DiagLogLevel, diag } from "@opentelemetry/api";
import { afterEach, expect } from "vitest";
import { resetLogState } from "../../src/log.js";

/** Fails the test on any unhandled rejection while `fn` runs (and shortly after). */
export function trackUnhandled(): { rejections: unknown[]; stop(): void } {
  const rejections: unknown[] = [];
  const listener = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", listener);
  return { rejections, stop: () => process.off("unhandledRejection", listener) };
}

/** Captures every diag message (all levels) until `stop()`. */
export function captureDiag(): { messages: string[]; stop(): void } {
  const messages: string[] = [];
  const record = (...args: unknown[]) => messages.push(args.map(String).join(" "));
  diag.setLogger({ error: record, warn: record, info: record, debug: record, verbose: record }, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return { messages, stop: () => diag.disable() };
}

/** Collects process warnings (TimeoutOverflowWarning, MaxListenersExceededWarning, our own) until `stop()`. */
export function captureWarnings(): { warnings: Error[]; stop(): void } {
  const warnings: Error[] = [];
  const listener = (warning: Error) => warnings.push(warning);
  process.on("warning", listener);
  return { warnings, stop: () => process.off("warning", listener) };
}

/**
 * For a file whose tests watch the exporter: `start()` captures diag and tracks unhandled
 * rejections; after each test both stop, none may have escaped, and the log's said-once
 * state is reset for the next test.
 */
export function watchEachTest(): { start(): { messages: string[] } } {
  let diagnostics: ReturnType<typeof captureDiag> | undefined;
  const trackers: Array<ReturnType<typeof trackUnhandled>> = [];
  afterEach(() => {
    diagnostics?.stop();
    diagnostics = undefined;
    const rejections = trackers.splice(0).flatMap((tracker) => (tracker.stop(), tracker.rejections));
    resetLogState();
    expect(rejections).toEqual([]);
  });
  return {
    start() {
      diagnostics = captureDiag();
      trackers.push(trackUnhandled());
      return diagnostics;
    },
  };
}
