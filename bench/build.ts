// Compiles the contender and sink processes, and the library, to plain JS before anything
// is measured, so each contender runs on bare `node`: no TypeScript loader in its CPU
// figures, in its memory, or in its profile. The library is bundled from `src/` the way
// tsup bundles it for `dist/` (same esbuild, same externals, no minification, so profile
// frames keep their function names); `--lib dist` measures the published build instead.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BuildOptions, build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
export const BUILD_DIR = `${root}bench/.build`;

const common: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  // Installed packages stay external, as they are for users of dist/.
  external: ["@opentelemetry/*", "undici"],
};

export interface Built {
  contender: string;
  sink: string;
  /** File URL of the module that exports BraintrustSpanProcessor / BraintrustExporter. */
  libUrl: string | undefined;
  libError: string | undefined;
}

export async function buildBench(lib: "src" | "dist"): Promise<Built> {
  await build({
    ...common,
    entryPoints: { contender: `${root}bench/contender.ts`, sink: `${root}bench/sink.ts` },
    outdir: BUILD_DIR,
    outExtension: { ".js": ".mjs" },
  });
  const built: Built = { contender: `${BUILD_DIR}/contender.mjs`, sink: `${BUILD_DIR}/sink.mjs`, libUrl: undefined, libError: undefined };
  if (lib === "dist") {
    const dist = `${root}dist/index.js`;
    if (existsSync(dist)) built.libUrl = pathToFileURL(dist).href;
    else built.libError = "dist/index.js is missing: run `npm run build` first";
    return built;
  }
  try {
    await build({ ...common, entryPoints: { lib: `${root}src/index.ts` }, outdir: BUILD_DIR, outExtension: { ".js": ".mjs" }, logLevel: "silent" });
    built.libUrl = pathToFileURL(`${BUILD_DIR}/lib.mjs`).href;
  } catch (err) {
    built.libError = `src/index.ts does not build: ${(err as Error).message.split("\n").slice(0, 4).join(" ")}`;
  }
  return built;
}
