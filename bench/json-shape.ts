// What checking `*_json` text costs before it is written into a row verbatim: JSON.parse
// (what the exporter did) against the structural check of src/convert/json-shape.ts, on the
// bench workload's own texts. `npx tsx bench/json-shape.ts [iterations]`
import { performance } from "node:perf_hooks";
import { rawJsonOf } from "../src/convert/raw-json.js";
import { llmAttributes, toolAttributes } from "./workload.js";

const iterations = Number(process.argv[2] ?? 200_000);
const TRACES = 1000;

/** The texts one trace's spans carry, for `TRACES` traces (each differs, like the bench's). */
function texts(): string[] {
  const out: string[] = [];
  for (let t = 0; t < TRACES; t++) {
    for (const attrs of [llmAttributes(t), toolAttributes(t)]) {
      out.push(attrs["braintrust.input_json"] as string, attrs["braintrust.output_json"] as string);
    }
  }
  return out;
}

function run(name: string, all: string[], check: (text: string) => unknown): number {
  let kept = 0;
  const once = () => {
    for (let i = 0; i < iterations; i++) if (check(all[i % all.length]!) !== undefined) kept++;
  };
  once(); // warm-up
  kept = 0;
  const started = performance.now();
  once();
  const ns = ((performance.now() - started) * 1e6) / iterations;
  console.log(`${name.padEnd(34)} ${ns.toFixed(0).padStart(6)} ns/text  (${kept}/${iterations} kept)`);
  return ns;
}

const all = texts();
const bytes = all.reduce((sum, text) => sum + text.length, 0) / all.length;
console.log(`${all.length} texts from bench/workload.ts, mean ${bytes.toFixed(0)} chars; 4 texts per LLM+tool span pair`);
const parse = run("JSON.parse (validation only)", all, (text) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
});
const shape = run("rawJsonOf (shape check)", all, rawJsonOf);
console.log(`shape check is ${(parse / shape).toFixed(1)}x cheaper; per bench span (2 texts each on 2 of 3 spans): ${(((parse - shape) * 4) / 3 / 1000).toFixed(2)} µs saved`);
