// Compiles the contender and sink processes, and the library, to plain JS before anything
// is measured, so each contender runs on bare `node`: no TypeScript loader in its CPU
// figures, in its memory, or in its profile. The library is bundled from `src/` the way
// tsup bundles it for `dist/` (same esbuild, same externals, no minification, so profile
// frames keep their function names); `--lib dist` measures the published build instead.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { basename, resolve } from "node:path";
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

/** A build of the library: `src`, `dist`, or an experiment's module. */
export interface Lib {
  name: string;
  /** File URL of the module that exports BraintrustSpanProcessor / BraintrustExporter. */
  url: string;
  /**
   * File URL of a module that exports the delivery and what feeds it (INTERNALS), for the
   * scenarios that offer rows straight to the delivery; built from src/ or a commit only.
   */
  internals?: string;
}

/** The internal seam the delivery-only scenario uses: the queue → batch → sender path, and the code that makes rows. */
const INTERNALS = [
  'export { Delivery } from "./delivery/delivery.ts";',
  'export { resolveConfig } from "./config/config.ts";',
  'export { makeParent } from "./config/parent.ts";',
  'export { RowPipeline } from "./rows/pipeline.ts";',
].join("\n");

export interface Built {
  contender: string;
  sink: string;
  libs: Lib[];
  errors: string[];
}

/** Bundles `<dir>/index.ts` to bench/.build/<name>.mjs; undefined (and an error) when it does not build. */
async function bundleLib(name: string, dir: string, errors: string[]): Promise<Lib | undefined> {
  try {
    await build({ ...common, entryPoints: { [name]: `${dir}/index.ts` }, outdir: BUILD_DIR, outExtension: { ".js": ".mjs" }, logLevel: "silent" });
    const internals = `${BUILD_DIR}/${name}-internals.mjs`;
    await build({ ...common, stdin: { contents: INTERNALS, resolveDir: dir, loader: "ts", sourcefile: "internals.ts" }, outfile: internals, logLevel: "silent" });
    return { name, url: pathToFileURL(`${BUILD_DIR}/${name}.mjs`).href, internals: pathToFileURL(internals).href };
  } catch (err) {
    errors.push(`${name}: ${dir}/index.ts does not build: ${(err as Error).message.split("\n").slice(0, 4).join(" ")}`);
    return undefined;
  }
}

/** `src/` as committed at `ref`, extracted under bench/.build/ (the working tree is not touched). */
function extractCommit(ref: string): string {
  const dir = `${BUILD_DIR}/git-${ref.replace(/[^\w.-]/g, "_")}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync("sh", ["-c", `git -C "$1" archive "$2" src | tar -x -C "$3"`, "sh", root, ref, dir]);
  return `${dir}/src`;
}

/**
 * Each of `libs` is "src" (bundle the working tree's src/index.ts), "git:<ref>" (src/ as committed
 * at <ref>), "dist" (the tsup build), or the path of any module with the same exports (an
 * experiment; put it under bench/.build/ so that it resolves the installed packages). Several
 * are benchmarked side by side, interleaved.
 */
export async function buildBench(libs: string[]): Promise<Built> {
  await build({
    ...common,
    entryPoints: { contender: `${root}bench/contender.ts`, sink: `${root}bench/sink.ts` },
    outdir: BUILD_DIR,
    outExtension: { ".js": ".mjs" },
  });
  const built: Built = { contender: `${BUILD_DIR}/contender.mjs`, sink: `${BUILD_DIR}/sink.mjs`, libs: [], errors: [] };
  for (const lib of libs) {
    if (lib === "src" || lib.startsWith("git:")) {
      let dir = `${root}src`;
      if (lib !== "src") {
        try {
          dir = extractCommit(lib.slice(4));
        } catch (err) {
          built.errors.push(`${lib}: ${(err as Error).message.split("\n")[0]}`);
          continue;
        }
      }
      const bundled = await bundleLib(lib === "src" ? "lib" : lib.replace(/[^\w.-]/g, "_"), dir, built.errors);
      if (bundled) built.libs.push({ ...bundled, name: lib });
      continue;
    }
    const path = lib === "dist" ? `${root}dist/index.js` : resolve(lib);
    if (existsSync(path)) built.libs.push({ name: lib === "dist" ? "dist" : basename(path).replace(/\.m?js$/, ""), url: pathToFileURL(path).href });
    else built.errors.push(lib === "dist" ? "dist/index.js is missing: run `npm run build` first" : `${path} does not exist`);
  }
  return built;
}
