// Checks on options that would otherwise fail later, on every request, forever: numbers a
// timer cannot hold, headers undici refuses to send, a key that is not a header value.
// Each is found once, when options are read, and said in one message naming the option
// (never its value when that may be a secret).
import type { Dispatcher } from "undici";
import { shown } from "./options.js";

/** setTimeout's largest delay; a longer one fires after 1 ms (with a TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const LIMITS = {
  maxQueueSize: { fallback: 100_000, min: 1, max: Number.MAX_SAFE_INTEGER },
  maxQueueBytes: { fallback: 64 * 1024 * 1024, min: 1024, max: Number.MAX_SAFE_INTEGER },
  maxExportBatchSize: { fallback: 512, min: 1, max: Number.MAX_SAFE_INTEGER },
  maxBatchBytes: { fallback: 5 * 1024 * 1024, min: 1024, max: Number.MAX_SAFE_INTEGER },
  scheduledDelayMillis: { fallback: 1000, min: 0, max: MAX_TIMER_MS },
  exportTimeoutMillis: { fallback: 30_000, min: 1, max: MAX_TIMER_MS },
  maxConcurrentRequests: { fallback: 16, min: 1, max: 1024 },
  attachmentMinBytes: { fallback: 1024, min: 0, max: Number.MAX_SAFE_INTEGER },
  maxAttachmentBytes: { fallback: 64 * 1024 * 1024, min: 1024, max: Number.MAX_SAFE_INTEGER },
} as const;

export type NumericOption = keyof typeof LIMITS;

/** The option's value, or its default with a warning naming the range when it is not a number in range. */
export function checkNumber(name: NumericOption, value: unknown, warnings: string[]): number {
  const { fallback, min, max } = LIMITS[name];
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isFinite(value) && value >= min && value <= max) return Math.floor(value);
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  warnings.push(`\`${name}\` must be a number ${range}, got ${shown(value)}; using ${fallback}`);
  return fallback;
}

// RFC 9110 token characters; undici refuses any other header name.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// What undici accepts in a header value: tab, visible ASCII, space, and Latin-1.
const NOT_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Headers that describe the connection or the body: undici sets them, and refuses them from us. */
const FRAMING: ReadonlySet<string> = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "expect", "te", "trailer"]);
/** Always set by the transport. */
const OURS: ReadonlySet<string> = new Set(["content-type"]);

/**
 * Extra headers, lowercased (names are case-insensitive: `Authorization` and
 * `authorization` are one header), or a config error. An `authorization` header replaces
 * the key's `Bearer` one, for gateways with their own auth.
 */
export function checkHeaders(extra: unknown, impersonate: string | undefined, warnings: string[]): { headers: Record<string, string> } | { error: string } {
  const headers: Record<string, string> = {};
  const spelled = new Map<string, string>();
  if (extra !== undefined && (extra === null || typeof extra !== "object" || Array.isArray(extra))) {
    return { error: "`headers` must be an object of header names to string values" };
  }
  for (const [name, value] of Object.entries((extra ?? {}) as Record<string, unknown>)) {
    const key = name.toLowerCase();
    if (!TOKEN.test(name)) return { error: `\`headers\`: ${JSON.stringify(name)} is not a valid header name` };
    if (FRAMING.has(key)) return { error: `\`headers\`: ${name} describes the connection or the body, which the exporter sets itself; remove it` };
    if (typeof value !== "string") {
      warnings.push(`\`headers\`: value of ${JSON.stringify(name)} is not a string; ignored`);
      continue;
    }
    const bad = NOT_HEADER_VALUE.exec(value);
    if (bad) return { error: `\`headers\`: the value of ${name} holds a character that cannot be sent in a header (${describeChar(bad[0])} at position ${bad.index})` };
    if (OURS.has(key)) {
      warnings.push(`\`headers\`: ${name} is always application/json; ignored`);
      continue;
    }
    const earlier = spelled.get(key);
    if (earlier !== undefined) warnings.push(`\`headers\` names ${JSON.stringify(earlier)} and ${JSON.stringify(name)}, one header (names are case-insensitive); using the value of ${JSON.stringify(name)}`);
    spelled.set(key, name);
    headers[key] = value;
  }
  if (impersonate) {
    const bad = NOT_HEADER_VALUE.exec(impersonate);
    if (bad) return { error: `\`impersonateUser\` (BRAINTRUST_IMPERSONATE_USER) holds a character that cannot be sent in a header (${describeChar(bad[0])} at position ${bad.index})` };
    headers["x-bt-impersonate-user"] = impersonate;
  }
  return { headers };
}

/** undefined when the key can be sent as `Bearer <key>`; else a config error that does not quote it. */
export function checkApiKey(key: string): string | undefined {
  const bad = NOT_HEADER_VALUE.exec(key);
  if (!bad) return undefined;
  return `the API key holds a character that cannot be sent in a header (${describeChar(bad[0])} at position ${bad.index} of ${key.length}); check for a stray character pasted with it (\`apiKey\` option or BRAINTRUST_API_KEY)`;
}

/** A dispatcher must be something undici can send through. */
export function checkDispatcher(value: unknown): { dispatcher: Dispatcher | undefined } | { error: string } {
  if (value === undefined) return { dispatcher: undefined };
  if (value !== null && typeof value === "object" && typeof (value as Dispatcher).dispatch === "function") return { dispatcher: value as Dispatcher };
  return { error: "`dispatcher` must be an undici Dispatcher (an Agent, a Pool, a ProxyAgent, …)" };
}

function describeChar(char: string): string {
  const code = char.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return code < 0x20 || code === 0x7f ? `control character ${hex}` : `${JSON.stringify(char)} (${hex})`;
}
