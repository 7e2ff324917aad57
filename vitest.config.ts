import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^braintrust-otel-exporter\/testing$/, replacement: src("testing/index.ts") },
      { find: /^braintrust-otel-exporter\/register$/, replacement: src("register-entry.ts") },
      { find: /^braintrust-otel-exporter$/, replacement: src("index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Files for Node >= 22 only (AI SDK v7); `npm run test:node24` runs them under Node 24.
    exclude: [...configDefaults.exclude, ...(Number(process.versions.node.split(".")[0]) >= 22 ? [] : ["test/**/*.node24.test.ts"])],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
