// A ready-made `mask` for common personal data: email addresses, API-key-shaped strings
// and credit card numbers (checked with Luhn, so order ids and timestamps survive).
// It rewrites strings anywhere inside input, output, expected, error and metadata.
import type { BraintrustEvent } from "../convert/types.js";

export interface PiiMaskOptions {
  /** Default true. */
  emails?: boolean;
  /** OpenAI/Anthropic/Stripe-style `sk-…` keys, AWS, GitHub, Slack and Google keys, JWTs and bearer tokens. Default true. */
  apiKeys?: boolean;
  /** 13–19 digits, optionally grouped by spaces or dashes, that pass the Luhn check. Default true. */
  creditCards?: boolean;
  /** More patterns to replace (use the `g` flag), applied after the built-in ones. */
  patterns?: ReadonlyArray<{ pattern: RegExp; replacement: string }>;
}

const FIELDS = ["input", "output", "expected", "error", "metadata"] as const;
const MAX_DEPTH = 64;
const TOO_DEEP = "[masked: nested too deeply]";

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const API_KEY = new RegExp(
  [
    // sk-…, sk-proj-…, sk-ant-api03-…, sk_live_…; a digit is required so "sk-learn-compatible…" survives
    String.raw`\b(?:sk|pk|rk)[-_](?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{16,}`,
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`, // AWS access key id
    String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}`, // GitHub tokens
    String.raw`\bgithub_pat_[A-Za-z0-9_]{22,}`,
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`, // Slack
    String.raw`\bAIza[0-9A-Za-z_-]{35}`, // Google
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`, // JWT
  ].join("|"),
  "g",
);
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/-]{8,}=*/gi;
const CARD_CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;

/** Builds a `mask` function; `maskPII` is this with every rule on. */
export function createPiiMask(options: PiiMaskOptions = {}): (event: BraintrustEvent) => BraintrustEvent {
  const redactString = createRedactor(options);
  return (event) => {
    for (const field of FIELDS) {
      const value = event[field];
      if (value !== undefined) (event as unknown as Record<string, unknown>)[field] = redactValue(value, redactString, 0);
    }
    return event;
  };
}

/** A `mask` that replaces emails, API keys and card numbers with `[email]`, `[api-key]` and `[credit-card]`. */
export const maskPII: (event: BraintrustEvent) => BraintrustEvent = createPiiMask();

/** The string rules alone, for masking text outside a row. */
export function redactPII(text: string, options: PiiMaskOptions = {}): string {
  return createRedactor(options)(text);
}

function createRedactor(options: PiiMaskOptions): (text: string) => string {
  const emails = options.emails !== false;
  const apiKeys = options.apiKeys !== false;
  const cards = options.creditCards !== false;
  const extra = options.patterns ?? [];
  return (text) => {
    let out = text;
    if (apiKeys) out = out.replace(API_KEY, "[api-key]").replace(BEARER, "$1[api-key]");
    if (emails && out.includes("@")) out = out.replace(EMAIL, "[email]");
    if (cards) out = out.replace(CARD_CANDIDATE, (match) => (luhnValid(match) ? "[credit-card]" : match));
    for (const { pattern, replacement } of extra) out = out.replace(pattern, replacement);
    return out;
  };
}

function redactValue(value: unknown, redact: (text: string) => string, depth: number): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const masked = redactValue((value as Record<string, unknown>)[key], redact, depth + 1);
    if (key === "__proto__") Object.defineProperty(out, key, { value: masked, enumerable: true, writable: true, configurable: true });
    else out[key] = masked;
  }
  return out;
}

/** The Luhn checksum over the digits of `text` (separators ignored). */
export function luhnValid(text: string): boolean {
  let sum = 0;
  let double = false;
  let digits = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) continue;
    digits++;
    let d = code;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits >= 13 && digits <= 19 && sum % 10 === 0;
}
