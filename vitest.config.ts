import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";
import { sdkAliases } from "./scripts/otel-matrix/aliases.mjs";

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));
// OTEL_SDK_MATRIX=1|3 swaps in another OpenTelemetry SDK major (scripts/otel-matrix.mjs).
const matrix = sdkAliases();
const exact = (name: string) => new RegExp(`^${name.replace(/[/.-]/g, "\\$&")}$`);

export default defineConfig({
  resolve: {
    alias: [
      { find: /^braintrust-otel-exporter\/testing$/, replacement: src("testing/index.ts") },
      { find: /^braintrust-otel-exporter\/register$/, replacement: src("register-entry.ts") },
      { find: /^braintrust-otel-exporter\/auto$/, replacement: src("auto.ts") },
      { find: /^braintrust-otel-exporter$/, replacement: src("index.ts") },
      ...Object.entries(matrix.imports).map(([name, path]) => ({ find: exact(name), replacement: path })),
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Files for Node >= 22 only (AI SDK v7, Mastra): they run when the whole suite runs under Node 24
    // (`npm run test:node24`, part of `npm test`).
    exclude: [...configDefaults.exclude, ...(Number(process.versions.node.split(".")[0]) >= 22 ? [] : ["test/**/*.node24.test.ts"])],
    setupFiles: Object.keys(matrix.requires).length > 0 ? ["./scripts/otel-matrix/require-hook.mjs"] : [],
    // A bound that catches a hang, not a speed check: tests that start processes (tsx, Chromium,
    // npm pack) take seconds apiece on a busy machine, and a test waits for its event, however long.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for its condition up to this (vitest's default is 1 s).
    expect: { poll: { timeout: 60_000 } },
  },
});
