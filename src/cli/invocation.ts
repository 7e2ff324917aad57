// How to run this command again, as the user ran it: `dev` prints the `tail` command to
// use next, and it must work where `dev` was started. Installed as a package, the bin is
// on `npx`'s path; in a clone of the repository it is not (the package does not depend on
// itself), so there the npm scripts run it from the sources, or `node` runs a build.
import { relative, sep } from "node:path";

/** The command line that runs `subcommand` with `args` the way this process was started. */
export type CommandLine = (subcommand: string, args: string) => string;

/** `entry` is the file the CLI runs from (src/cli.ts, dist/cli.js); `cwd` where the user is. */
export function invocation(entry: string | undefined, cwd: string | undefined): CommandLine {
  if (entry === undefined || entry.includes(`${sep}node_modules${sep}`)) {
    return (subcommand, args) => `npx braintrust-otel-exporter ${subcommand} ${args}`;
  }
  if (/[\\/]src[\\/]cli\.ts$/.test(entry)) {
    // The repository's scripts: "dev" and "tail" run src/cli.ts with tsx.
    return (subcommand, args) => `npm run ${subcommand} -- ${args}`;
  }
  const path = cwd === undefined ? entry : relative(cwd, entry) || entry;
  return (subcommand, args) => `node ${/\s/.test(path) ? JSON.stringify(path) : path} ${subcommand} ${args}`;
}
