// What a failed request means to the person who set the exporter up: the cause in a few
// words (the error class, the URL without credentials) and the setting that fixes it.
// Messages never quote the key; log.ts redacts it again anyway.
import { diagnoseProxy, throughProxy } from "./proxy-diagnosis.js";
import type { Outcome } from "./retry.js";

const URL_HINT = "check BRAINTRUST_API_URL (the apiUrl option)";
export const KEY_HINT = "check BRAINTRUST_API_KEY (the apiKey option)";

/** The API URL as it is safe to print: no user, password, query or fragment. */
export function safeUrl(apiUrl: string): string {
  try {
    const url = new URL(apiUrl);
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    return url.href.replace(/\/+$/, "");
  } catch {
    return "the API URL";
  }
}

// Node's and undici's names for a TLS handshake that went wrong.
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/**
 * Whether a failure looks like a setup mistake (wrong URL, TLS, a proxy, not the API) rather
 * than the API having a bad moment (408, 429, 5xx), which retrying is made for.
 */
export function looksMisconfigured(outcome: Outcome): boolean {
  return outcome.kind !== "http" || !(outcome.status === 408 || outcome.status === 429 || outcome.status >= 500);
}

/** One failed attempt at `url`, as "cause: hint". */
export function diagnose(outcome: Outcome, url: string): string {
  switch (outcome.kind) {
    case "network":
      if (outcome.proxy) {
        return diagnoseProxy(outcome.proxy, outcome.code, outcome.message, url) ?? diagnoseNetwork(outcome.code, outcome.message, url) + throughProxy(outcome.proxy);
      }
      return diagnoseNetwork(outcome.code, outcome.message, url);
    case "invalid":
      return `${url} answered HTTP ${outcome.status} with a body that is not the Braintrust API's (${quote(outcome.body)}): ${URL_HINT}; it must be the API's URL (https://api.braintrust.dev), not the web app's`;
    case "http":
      if (outcome.location !== undefined) {
        return `${url} answered HTTP ${outcome.status}, a redirect to ${outcome.location}, which is not followed (the key would go with it): set apiUrl (BRAINTRUST_API_URL) to the address that answers`;
      }
      return diagnoseStatus(outcome.status, outcome.body, url);
    case "ok":
      return diagnoseStatus(outcome.status, outcome.body, url);
  }
}

/**
 * Retries that a deadline ended: what the last attempt that got an answer was told, how many
 * attempts were told the same, and the deadline (never the abort of an attempt it cut).
 */
export function gaveUpAt(outcome: Outcome | undefined, times: number, url: string, deadlineMs: number): string {
  const deadline = `gave up at the ${formatDuration(deadlineMs)} deadline`;
  if (!outcome) return `no attempt could start before the deadline; ${deadline}`;
  const attempts = `${times} attempt${times === 1 ? "" : "s"}`;
  // A status reads "answered HTTP 500 … on 3 attempts"; other causes end with their hint.
  if (outcome.kind === "http" && outcome.location === undefined) return `${diagnose(outcome, url)} on ${attempts}; ${deadline}`;
  return `${diagnose(outcome, url)}; ${deadline} after ${attempts}`;
}

/** 300 → "300 ms", 30000 → "30 s", 1500 → "1.5 s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

function diagnoseNetwork(code: string, message: string, url: string): string {
  if (code === "ECONNREFUSED") return `nothing is listening at ${url} (ECONNREFUSED): ${URL_HINT}`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `the host of ${url} was not found (${code}): ${URL_HINT}`;
  if (TLS_CODE.test(code) || /\b(SSL|TLS)\b/.test(message)) {
    const plain = /wrong version number|packet length too long|http request/i.test(message) || code === "ERR_SSL_WRONG_VERSION_NUMBER";
    return plain
      ? `TLS handshake with ${url} failed (${code}): the server there does not speak TLS; use http:// if it is plain HTTP, or ${URL_HINT}`
      : `TLS handshake with ${url} failed (${code}): the certificate is not trusted; behind a TLS-inspecting proxy set NODE_EXTRA_CA_CERTS, or ${URL_HINT}`;
  }
  if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT") {
    return `no answer from ${url} (${code}): ${URL_HINT}, and HTTPS_PROXY if this network needs a proxy`;
  }
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE") {
    return `the connection to ${url} was cut (${code}); a proxy or firewall may be in the way, or ${URL_HINT}`;
  }
  return `could not reach ${url} (${code}: ${message})`;
}

function diagnoseStatus(status: number, body: string, url: string): string {
  const said = body ? ` ${quote(serverMessage(body))}` : "";
  switch (status) {
    case 401:
      return `the API key was rejected (401 Unauthorized${said}): ${KEY_HINT}, and that BRAINTRUST_API_URL is your organization's data plane`;
    case 407:
      return `the proxy asked for credentials (407 Proxy Authentication Required): check the user and password in HTTPS_PROXY`;
    default:
      return `${url} answered HTTP ${status}${said}`;
  }
}

/** The server's own words from an error body: `{error}`, `{message}`, `{error: {message}}` or the text. */
export function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const text = parsed?.error ?? parsed?.message;
    if (typeof text === "string") return text;
    if (text && typeof text === "object" && typeof (text as { message?: unknown }).message === "string") {
      return (text as { message: string }).message;
    }
  } catch {
    // not JSON: quote the text itself
  }
  return body;
}

export function quote(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > 300 ? `${flat.slice(0, 300)}…` : flat);
}
