// A request that went through a proxy (HTTP_PROXY / HTTPS_PROXY) and failed on the way to
// it, or that the proxy would not tunnel, is the proxy's setting to fix, not the API URL.
// Our sockets always go to the proxy: a refused, unresolvable or silent connection is the
// proxy's, and a proxy that cannot reach the API answers the CONNECT with an error status.
import type { ProxyInUse } from "../config/proxy.js";

/** Connection failures that happen before any byte reaches the API: the proxy is not there. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: "nothing is listening there",
  ENOTFOUND: "its host was not found",
  EAI_AGAIN: "its host was not found",
  EHOSTUNREACH: "its host is unreachable",
  ENETUNREACH: "its network is unreachable",
  UND_ERR_CONNECT_TIMEOUT: "it did not accept the connection in time",
};

/** undici's words for a CONNECT that did not get a 200. */
const TUNNEL_REFUSED = /Proxy response \((\d+)\) !== 200/;

/**
 * The cause and the fix when the proxy is the problem; undefined when the failure is past
 * the proxy (the caller says what it means, adding which proxy carried the request).
 */
export function diagnoseProxy(proxy: ProxyInUse, code: string, message: string, url: string): string | undefined {
  const fix = `check ${proxy.variable} and NO_PROXY (or pass a \`dispatcher\` of your own)`;
  const named = `the proxy ${proxy.url} (from ${proxy.variable})`;
  const reason = UNREACHABLE[code];
  if (reason) return `cannot reach ${named} that requests to ${url} go through (${code}: ${reason}): ${fix}`;
  const refused = TUNNEL_REFUSED.exec(message);
  if (refused) {
    const status = Number(refused[1]);
    if (status === 407) {
      return `${named} asks for credentials (CONNECT answered 407 Proxy Authentication Required): put the user and password in ${proxy.variable} (http://user:password@host:port), or pass a \`dispatcher\` of your own`;
    }
    return `${named} refused to open a tunnel to ${url} (CONNECT answered HTTP ${status}): ${fix}; if the API is reachable without it, add its host to NO_PROXY`;
  }
  return undefined;
}

/** Appended to any other network failure's message: which proxy the request went through. */
export function throughProxy(proxy: ProxyInUse): string {
  return ` (through the proxy ${proxy.url} from ${proxy.variable}; check it and NO_PROXY if the API is reachable without it)`;
}
