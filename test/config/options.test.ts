// The options object itself: names no one reads and values of the wrong type each become
// one warning naming the option, the value with its type, and what is used instead.
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/config.js";
import { nearestName, shown } from "../../src/config/options.js";

const base = { apiKey: "sk-options-0123456789", projectName: "x", env: {} };
const warningsOf = (options: object) => resolveConfig({ ...base, ...options } as never).warnings;

describe("unknown option names", () => {
  it.each([
    ["projetName", "projectName"],
    ["apikey", "apiKey"],
    ["APIURL", "apiUrl"],
    ["maxQueueSise", "maxQueueSize"],
    ["flushOnexit", "flushOnExit"],
    ["sheduledDelayMillis", "scheduledDelayMillis"],
    ["spanProcessor", "spanProcessors"],
  ])("%s: did you mean `%s`?", (typo, meant) => {
    expect(warningsOf({ [typo]: 1 })).toEqual([`unknown option \`${typo}\` is ignored; did you mean \`${meant}\`?`]);
  });

  it("a name far from every option is named without a guess", () => {
    expect(warningsOf({ colour: "blue" })).toEqual(["unknown option `colour` is ignored"]);
    expect(nearestName("zzzzzzzz", ["apiKey", "apiUrl"])).toBeUndefined();
  });

  it("every documented option is known: a full set of valid options warns of nothing", () => {
    const all = {
      apiUrl: "https://api.braintrust.dev", orgName: "o", headers: {}, impersonateUser: "u",
      maxQueueSize: 10, maxQueueBytes: 4096, maxExportBatchSize: 10, maxBatchBytes: 4096, scheduledDelayMillis: 5,
      exportTimeoutMillis: 100, maxConcurrentRequests: 2, flushOnExit: true, flushOnRootEnd: false, compression: "gzip",
      filterAISpans: false, customFilter: () => undefined, mask: (e: unknown) => e, logSpanStart: false, environment: null,
    };
    expect(warningsOf(all)).toEqual([]);
  });
});

describe("values of the wrong type are shown with their type", () => {
  it.each([
    [{ scheduledDelayMillis: "500" }, '`scheduledDelayMillis` must be a number from 0 to 2147483647, got "500" (a string); using 1000'],
    [{ maxExportBatchSize: -1 }, "`maxExportBatchSize` must be a number >= 1, got -1; using 512"],
    [{ compression: "brotli" }, '`compression` must be "gzip" or "none", got "brotli" (a string); bodies are sent uncompressed'],
    [{ flushOnExit: "false" }, '`flushOnExit` must be true or false, got "false" (a string); it is ignored'],
    [{ mask: "none" }, '`mask` must be a function, got "none" (a string); it is ignored'],
    [{ orgName: 42 }, "`orgName` must be a string, got 42; it is ignored"],
    [{ environment: "prod" }, '`environment` must be an object such as { type: "server", name: "production" } or null, got "prod" (a string); it is ignored'],
  ])("%j", (options, message) => {
    expect(warningsOf(options)).toEqual([message]);
  });

  it("a project name of another type is a config error, not a silent move to the default project", () => {
    const result = resolveConfig({ ...base, projectName: 7 as never });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBe("`projectName` must be a string, got 7");
  });

  it("a string filterAISpans is not taken as true", () => {
    const result = resolveConfig({ ...base, filterAISpans: "false" as never });
    expect(result.ok && result.config.filterAISpans).toBe(false);
  });

  it("shown() never throws and never prints more than a short prefix of a long string", () => {
    const hostile = new Proxy({}, { get: () => { throw new Error("no"); }, getPrototypeOf: () => { throw new Error("no"); } });
    expect(shown(hostile)).toBe("an object");
    expect(shown("x".repeat(500)).length).toBeLessThan(80);
    expect(shown([1])).toBe("an array");
    expect(shown(null)).toBe("null");
  });
});
