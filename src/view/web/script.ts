// The viewer's browser script. A package build bundles src/view/web/app.ts and puts it
// here as a string constant (tsup.config.ts), so the installed package needs no
// bundler and no files beside its own modules. Run from source (tests, tsx), the
// constant is absent and esbuild, a dev dependency, bundles it on first use.
import { fileURLToPath } from "node:url";

declare const __VIEWER_SCRIPT__: string | undefined;

let cached: Promise<string> | undefined;

export function viewerScript(): Promise<string> {
  if (typeof __VIEWER_SCRIPT__ === "string") return Promise.resolve(__VIEWER_SCRIPT__);
  cached ??= bundleFromSource();
  return cached;
}

export const VIEWER_ENTRY = "src/view/web/app.ts";

async function bundleFromSource(): Promise<string> {
  // A variable, so that no bundler tries to pull esbuild into the package.
  const bundler = "esbuild";
  const { build } = (await import(bundler)) as typeof import("esbuild");
  const result = await build({
    entryPoints: [fileURLToPath(new URL("./app.ts", import.meta.url))],
    ...VIEWER_BUILD,
  });
  return result.outputFiles![0]!.text;
}

/** How the script is built, here and in tsup.config.ts alike. */
export const VIEWER_BUILD = { bundle: true, minify: true, format: "iife", platform: "browser", target: "es2020", write: false, legalComments: "none" } as const;
