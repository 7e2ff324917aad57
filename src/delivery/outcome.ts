// What one request came back with. The transport never throws: every answer and every
// failure is one of these, for classify.ts to judge.
import type { ProxyInUse } from "../config/proxy.js";

export type Outcome =
  | { kind: "ok"; status: number; body: string }
  /** A non-2xx answer; `location` is where a redirect pointed (never followed: the key would go with it). */
  | { kind: "http"; status: number; body: string; retryAfterMs?: number; location?: string }
  /** A 2xx answer whose body is not what the route returns: the request may not have landed. */
  | { kind: "invalid"; status: number; body: string }
  /** No answer: refused, reset, timed out, DNS, …; `proxy` is the proxy the request went through, if any. */
  | { kind: "network"; code: string; message: string; proxy?: ProxyInUse };
