// What a request that got no answer means to the person who set the exporter up: the cause
// in a few words (the error class, the URL without credentials) and the setting that fixes
// it. What an answer's status means is classify.ts's, which calls this for the rest.
// Messages never quote the key; log.ts redacts it again anyway.
import type { Outcome } from "./outcome.js";
import { diagnoseProxy, throughProxy } from "./proxy-diagnosis.js";

export const URL_HINT = "check BRAINTRUST_API_URL (the apiUrl option)";
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

/** A request that got no answer, at `url`, as "cause: hint"; the proxy's own when it is the proxy's fault. */
export function diagnoseNetwork(outcome: Extract<Outcome, { kind: "network" }>, url: string): string {
  if (outcome.proxy) {
    return diagnoseProxy(outcome.proxy, outcome.code, outcome.message, url) ?? networkCause(outcome.code, outcome.message, url) + throughProxy(outcome.proxy);
  }
  return networkCause(outcome.code, outcome.message, url);
}

/** 300 → "300 ms", 30000 → "30 s", 1500 → "1.5 s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

function networkCause(code: string, message: string, url: string): string {
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
