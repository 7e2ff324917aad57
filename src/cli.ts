#!/usr/bin/env node
// The `braintrust-otel-exporter` command: `dev` runs the local API server, `tail`
// prints a project's traces as trees. This file only wires the process to main().
import { fileURLToPath } from "node:url";
import pkg from "../package.json" with { type: "json" };
import { currentDirectory } from "./config/env.js";
import { invocation } from "./cli/invocation.js";
import { main } from "./cli/main.js";
import { processOutput } from "./cli/output.js";

const controller = new AbortController();
for (const name of ["SIGINT", "SIGTERM"] as const) {
  process.on(name, () => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl+C: stop waiting for a clean close
    controller.abort();
  });
}
// `tail | head` closes the pipe early: that is the reader being done, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

// The file this runs from says how the user started it: installed (npx), from the sources (npm run) or a build (node).
const entry = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
const cwd = currentDirectory();
main(process.argv.slice(2), process.env, processOutput(), controller.signal, pkg.version, { command: invocation(entry, cwd), cwd }).then(
  (code) => {
    // Not process.exit(): that could cut off output still being written to a pipe.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
