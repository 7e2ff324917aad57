// What an outcome means, decided once for every request the exporter makes (inserts,
// project lookups, attachment calls): whether to retry, stop, split the batch, refuse its
// rows, give up on the destination or on the key; whether a retried failure is the API being
// overloaded (the limiter backs off) or looks like a setup mistake (said loud, once); and the
// message a user reads. Every HTTP status rule and its wording lives here; network, TLS and
// proxy causes are diagnosis.ts's.
//
// The statuses retried are 408, 429 and every 5xx but 501 and 505. Braintrust's API and the
// proxies in front of it answer 500, 502, 503, 504 (and a CDN its own 52x) while they have a
// bad moment; 501 Not Implemented and 505 HTTP Version Not Supported will never change.
import type { Parent } from "../config/parent.js";
import { KEY_HINT, URL_HINT, diagnoseNetwork, formatDuration, quote, serverMessage } from "./diagnosis.js";
import type { Outcome } from "./outcome.js";

export type Action =
  /** Answered as asked. */
  | "done"
  /** Worth another attempt: the API or the network had a bad moment, or the answer was cut off. */
  | "retry"
  /** 413: the body is too large; the batch is split, a lone row truncated. */
  | "split"
  /** 400 to an insert: some rows are not acceptable; the refused ones are found and dropped (isolate.ts). */
  | "isolate"
  /** Any other final answer to an insert: these rows are dropped, the destination stays. */
  | "refuse"
  /** 403, 404 (and any final answer to a lookup): no row can go to this destination. */
  | "failDestination"
  /** 401: no request will succeed with this key. */
  | "keyRejected";

export interface Verdict {
  readonly action: Action;
  /** A retried failure that says the API is overloaded (429, 5xx, 408, no answer): the limiter halves. */
  readonly overload: boolean;
  /** Looks like a setup mistake (URL, TLS, proxy, key, project), not a bad moment: said loud, once. */
  readonly misconfigured: boolean;
  /** What a user reads: the cause and the setting that fixes it; empty when done. */
  readonly message: string;
}

/** What the request was for: the message names it. */
export type Context =
  | { readonly op: "insert" | "lookup"; readonly parent: Parent; readonly orgName?: string | undefined; readonly url: string }
  /** An attachment call: `POST /attachment`, the PUT to the signed URL, `POST /attachment/status`. */
  | { readonly op: "upload"; readonly url: string };

/** The statuses worth another attempt (see the top of this file). */
export function retriedStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/** Without a context, the verdict for any request (the retry loop's) and a message naming "the API". */
export function classify(outcome: Outcome, context?: Context): Verdict {
  const action = actionOf(outcome, context?.op);
  if (action === "done") return DONE;
  const byStatus = outcome.kind === "http" && retriedStatus(outcome.status);
  return {
    action,
    // A 2xx with an unreadable body is a misrouted answer, not load.
    overload: action === "retry" && outcome.kind !== "invalid",
    misconfigured: action === "keyRejected" || action === "failDestination" || (action === "retry" && !byStatus),
    message: messageFor(action, outcome, context),
  };
}

const DONE: Verdict = { action: "done", overload: false, misconfigured: false, message: "" };

function actionOf(outcome: Outcome, op: Context["op"] | undefined): Action {
  switch (outcome.kind) {
    case "ok":
      return "done";
    case "network":
    case "invalid":
      return "retry";
    case "http": {
      const { status } = outcome;
      if (retriedStatus(status)) return "retry";
      if (status === 401 && op !== "upload") return "keyRejected";
      if (op === "lookup") return "failDestination";
      if (op === "upload") return "refuse";
      if (status === 413) return "split";
      if (status === 400) return "isolate";
      if (status === 403 || status === 404) return "failDestination";
      return "refuse";
    }
  }
}

