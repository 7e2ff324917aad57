// The commands and their options. Exit codes: 0 done, 1 failed, 2 bad usage.
// The environment comes in as an argument, so tests can run a command in-process.
import { parseArgs } from "node:util";
import { ApiReadError, shownUrl } from "../testing/read-log.js";
import { currentDirectory } from "../config/env.js";
import { dev } from "./dev.js";
import { type CommandLine, invocation } from "./invocation.js";
import { CliError, type Output } from "./output.js";
import { tail } from "./tail.js";
import { tailTarget } from "./tail-config.js";
import { DEV_USAGE, MAIN_USAGE, TAIL_USAGE } from "./usage.js";

type Env = Readonly<Record<string, string | undefined>>;

class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** A flag, else a non-blank environment variable, else undefined. */
function pick(flag: string | undefined, env: Env, envName: string): string | undefined {
  if (flag !== undefined) return flag;
  const value = env[envName];
  return value && value.trim() !== "" ? value.trim() : undefined;
}

function integer(value: string | undefined, name: string, fallback: number, min: number, max: number, usage: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not "${value}"`, usage);
  return n;
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];
type Values = Record<string, string | boolean | undefined>;

/** parseArgs, with its errors (unknown flag, missing value) turned into usage errors of this command. */
function parse(args: string[], options: Options, usage: string): { values: Values } {
  try {
    return parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } } }) as { values: Values };
  } catch (err) {
    throw new UsageError((err as Error).message.split("\n")[0]!, usage);
  }
}

/** An http(s) URL, checked before any request, so a typo is not reported as a network failure. */
function apiUrlOf(value: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // not a URL at all
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new UsageError(`${source} "${shownUrl({ apiUrl: value })}" is not a URL: write it with http:// or https://, e.g. http://127.0.0.1:8787`, TAIL_USAGE);
  }
  return value;
}

async function runDev(args: string[], env: Env, out: Output, signal: AbortSignal, command: CommandLine): Promise<void> {
  const { values } = parse(
    args,
    { port: { type: "string" }, host: { type: "string" }, data: { type: "string" }, "api-key": { type: "string" }, quiet: { type: "boolean" } },
    DEV_USAGE,
  );
  if (values.help) return out.write(DEV_USAGE);
  const flagKey = values["api-key"] as string | undefined;
  if (flagKey !== undefined && flagKey.trim() === "") throw new UsageError("--api-key must not be empty", DEV_USAGE);
  const envKey = flagKey === undefined ? pick(undefined, env, "BRAINTRUST_API_KEY") : undefined;
  await dev(
    {
      port: integer(values.port as string | undefined, "port", 8787, 0, 65535, DEV_USAGE),
      host: (values.host as string | undefined) ?? "127.0.0.1",
      dataFile: values.data as string | undefined,
      apiKey: flagKey ?? envKey,
      keyFromEnv: envKey !== undefined,
      quiet: values.quiet === true,
      command,
    },
    out,
    signal,
  );
}

async function runTail(args: string[], env: Env, out: Output, signal: AbortSignal, cwd: string | undefined): Promise<void> {
  const { values } = parse(
    args,
    {
      project: { type: "string" },
      "project-id": { type: "string" },
      follow: { type: "boolean", short: "f" },
      limit: { type: "string" },
      interval: { type: "string" },
      "api-url": { type: "string" },
      "org-name": { type: "string" },
    },
    TAIL_USAGE,
  );
  if (values.help) return out.write(TAIL_USAGE);
  const flag = (name: string) => values[name] as string | undefined;
  // Bad flags first: a typo should not be reported as a missing key or project.
  const limit = integer(flag("limit"), "limit", 10, 1, 1000, TAIL_USAGE);
  const intervalMs = integer(flag("interval"), "interval", 1000, 50, 3_600_000, TAIL_USAGE);
  if (flag("api-url") !== undefined) apiUrlOf(flag("api-url")!, "--api-url");
  else if (pick(undefined, env, "BRAINTRUST_API_URL") !== undefined) apiUrlOf(pick(undefined, env, "BRAINTRUST_API_URL")!, "BRAINTRUST_API_URL");
  const target = tailTarget({ apiUrl: flag("api-url"), project: flag("project"), projectId: flag("project-id"), orgName: flag("org-name") }, env, cwd);
  for (const line of target.notes) out.note(line);
  try {
    await tail({ ...target, follow: values.follow === true, limit, intervalMs }, out, signal);
  } catch (err) {
    // Name the setting to fix: which variable, flag or file the URL or key came from.
    if (err instanceof ApiReadError && err.fix === "unreachable") throw new ApiReadError(`${err.message} ${target.urlHint}`, err.fatal);
    if (err instanceof ApiReadError && err.fix === "project" && target.projectSource !== undefined) {
      throw new ApiReadError(`${err.message} The project comes from ${target.projectSource}; pass --project to read another.`, err.fatal);
    }
    if (err instanceof ApiReadError && err.fix === "key" && target.keySource !== "BRAINTRUST_API_KEY") {
      throw new ApiReadError(`${err.message} (The key came from ${target.keySource}.)`, err.fatal);
    }
    throw err;
  }
}

/** How this process was started and where, for the commands it suggests and the files it reads. */
export interface Invocation {
  /** The command line to suggest for another subcommand (default: the npx form). */
  command?: CommandLine;
  /** Where `.env.braintrust` is looked for (default: the working directory). */
  cwd?: string;
}

/** Runs one command to its end; resolves with the exit code. `version` is what --version prints. */
export async function main(argv: readonly string[], env: Env, out: Output, signal: AbortSignal, version = "unknown", invoked: Invocation = {}): Promise<number> {
  const [command, ...args] = argv;
  const cwd = "cwd" in invoked ? invoked.cwd : currentDirectory();
  try {
    if (command === "dev") await runDev(args, env, out, signal, invoked.command ?? invocation(undefined, cwd));
    else if (command === "tail") await runTail(args, env, out, signal, cwd);
    else if (command === "--version" || command === "-v" || command === "version") out.write(`${version}\n`);
    else if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      const topic = args[0] === "dev" ? DEV_USAGE : args[0] === "tail" ? TAIL_USAGE : MAIN_USAGE;
      out.write(topic);
    } else throw new UsageError(`Unknown command "${command}".`, MAIN_USAGE);
    return 0;
  } catch (err) {
    if (err instanceof CliError || err instanceof ApiReadError) {
      out.note(`error: ${err.message}`);
      return 1;
    }
    if (err instanceof UsageError) {
      // The error and the command's synopsis; the whole help would bury the one line that matters.
      const synopsis = err.usage.split("\n", 1)[0]!;
      const help = synopsis.replace(/^Usage: (\S+ \S+).*$/, "$1 --help").replace("<command> --help", "--help");
      out.note(`error: ${err.message}\n${synopsis}\nRun \`${help}\` for the options.`);
      return 2;
    }
    throw err;
  }
}
