// The source tree reads as the data flow: each stage folder imports only the stages below
// it (and config/ and log.ts, which every stage shares), and no file imports itself back
// through a chain of others.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL("../src/", import.meta.url));

/** What each folder may import besides itself; the entry points at the root may import anything. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  spans: ["rows", "convert", "delivery", "lifecycle", "config", "log"],
  // The process ending (beforeExit, exit, signals): drives delivery's flush from outside it.
  lifecycle: ["delivery", "log"],
  rows: ["convert", "delivery", "config", "log"],
  convert: ["config", "log"],
  delivery: ["config", "log"],
  config: ["convert", "log"],
  log: [],
  view: ["log"],
  testing: ["convert", "view", "config", "log"],
  cli: ["testing", "view", "convert", "config", "log"],
};
/** The most lines a file of src/delivery/ may have. */
const MAX_DELIVERY_LINES = 300;
const ENTRY_POINTS = new Set(["index.ts", "register.ts", "register-entry.ts", "auto.ts", "cli.ts"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The stage a file belongs to: its top folder under src/, or "log" / "entry" at the root. */
function stageOf(file: string): string {
  const rel = relative(src, file);
  if (!rel.includes("/")) return ENTRY_POINTS.has(rel) ? "entry" : rel.replace(/\.ts$/, "");
  return rel.slice(0, rel.indexOf("/"));
}

// `… from "./x.js"`, a bare `import "./x.js"` and `import("./x.js")`.
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")));
}

const files = sourceFiles(src);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe("src/ layout", () => {
  it("has only entry points, config/ and log.ts at the root of src/", () => {
    const loose = files.filter((f) => !relative(src, f).includes("/")).map((f) => relative(src, f));
    expect(loose.filter((f) => !ENTRY_POINTS.has(f) && f !== "log.ts")).toEqual([]);
  });

  it("imports point only down the data flow", () => {
    const wrong: string[] = [];
    for (const [file, imports] of graph) {
      const from = stageOf(file);
      if (from === "entry") continue;
      for (const target of imports) {
        const to = stageOf(target);
        if (to !== from && !MAY_IMPORT[from]?.includes(to)) wrong.push(`${relative(src, file)} → ${relative(src, target)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  // Delivery is a few small owners (queue, destinations, schedule, limiter, sender, …): a file
  // past this has taken on a second concern, which belongs in a file of its own.
  it("keeps every file of delivery/ within about 300 lines", () => {
    const long = files
      .filter((f) => relative(src, f).startsWith("delivery/"))
      .map((f) => [relative(src, f), readFileSync(f, "utf8").split("\n").length - 1] as const)
      .filter(([, lines]) => lines > MAX_DELIVERY_LINES);
    expect(long).toEqual([]);
  });

  it("has no import cycles", () => {
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(src, f)).join(" → "));
        return;
      }
      state.set(file, "visiting");
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
