// Every message the exporter emits goes through here. With a diag logger installed, OTel
// `diag` gets everything and the app's logger decides. Without one (most apps), stderr
// gets only what must not go unseen: a final failure, once, as a process warning; and,
// when OTEL_LOG_LEVEL or BRAINTRUST_DEBUG asks for it, our own lines at that level.
// Repeated warnings are rate-limited per kind, so an outage logs a line now and then
// instead of one per batch.
import { writeSync } from "node:fs";
import { diag } from "@opentelemetry/api";

const PREFIX = "braintrust-otel-exporter: ";
const WINDOW_MS = 30_000;
const lastLogged = new Map<string, { at: number; suppressed: number }>();
const secrets = new Set<string>();

/** Registers a value (the API key) that must never appear in any message. */
export function addSecret(secret: string): void {
  if (secret.length >= 4) secrets.add(secret);
}

/** Replaces every registered secret, and anything shaped like a bearer token, with `***`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return out.replace(/(bearer\s+)[^\s"']+/gi, "$1***");
}

/** "1 row", "2 rows": a count with its noun, for messages. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** What to say about something thrown, whatever was thrown. */
export function errorMessage(err: unknown): string {
  try {
    return err instanceof Error ? String(err.message) : String(err);
  } catch {
    // Whatever was thrown cannot even be turned into text (a throwing toString, a hostile proxy).
    return "(an error that cannot be printed)";
  }
}

export type Level = "error" | "warn" | "info" | "debug";

const RANK: Record<Level | "none", number> = { none: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** Our stderr level when no diag logger is set: 0 (off) unless the environment asks. */
let stderrRank = 0;
/** OTEL_LOG_LEVEL=none: not even the once-only warnings. */
let silenced = false;

/**
 * Reads the debug switch, OTel's way: `OTEL_LOG_LEVEL` (none, error, warn, info, debug,
 * verbose, all), or `BRAINTRUST_DEBUG=1` for debug. Called when an exporter is created, so
 * the environment is read then, never at import. It only matters while the app has set no
 * diag logger; with one, the app's logger and its level decide.
 */
export function configureLogLevel(env: Readonly<Record<string, string | undefined>>): void {
  const debug = env.BRAINTRUST_DEBUG?.trim().toLowerCase();
  const level = env.OTEL_LOG_LEVEL?.trim().toLowerCase() ?? "";
  silenced = level === "none";
  if (debug && debug !== "0" && debug !== "false") stderrRank = RANK.debug;
  else if (level === "verbose" || level === "all") stderrRank = RANK.debug;
  else stderrRank = Object.hasOwn(RANK, level) ? RANK[level as Level | "none"] : 0;
}

/** True when the app has installed a diag logger (the API keeps it in its global slot). */
function hasDiagLogger(): boolean {
  const api = (globalThis as Record<symbol, { diag?: unknown } | undefined>)[Symbol.for("opentelemetry.js.api.1")];
  return api?.diag !== undefined;
}

/** True when a message at `level` would be seen: a diag logger is set, or the switch asks for it. */
export function enabled(level: Level): boolean {
  return hasDiagLogger() || stderrRank >= RANK[level];
}

function emit(level: Level, text: string): void {
  if (hasDiagLogger()) diag[level](text);
  else if (stderrRank >= RANK[level]) writeLine(text);
}

/** Writes one line to stderr now, synchronously: it works even inside an `exit` listener. */
function writeLine(text: string): void {
  try {
    writeSync(2, `${text}\n`);
  } catch {
    // stderr closed: nothing else to tell
  }
}

/** Logs at most once per `kind` per 30 s, saying how many were held back meanwhile. */
export function log(level: Level, kind: string, message: string): void {
  const now = Date.now();
  const seen = lastLogged.get(kind);
  if (seen && now - seen.at < WINDOW_MS) {
    seen.suppressed++;
    return;
  }
  const held = seen && seen.suppressed > 0 ? ` (${seen.suppressed} similar messages suppressed)` : "";
  lastLogged.set(kind, { at: now, suppressed: 0 });
  emit(level, PREFIX + redact(message) + held);
}

/** Every call is logged, for info and debug lines that each say something new (a batch sent, a retry). */
export function note(level: "info" | "debug", message: string): void {
  if (enabled(level)) emit(level, PREFIX + redact(message));
}

/**
 * Once per process and kind, at ERROR (or WARN): for mistakes a user must see even without
 * a diag logger (a rejected key, an unknown project, an unreachable URL, no SDK). Without one, it is one line on
 * stderr through `process.emitWarning`, which `--no-warnings` silences as usual.
 */
export function warnOnce(kind: string, message: string, level: "error" | "warn" = "error"): void {
  if (lastLogged.has(`once:${kind}`)) return;
  lastLogged.set(`once:${kind}`, { at: Date.now(), suppressed: 0 });
  const text = PREFIX + redact(message);
  if (hasDiagLogger()) {
    diag[level](text);
    return;
  }
  if (silenced) return;
  try {
    process.emitWarning(text, { code: "BRAINTRUST_OTEL" });
  } catch {
    writeLine(text);
  }
}

/**
 * For the process's last moments (exit, a signal): one line at ERROR, now. Without a diag
 * logger it is written to stderr synchronously, the only output an `exit` listener can make.
 */
export function sayNow(message: string): void {
  const text = PREFIX + redact(message);
  if (hasDiagLogger()) diag.error(text);
  else if (!silenced) writeLine(text);
}

/** Rows lost for good: ERROR, rate-limited; the first of each kind is said once as warnOnce says it. */
export function fail(kind: string, message: string): void {
  if (lastLogged.has(`once:${kind}`)) return log("error", kind, message);
  warnOnce(kind, message);
  lastLogged.set(kind, { at: Date.now(), suppressed: 0 });
}

/** For tests: forget what was logged, so each test sees its own first message. */
export function resetLogState(): void {
  lastLogged.clear();
}
