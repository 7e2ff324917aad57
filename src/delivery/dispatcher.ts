// The undici dispatcher the transport owns: a Pool for the API origin, or a proxy agent when
// HTTP(S)_PROXY asks for one.
//
// undici's index loads everything it has (fetch, WebSocket, caches, mocks, interceptors,
// SOCKS), and every serverless cold start pays for it. The exporter loads only the two
// dispatchers and the request API it uses, and only when the first transport is built, never
// at import (bench/README.md, "Why the bounds are where they are", has the cost). undici's file
// layout is not its API, so anything unexpected falls back to the whole package: `require` when
// it is on disk, `import()` when an app bundler inlined it (then the dispatcher is ready after a
// microtask).
import { createRequire } from "node:module";
import type * as Undici from "undici";
import type { Dispatcher } from "undici";
import type { ProxySettings } from "../config/proxy.js";

interface Parts {
  readonly Pool: typeof Undici.Pool;
  readonly EnvHttpProxyAgent: typeof Undici.EnvHttpProxyAgent;
}

export interface DispatcherTuning {
  readonly connections: number;
  readonly keepAliveTimeout: number;
  readonly connect: { readonly timeout: number };
}

let loaded: Parts | undefined;

/** A new dispatcher of ours for `origin`; a promise only when undici had to be imported. */
export function ownDispatcher(origin: string, tuning: DispatcherTuning, proxy: ProxySettings | undefined): Dispatcher | Promise<Dispatcher> {
  const build = (parts: Parts): Dispatcher => {
    // The environment is passed explicitly ("" for unset) so undici does not read
    // process.env behind the back of the `env` option.
    const dispatcher: Dispatcher =
      proxy && (proxy.httpProxy || proxy.httpsProxy)
        ? new parts.EnvHttpProxyAgent({ ...tuning, httpProxy: proxy.httpProxy ?? "", httpsProxy: proxy.httpsProxy ?? "", noProxy: proxy.noProxy ?? "" })
        : new parts.Pool(origin, tuning);
    // A socket that fails between requests must not surface as an 'error' event.
    dispatcher.on("connectionError", () => {});
    return dispatcher;
  };
  loaded ??= loadFromDisk();
  if (loaded) return build(loaded);
  return import("undici").then((undici) => build((loaded = undici as unknown as Parts)));
}

/**
 * A new dispatcher of ours for any origin (an object store's signed URLs), through the proxy
 * when one is set; a promise only when undici had to be imported.
 */
export function anyOriginDispatcher(tuning: DispatcherTuning, proxy: ProxySettings | undefined): Dispatcher | Promise<Dispatcher> {
  const build = (parts: Parts): Dispatcher => {
    const dispatcher: Dispatcher = new parts.EnvHttpProxyAgent({ ...tuning, httpProxy: proxy?.httpProxy ?? "", httpsProxy: proxy?.httpsProxy ?? "", noProxy: proxy?.noProxy ?? "" });
    dispatcher.on("connectionError", () => {});
    return dispatcher;
  };
  loaded ??= loadFromDisk();
  if (loaded) return build(loaded);
  return import("undici").then((undici) => build((loaded = undici as unknown as Parts)));
}

function loadFromDisk(): Parts | undefined {
  let require: NodeJS.Require;
  try {
    require = createRequire(typeof __filename === "string" ? __filename : import.meta.url);
  } catch {
    return undefined;
  }
  try {
    const parts = loadParts(require);
    if (parts) return parts;
  } catch {
    // another layout: the whole package below
  }
  try {
    return require("undici") as Parts;
  } catch {
    return undefined;
  }
}

type Constructor = abstract new (...args: never[]) => object;

/** Pool, EnvHttpProxyAgent and the request API without the rest; undefined when the layout is not the known one. */
function loadParts(require: NodeJS.Require): Parts | undefined {
  const Base = require("undici/lib/dispatcher/dispatcher.js") as Constructor;
  const Pool = require("undici/lib/dispatcher/pool.js") as Parts["Pool"];
  const EnvHttpProxyAgent = require("undici/lib/dispatcher/env-http-proxy-agent.js") as Parts["EnvHttpProxyAgent"];
  if (typeof Base !== "function" || !(Pool.prototype instanceof Base) || !(EnvHttpProxyAgent.prototype instanceof Base)) return undefined;
  // What undici's index does: its request API lives on the dispatcher base class.
  if (typeof (Base.prototype as { request?: unknown }).request !== "function") {
    const api = require("undici/lib/api/index.js") as Record<string, unknown>;
    if (typeof api.request !== "function") return undefined;
    Object.assign(Base.prototype, api);
  }
  return { Pool, EnvHttpProxyAgent };
}
