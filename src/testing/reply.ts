// What every route module shares: the parsed request a handler gets, the reply it
// returns, and the error body the official clients read (`message`).
import type { IncomingHttpHeaders } from "node:http";
import type { FaultRoute } from "./faults.js";
import type { LocalStore } from "./store.js";

export interface ApiRequest {
  method: string;
  params: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined for an empty body (or, on `anyBody` routes, one that is not JSON). */
  body: unknown;
  /** False when the body is not JSON; only `anyBody` routes see such requests. */
  bodyIsJson: boolean;
  /** The body's bytes, inflated when it came with a Content-Encoding. */
  raw: Buffer;
}

export interface Reply {
  status: number;
  /** Sent as JSON, as text/plain when it is a string, or as bytes of `contentType`. */
  body: unknown;
  /** For a body of bytes. */
  contentType?: string;
  headers?: Record<string, string>;
  /** What the route made of the request, in a few words, for `dev`'s request lines. */
  note?: string;
}

export type Handler = (store: LocalStore, req: ApiRequest) => Reply;

export interface Route {
  pattern: RegExp;
  /** Which fault setting covers this route. */
  group?: FaultRoute;
  methods: Partial<Record<string, Handler>>;
  /** False only for the API's hello; everything else needs the bearer key. */
  auth?: boolean;
  /** The handler sees bodies that are not JSON too, and says itself why it refuses them. */
  anyBody?: boolean;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });

/**
 * An error as `{"message": …}`: the field the Stainless-generated clients (`@braintrust/api`)
 * put in their exception's message, and the one the exporter quotes.
 */
export const problem = (status: number, message: string): Reply => ({ status, body: { message } });

export const invalid = (message: string): Reply => problem(400, `Invalid request: ${message}`);

/** 501 for an endpoint of the real API that this server does not have. */
export const notImplemented = (what: string): Reply =>
  problem(501, `Not supported by the local server: ${what}. docs/local-server.md lists what it implements.`);

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export const ID = "([^/]+)";
