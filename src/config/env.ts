// The environment the config is read from: the process environment, with Braintrust's
// `.env.braintrust` file as a fallback for its allowlisted variables only (Braintrust's
// cross-SDK spec, features/environment-variables.md). Apps often load dotenv after their
// instrumentation file has run, so the core reads this again at first use when the key or
// the project was missing at construction. Nothing here ever writes `process.env`.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export type Env = Readonly<Record<string, string | undefined>>;

/** The only variables `.env.braintrust` may set; anything else in the file is ignored. */
const ENV_FILE_ALLOWLIST: readonly string[] = [
  "BRAINTRUST_API_KEY",
  "BRAINTRUST_APP_URL",
  "BRAINTRUST_API_URL",
  "BRAINTRUST_PROJECT",
  "BRAINTRUST_PROJECT_ID",
  "BRAINTRUST_ORG_NAME",
  "BRAINTRUST_ENVIRONMENT_TYPE",
  "BRAINTRUST_ENVIRONMENT_NAME",
];

export const ENV_FILE_NAME = ".env.braintrust";
/** The working directory and up to 64 of its parents are searched (the spec's cap). */
const MAX_PARENTS = 64;

const isBlank = (value: string | undefined) => value === undefined || value.trim() === "";

/** The working directory now, or undefined where there is none to ask (never throws). */
export function currentDirectory(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}

/**
 * `env` as the config sees it: each allowlisted variable that is blank there is taken from
 * the nearest `.env.braintrust` above `cwd`. The file is read only when such a variable is
 * blank. A new object: `env` itself is never changed.
 */
export function withEnvFile(env: Env, cwd: string | undefined): Env {
  if (!ENV_FILE_ALLOWLIST.some((name) => isBlank(env[name]))) return env;
  const file = cwd === undefined ? undefined : readNearestEnvFile(cwd);
  if (file === undefined) return env;
  const merged: Record<string, string | undefined> = { ...env };
  for (const name of ENV_FILE_ALLOWLIST) {
    const value = file[name];
    if (isBlank(merged[name]) && !isBlank(value)) merged[name] = value;
  }
  return merged;
}

/**
 * The allowlisted values of the nearest existing `.env.braintrust`, from `cwd` upwards. The
 * nearest file is a boundary: what it lacks is not looked for higher up. Undefined when there
 * is none, or it cannot be read (never throws).
 */
export function readNearestEnvFile(cwd: string): Record<string, string> | undefined {
  let dir = cwd;
  for (let parents = 0; parents <= MAX_PARENTS; parents++) {
    const text = readIfPresent(join(dir, ENV_FILE_NAME));
    if (text === null) return undefined; // exists, unreadable: stop, as the spec says
    if (text !== undefined) return allowlisted(parseDotenv(text));
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

/** The file's text; undefined when it does not exist; null when it exists but cannot be read. */
function readIfPresent(path: string): string | undefined | null {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return code === "ENOENT" || code === "ENOTDIR" ? undefined : null;
  }
}

function allowlisted(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ENV_FILE_ALLOWLIST) if (values[name] !== undefined) out[name] = values[name];
  return out;
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/;

/**
 * The common dotenv syntax: `KEY=value`, `export KEY=value`, single or double quotes, `#`
 * comments, blank lines. No interpolation and no shell evaluation; unparseable lines are skipped.
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const match = LINE.exec(raw);
    if (!match) continue;
    const value = unquote(match[2]!);
    if (value !== undefined) out[match[1]!] = value;
  }
  return out;
}

function unquote(raw: string): string | undefined {
  const quote = raw[0];
  if (quote === '"' || quote === "'") {
    const end = raw.indexOf(quote, 1);
    if (end < 0) return undefined;
    const inner = raw.slice(1, end);
    return quote === '"' ? inner.replace(/\\n/g, "\n").replace(/\\(["\\])/g, "$1") : inner;
  }
  const comment = raw.search(/\s#/);
  return (comment >= 0 ? raw.slice(0, comment) : raw.startsWith("#") ? "" : raw).trim();
}
