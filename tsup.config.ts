import { readFileSync } from "node:fs";
import { type Plugin, buildSync, transformSync } from "esbuild";
import { defineConfig } from "tsup";
import { VIEWER_BUILD, VIEWER_ENTRY } from "./src/view/web/script.js";

// The web viewer's browser script, bundled once and inlined into the server's code as
// a string, so the package carries no asset files and needs no bundler at run time.
const viewerScript = buildSync({ entryPoints: [VIEWER_ENTRY], ...VIEWER_BUILD }).outputFiles[0]!.text;

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

// The third-party code the local server bundles (protobufjs and its long, for OTLP protobuf
// bodies; the exporter's own entries never import them) is minified as it is bundled, about
// a third less, and the first of each package's files carries its license as a legal comment.
const VENDORED = /^(.*[\\/]node_modules[\\/](protobufjs|long))[\\/].*\.js$/;
const LICENSES: Record<string, (dir: string) => string> = {
  protobufjs: (dir) => readFileSync(`${dir}/LICENSE`, "utf8").trim(),
  // Apache-2.0, as this package, whose LICENSE holds the text.
  long: () => "Copyright 2009 The Closure Library Authors; Copyright 2020 Daniel Wirtz / The long.js Authors. Apache-2.0.",
};
const minifyVendored: Plugin = {
  name: "minify-vendored",
  setup(build) {
    const licensed = new Set<string>();
    build.onLoad({ filter: VENDORED }, ({ path }) => {
      const [, dir, name] = VENDORED.exec(path)!;
      const license = licensed.has(name!) ? "" : `/*! ${name}: ${LICENSES[name!]!(dir!)} */\n`;
      licensed.add(name!);
      return { contents: license + transformSync(readFileSync(path, "utf8"), { minify: true, legalComments: "inline" }).code, loader: "js" };
    });
  },
};

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "testing/index": "src/testing/index.ts",
    register: "src/register-entry.ts",
    // Side effects only: `node --import braintrust-otel-exporter/auto app.js`.
    auto: "src/auto.ts",
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
  external: [/^@opentelemetry\//, "undici", /^braintrust-otel-exporter$/, "esbuild"],
  // The viewer's script, and the version span origin names (src/rows/version.ts).
  define: { __VIEWER_SCRIPT__: JSON.stringify(viewerScript), __PACKAGE_VERSION__: JSON.stringify(version) },
  // src/register.ts reads import.meta.url only when __filename is undefined (ESM); in the
  // CJS build it is never reached, so esbuild's warning about it there is noise.
  esbuildPlugins: [minifyVendored],
  esbuildOptions(options) {
    options.logOverride = { ...options.logOverride, "empty-import-meta": "silent" };
  },
});
