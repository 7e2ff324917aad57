import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "testing/index": "src/testing/index.ts",
    register: "src/register-entry.ts",
    // The `braintrust-otel-exporter` bin; its #! line comes from src/cli.ts, which esbuild keeps.
    cli: "src/cli.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  splitting: false,
  // The package itself is external so that `/register` re-exports the main entry point
  // (one processor class, one registration) instead of bundling a second copy.
  external: [/^@opentelemetry\//, "undici", /^braintrust-otel-exporter$/],
  // src/register.ts reads import.meta.url only when __filename is undefined (ESM); in the
  // CJS build it is never reached, so esbuild's warning about it there is noise.
  esbuildOptions(options) {
    options.logOverride = { ...options.logOverride, "empty-import-meta": "silent" };
  },
});
