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
export function withoutCredentials(value: string): string {
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
