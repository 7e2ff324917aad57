// What of a config is secret, and keeping it out of what people print. `console.log`,
// error reporters and debuggers show util.inspect of whatever holds the config (the
// processor, the exporter, their delivery); JSON.stringify is what loggers use.
import { inspect } from "node:util";

interface Secretive {
  readonly apiKey: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly proxy: { readonly httpProxy?: string | undefined; readonly httpsProxy?: string | undefined };
}

/** Values of a config that must never appear in a message: the key, an Authorization header's credentials, proxy passwords. */
export function secretsOf(config: Secretive): string[] {
  const secrets = [config.apiKey];
  const auth = config.headers.authorization;
  if (auth !== undefined) secrets.push(auth, auth.replace(/^\S+\s+/, ""));
  for (const proxy of [config.proxy.httpProxy, config.proxy.httpsProxy]) {
    if (!proxy) continue;
    try {
      const url = new URL(proxy);
      if (url.password) secrets.push(url.password, decodeURIComponent(url.password));
    } catch {
      // not a URL: the config refused it already
    }
  }
  return secrets;
}

/** Gives `config` an inspect and a toJSON that show `***` for its secrets and header values (the fields themselves are unchanged). */
export function hideSecrets<T extends Secretive>(config: T): T {
  const shown = () => {
    const copy: Record<string, unknown> = { ...(config as object), apiKey: config.apiKey ? "***" : "" };
    // Extra headers are how gateways take their own credentials: their values are shown as *** too.
    copy.headers = Object.fromEntries(Object.keys(config.headers).map((name) => [name, "***"]));
    copy.proxy = { ...config.proxy, httpProxy: masked(config.proxy.httpProxy), httpsProxy: masked(config.proxy.httpsProxy) };
    return copy;
  };
  Object.defineProperty(config, inspect.custom, { value: (_depth: number, options: object) => inspect(shown(), options) });
  Object.defineProperty(config, "toJSON", { value: shown });
  return config;
}

function masked(proxy: string | undefined): string | undefined {
  return proxy?.replace(/\/\/[^/@]*@/, "//***@");
}