function messageFor(action: Action, outcome: Outcome, context: Context | undefined): string {
  if (!context) return explain(outcome, "the API");
  if (context.op === "upload") return describe(outcome);
  const { parent, orgName, url } = context;
  const doing = context.op === "insert" ? `inserting into ${parent.key}` : lookingUp(parent, orgName);
  if (action === "retry") return `${doing}: ${explain(outcome, url)}`;
  if (outcome.kind !== "http") return `${doing} failed: ${explain(outcome, url)}`;
  const org = orgName ? ` in org "${orgName}"` : "";
  const said = outcome.body ? ` ${quote(serverMessage(outcome.body))}` : "";
  switch (outcome.status) {
    case 401:
      return `the API key was rejected (401 Unauthorized) while ${doing}: ${KEY_HINT}`;
    case 403:
      return `the API key may not access ${named(parent)}${org} (403 Forbidden)${said}; check the key's permissions${orgName ? "" : ", or set orgName (BRAINTRUST_ORG_NAME) if the key belongs to several orgs"}`;
    case 404:
      return notFound(context.op, parent, org, url, said);
  }
  if (context.op === "insert") return `the API refused the rows for ${parent.key} (${describe(outcome)})`;
  return `${doing} failed: ${explain(outcome, url)}`;
}

function notFound(op: "insert" | "lookup", parent: Parent, org: string, url: string, said: string): string {
  switch (parent.kind) {
    case "project_id":
      return `no project with id ${parent.value}${org} (404 Not Found at ${url}): check BRAINTRUST_PROJECT_ID (the projectId option), or use projectName / BRAINTRUST_PROJECT`;
    case "experiment_id":
      return `no experiment with id ${parent.value}${org} (404 Not Found at ${url}${said}): check the experiment id in braintrust.parent or BRAINTRUST_PARENT`;
    default:
      // A name is created if missing, so a 404 to the lookup is a URL that is not the API's.
      if (op === "lookup") {
        return `${url} has no /v1/project route (404 Not Found): BRAINTRUST_API_URL (the apiUrl option) must be the API's URL, such as https://api.braintrust.dev`;
      }
      return `project "${parent.value}"${org} no longer exists (404 Not Found at ${url}${said}); it is created again when the exporter restarts`;
  }
}

function named(parent: Parent): string {
  switch (parent.kind) {
    case "project_id":
      return `project id ${parent.value}`;
    case "experiment_id":
      return `experiment ${parent.value}`;
    default:
      return `project "${parent.value}"`;
  }
}

function lookingUp(parent: Parent, orgName: string | undefined): string {
  const org = orgName ? ` in org "${orgName}"` : "";
  return parent.kind === "project_id" ? `checking project id ${parent.value}${org}` : `resolving project "${parent.value}"${org}`;
}

/** One failed attempt at `url`, as "cause: hint". */
function explain(outcome: Outcome, url: string): string {
  switch (outcome.kind) {
    case "network":
      return diagnoseNetwork(outcome, url);
    case "invalid":
      return `${url} answered HTTP ${outcome.status} with a body that is not the Braintrust API's (${quote(outcome.body)}): ${URL_HINT}; it must be the API's URL (https://api.braintrust.dev), not the web app's`;
    case "http":
      if (outcome.location !== undefined) {
        return `${url} answered HTTP ${outcome.status}, a redirect to ${outcome.location}, which is not followed (the key would go with it): set apiUrl (BRAINTRUST_API_URL) to the address that answers`;
      }
      if (outcome.status === 407) return `the proxy asked for credentials (407 Proxy Authentication Required): check the user and password in HTTPS_PROXY`;
      return `${url} answered HTTP ${outcome.status}${outcome.body ? ` ${quote(serverMessage(outcome.body))}` : ""}`;
    case "ok":
      return `${url} answered HTTP ${outcome.status}`;
  }
}

/** A short description of a failed attempt, quoting the server's own message. */
export function describe(outcome: Outcome): string {
  switch (outcome.kind) {
    case "network":
      return `${outcome.code}: ${outcome.message}`;
    case "invalid":
      return `HTTP ${outcome.status} with an unreadable body ${quote(outcome.body)}`;
    case "http":
      if (outcome.location !== undefined) {
        return `HTTP ${outcome.status}: the API answered with a redirect to ${outcome.location}, which is not followed (the key would go with it); set apiUrl (BRAINTRUST_API_URL) to the address that answers`;
      }
      return `HTTP ${outcome.status}${outcome.body ? ` ${quote(serverMessage(outcome.body))}` : ""}`;
    case "ok":
      return `HTTP ${outcome.status}${outcome.body ? ` ${quote(serverMessage(outcome.body))}` : ""}`;
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
  if (outcome.kind === "http" && outcome.location === undefined) return `${explain(outcome, url)} on ${attempts}; ${deadline}`;
  return `${explain(outcome, url)}; ${deadline} after ${attempts}`;
}
