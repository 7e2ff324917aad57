// The SDK version matrix: which module stands in for each OpenTelemetry package when the
// suite runs against SDK 1.x or 3.x (OTEL_SDK_MATRIX=1|3; 2.x is the main tree as is).
// Used by vitest.config.ts for imports and by require-hook.mjs for require(), so code
// that loads the SDK lazily (register()) sees the same versions as the tests.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const v3 = fileURLToPath(new URL("./v3/", import.meta.url));
const fromRoot = createRequire(root + "package.json");
const fromV3 = createRequire(v3 + "package.json");

/** @returns {{ imports: Record<string, string>, requires: Record<string, string | null> }} */
export function sdkAliases(major = process.env.OTEL_SDK_MATRIX) {
  if (major === "1") {
    const table = {
      "@opentelemetry/sdk-trace-base": fromRoot.resolve("otel-sdk-v1"),
      "@opentelemetry/sdk-trace-node": fromRoot.resolve("otel-node-v1"),
    };
    return { imports: table, requires: table };
  }
  if (major === "3") {
    const shared = {
      "@opentelemetry/api": fromV3.resolve("@opentelemetry/api"),
      "@opentelemetry/context-async-hooks": fromV3.resolve("@opentelemetry/context-async-hooks"),
      "@opentelemetry/core": fromV3.resolve("@opentelemetry/core"),
      "@opentelemetry/sdk-trace": fromV3.resolve("@opentelemetry/sdk-trace"),
      "@opentelemetry/sdk-logs": fromV3.resolve("@opentelemetry/sdk-logs"),
    };
    return {
      imports: {
        ...shared,
        "@opentelemetry/sdk-trace-base": v3 + "sdk-trace-base.mjs",
        "@opentelemetry/sdk-trace-node": v3 + "sdk-trace-node.mjs",
      },
      // An app on SDK 3.x has no sdk-trace-node (nor sdk-trace-base): register() must do without.
      requires: { ...shared, "@opentelemetry/sdk-trace-node": null, "@opentelemetry/sdk-trace-base": null },
    };
  }
  return { imports: {}, requires: {} };
}
