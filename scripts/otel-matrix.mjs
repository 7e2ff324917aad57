// Runs the tests that touch the OpenTelemetry SDK again under SDK 1.x (Node 20, npm aliases
// otel-sdk-v1 / otel-node-v1) and SDK 3.x (Node 24 from the npm package `node`, with the
// scripts/otel-matrix/v3 tree). The full suite already ran on 2.x. Conversion, delivery and
// the local server do not depend on the SDK, so they are not repeated here.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const v3 = fileURLToPath(new URL("./otel-matrix/v3/", import.meta.url));
const vitest = "node_modules/vitest/vitest.mjs";
const TESTS = [
  "test/spans/processor.test.ts",
  "test/spans/exporter.test.ts",
  "test/spans/filter.test.ts",
  "test/spans/routing.test.ts",
  "test/spans/log-records.test.ts",
  "test/integrations/openai-logs.test.ts",
  "test/spans/distributed.test.ts",
  "test/rows/mask.test.ts",
  "test/register.test.ts",
  "test/setups.test.ts",
  "test/e2e.test.ts",
].filter((file) => existsSync(root + file));

function run(label, command, args, env) {
  console.log(`\n== OpenTelemetry SDK ${label} ==`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  return result.status === 0;
}

if (!["sdk-trace", "sdk-logs"].every((name) => existsSync(v3 + `node_modules/@opentelemetry/${name}/package.json`))) {
  const ok = run("3.x: installing its tree", "npm", ["ci", "--prefix", v3, "--no-audit", "--no-fund", "--prefer-offline"], {});
  if (!ok) process.exit(1);
}

const results = [
  ["1.x", run("1.x (Node " + process.versions.node + ")", process.execPath, [vitest, "run", ...TESTS], { OTEL_SDK_MATRIX: "1" })],
  ["3.x", run("3.x (Node 24)", "npx", ["-y", "-p", "node@24", "node", vitest, "run", ...TESTS], { OTEL_SDK_MATRIX: "3" })],
];
const failed = results.filter(([, ok]) => !ok).map(([label]) => label);
console.log(`\nSDK matrix: ${results.length - failed.length} of ${results.length} SDK versions passed${failed.length ? ` (failed: ${failed.join(", ")})` : ""}`);
process.exit(failed.length ? 1 : 0);
