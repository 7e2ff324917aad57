// The commands and their options. Exit codes: 0 done, 1 failed, 2 bad usage.
// The environment comes in as an argument, so tests can run a command in-process.
import { parseArgs } from "node:util";
import { ApiReadError } from "../testing/read-log.js";
import { dev } from "./dev.js";
import { CliError, type Output } from "./output.js";
import { tail } from "./tail.js";

type Env = Readonly<Record<string, string | undefined>>;

export const USAGE = `Usage: braintrust-otel-exporter <command> [options]

Commands:
  dev     Run a local Braintrust-compatible API server
  tail    Print a project's recent traces as trees (--follow for new ones)
  help    Show this help

dev options:
  --port N          Port to listen on (default 8787; 0 picks a free one)
  --host HOST       Address to bind (default 127.0.0.1)
  --data FILE       Keep projects and rows in this JSONL file across restarts
  --api-key KEY     Key clients must send (default: a random one, printed)
  --quiet           Do not print a line per request

tail options:
  --project NAME    Project name (env BRAINTRUST_PROJECT)
  --project-id ID   Project id; skips the name lookup (env BRAINTRUST_PROJECT_ID)
  -f, --follow      Keep polling, and print traces that are new or changed
  --limit N         How many recent traces to print first (default 10)
  --interval MS     Polling interval for --follow (default 1000)
  --api-url URL     API base URL (env BRAINTRUST_API_URL, default https://api.braintrust.dev)
  --org-name NAME   Org, for keys that belong to several (env BRAINTRUST_ORG_NAME)
  The API key comes from BRAINTRUST_API_KEY only, which keeps it out of shell history.
`;

class UsageError extends Error {}

/** A flag, else a non-blank environment variable, else undefined. */
function pick(flag: string | undefined, env: Env, envName: string): string | undefined {
  if (flag !== undefined) return flag;
  const value = env[envName];
  return value && value.trim() !== "" ? value.trim() : undefined;
}

function integer(value: string | undefined, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not "${value}"`);
  return n;
}

async function runDev(args: string[], out: Output, signal: AbortSignal): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      data: { type: "string" },
      "api-key": { type: "string" },
      quiet: { type: "boolean" },
    },
  });
  await dev(
    {
      port: integer(values.port, "port", 8787, 0, 65535),
      host: values.host ?? "127.0.0.1",
      dataFile: values.data,
      apiKey: values["api-key"],
      quiet: values.quiet === true,
    },
    out,
    signal,
  );
}

async function runTail(args: string[], env: Env, out: Output, signal: AbortSignal): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      project: { type: "string" },
      "project-id": { type: "string" },
      follow: { type: "boolean", short: "f" },
      limit: { type: "string" },
      interval: { type: "string" },
      "api-url": { type: "string" },
      "org-name": { type: "string" },
    },
  });
  // Bad flags first: a typo should not be reported as a missing key or project.
  const limit = integer(values.limit, "limit", 10, 1, 1000);
  const intervalMs = integer(values.interval, "interval", 1000, 50);
  // An explicit --project beats a project id that only comes from the environment.
  const byName = values.project !== undefined && values["project-id"] === undefined;
  const projectId = byName ? undefined : pick(values["project-id"], env, "BRAINTRUST_PROJECT_ID");
  const project = pick(values.project, env, "BRAINTRUST_PROJECT");
  if (!projectId && !project) throw new UsageError("Pass --project NAME or --project-id ID (or set BRAINTRUST_PROJECT).");
  const apiKey = pick(undefined, env, "BRAINTRUST_API_KEY");
  if (!apiKey) throw new CliError("BRAINTRUST_API_KEY is not set. Export the key of the API to read from.");
  await tail(
    {
      apiUrl: pick(values["api-url"], env, "BRAINTRUST_API_URL") ?? "https://api.braintrust.dev",
      apiKey,
      orgName: pick(values["org-name"], env, "BRAINTRUST_ORG_NAME"),
      project,
      projectId,
      follow: values.follow === true,
      limit,
      intervalMs,
    },
    out,
    signal,
  );
}

/** Runs one command to its end; resolves with the exit code. */
export async function main(argv: readonly string[], env: Env, out: Output, signal: AbortSignal): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === "dev") await runDev(args, out, signal);
    else if (command === "tail") await runTail(args, env, out, signal);
    else if (command === undefined || command === "help" || command === "--help" || command === "-h") out.write(USAGE);
    else throw new UsageError(`Unknown command "${command}".`);
    return 0;
  } catch (err) {
    if (err instanceof CliError || err instanceof ApiReadError) {
      out.note(`error: ${err.message}`);
      return 1;
    }
    // parseArgs throws TypeErrors with a code for unknown or malformed options.
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      out.note(`error: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}
