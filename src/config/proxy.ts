// The proxy variables, read the way curl and undici read them: lowercase first, then
// uppercase; HTTPS_PROXY for https URLs, HTTP_PROXY for http ones, NO_PROXY hosts go direct.
// Read from the config's environment, so the `env` option speaks for proxies too.

export interface ProxySettings {
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  noProxy: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The proxy settings, or a config error naming the variable whose URL cannot work. */
export function readProxy(env: Env): ProxySettings | { error: string } {
  const settings: ProxySettings = {
    httpProxy: variable(env, "http_proxy"),
    httpsProxy: variable(env, "https_proxy"),
    noProxy: variable(env, "no_proxy"),
  };
  for (const name of ["http_proxy", "https_proxy"] as const) {
    const value = name === "http_proxy" ? settings.httpProxy : settings.httpsProxy;
    if (value !== undefined && !proxyUrl(value)) {
      const which = env[name] !== undefined ? name : name.toUpperCase();
      return { error: `${which} is not an http(s) URL like http://proxy.example:8080 (${JSON.stringify(withoutCredentials(value))})` };
    }
  }
  return settings;
}

/** Where a proxy URL points, without any user:password in it, for messages. */
function withoutCredentials(value: string): string {
  return value.replace(/\/\/[^/@]*@/, "//***@");
}

function variable(env: Env, lower: string): string | undefined {
  const value = env[lower] ?? env[lower.toUpperCase()];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function proxyUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** The proxy that carries requests to a URL, as messages name it. */
export interface ProxyInUse {
  /** The proxy's URL without user or password (they may hold a secret). */
  url: string;
  /** The variable it came from, as a user would set it: HTTPS_PROXY or HTTP_PROXY. */
  variable: "HTTPS_PROXY" | "HTTP_PROXY";
}

/**
 * The proxy undici's EnvHttpProxyAgent sends `target` through, decided by its rules: NO_PROXY
 * hosts (and their subdomains, with an optional port; `*` for all) go direct; https URLs use
 * HTTPS_PROXY, else HTTP_PROXY; http URLs use HTTP_PROXY. Undefined when requests go direct.
 */
export function proxyFor(settings: ProxySettings | undefined, target: string): ProxyInUse | undefined {
  if (!settings) return undefined;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  const https = url.protocol === "https:";
  const proxy = https ? (settings.httpsProxy ?? settings.httpProxy) : settings.httpProxy;
  if (!proxy || bypassed(settings.noProxy, url)) return undefined;
  return { url: bareProxyUrl(proxy), variable: https && settings.httpsProxy ? "HTTPS_PROXY" : "HTTP_PROXY" };
}

function bypassed(noProxy: string | undefined, url: URL): boolean {
  if (!noProxy) return false;
  if (noProxy === "*") return true;
  const hostname = url.host.replace(/:\d*$/, "").toLowerCase();
  const port = Number.parseInt(url.port, 10) || (url.protocol === "https:" ? 443 : 80);
  for (const entry of noProxy.split(/[,\s]/)) {
    if (!entry) continue;
    const parsed = /^(.+):(\d+)$/.exec(entry);
    const host = (parsed ? parsed[1]! : entry).replace(/^\*?\./, "").toLowerCase();
    if (parsed && Number.parseInt(parsed[2]!, 10) !== port) continue;
    if (hostname === host || hostname.endsWith(`.${host}`)) return true;
  }
  return false;
}

function bareProxyUrl(value: string): string {
  try {
    const url = new URL(value);
    url.username = "";
    url.password = "";
    return url.origin;
  } catch {
    return withoutCredentials(value);
  }
}
