// Every message the exporter emits goes through here: OTel `diag`, rate-limited per
// message kind so an outage logs a line now and then instead of one per batch.
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

/** What to say about something thrown, whatever was thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type Level = "error" | "warn" | "info" | "debug";

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
  diag[level](PREFIX + redact(message) + held);
}

/** Once per process and kind: for mistakes a user must see even without a diag logger. */
export function warnOnce(kind: string, message: string): void {
  if (lastLogged.has(`once:${kind}`)) return;
  lastLogged.set(`once:${kind}`, { at: Date.now(), suppressed: 0 });
  const text = PREFIX + redact(message);
  diag.error(text);
  process.emitWarning(text, { code: "BRAINTRUST_OTEL" });
}

/** For tests: forget what was logged, so each test sees its own first message. */
export function resetLogState(): void {
  lastLogged.clear();
}
