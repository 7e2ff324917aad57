#!/usr/bin/env node
// The `braintrust-otel-exporter` command: `dev` runs the local API server, `tail`
// prints a project's traces as trees. This file only wires the process to main().
import pkg from "../package.json" with { type: "json" };
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

main(process.argv.slice(2), process.env, processOutput(), controller.signal, pkg.version).then(
  (code) => {
    // Not process.exit(): that could cut off output still being written to a pipe.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
