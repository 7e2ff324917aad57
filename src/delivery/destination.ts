// Where a parent's rows are inserted. `project_id` and `experiment_id` are known at once;
// a `project_name` is resolved to an id by `POST /v1/project` (create-or-get), once per
// name, retrying in the background while the API is unreachable. Rows wait in the queue.
import type { Parent } from "../config/parent.js";
import { whenAborted } from "./abort.js";
import { type BackoffPolicy, type Outcome, decide, retryDelay, sleep } from "./retry.js";
import type { Transport } from "./transport.js";

export type Resolution = { ok: true; insertPath: string } | { ok: false; message: string };

export function projectInsertPath(projectId: string): string {
  return `/v1/project_logs/${encodeURIComponent(projectId)}/insert`;
}

export function experimentInsertPath(experimentId: string): string {
  return `/v1/experiment/${encodeURIComponent(experimentId)}/insert`;
}

export interface ResolverOptions {
  orgName: string | undefined;
  policy: BackoffPolicy;
  /** Per-request timeout. */
  attemptTimeoutMs: number;
  /** Told about each failed attempt that will be retried (for lastError and diagnostics). */
  onRetry?: (parent: Parent, outcome: Outcome) => void;
}

export class DestinationResolver {
  private readonly cache = new Map<string, Promise<Resolution>>();
  private readonly known = new Map<string, Resolution>();
  /** Lookups still retrying, each stoppable on its own (`forget`) or all at once (`close`). */
  private readonly running = new Map<string, AbortController>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly transport: Transport,
    private readonly options: ResolverOptions,
  ) {}

  /** The resolution, once settled; undefined while pending (or never asked). */
  peek(parent: Parent): Resolution | undefined {
    return this.known.get(parent.key);
  }

  /** Resolves each parent once; later calls share the first answer. Never rejects. */
  resolve(parent: Parent): Promise<Resolution> {
    let pending = this.cache.get(parent.key);
    if (!pending) {
      const own = new AbortController();
      const stop = whenAborted(this.stopping.signal, () => own.abort());
      this.running.set(parent.key, own);
      const settled = this.lookup(parent, own.signal).then((resolution) => {
        stop();
        if (this.running.get(parent.key) === own) {
          this.running.delete(parent.key);
          this.known.set(parent.key, resolution);
        }
        return resolution;
      });
      this.cache.set(parent.key, settled);
      pending = settled;
    }
    return pending;
  }

  /** Forgets a parent (asked again, it is looked up anew); a lookup still retrying stops and settles as failed. */
  forget(parent: Parent): void {
    this.running.get(parent.key)?.abort();
    this.running.delete(parent.key);
    this.cache.delete(parent.key);
    this.known.delete(parent.key);
  }

  /** Stops background retries; pending resolutions settle as failed. */
  close(): void {
    this.stopping.abort();
  }

  private async lookup(parent: Parent, signal: AbortSignal): Promise<Resolution> {
    switch (parent.kind) {
      case "project_id":
        return { ok: true, insertPath: projectInsertPath(parent.value) };
      case "experiment_id":
        return { ok: true, insertPath: experimentInsertPath(parent.value) };
      case "project_name":
        return this.resolveProjectName(parent, signal);
      default:
        return { ok: false, message: `unknown parent ${JSON.stringify(parent.key)}: expected project_name:, project_id: or experiment_id:` };
    }
  }

  private async resolveProjectName(parent: Parent, signal: AbortSignal): Promise<Resolution> {
    const { orgName } = this.options;
    const body = JSON.stringify(orgName ? { name: parent.value, org_name: orgName } : { name: parent.value });
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return stopped(parent);
      const outcome = await this.transport.post("/v1/project", body, this.options.attemptTimeoutMs, signal);
      if (signal.aborted) return stopped(parent);
      const id = outcome.kind === "ok" ? projectIdOf(outcome.body) : undefined;
      if (id) return { ok: true, insertPath: projectInsertPath(id) };
      const checked: Outcome =
        outcome.kind === "ok" ? { kind: "invalid", status: outcome.status, body: outcome.body } : outcome;
      if (decide(checked) !== "retry") return { ok: false, message: resolutionError(parent, checked, orgName) };
      this.options.onRetry?.(parent, checked);
      await sleep(retryDelay(attempt, checked, this.options.policy), signal);
    }
  }
}

function projectIdOf(body: string): string | undefined {
  try {
    const project = JSON.parse(body) as { id?: unknown };
    return typeof project?.id === "string" && project.id !== "" ? project.id : undefined;
  } catch {
    return undefined;
  }
}

function stopped(parent: Parent): Resolution {
  return { ok: false, message: `shut down before project "${parent.value}" was resolved` };
}

/** A message a user can act on; the key itself never appears (log.ts redacts it too). */
export function resolutionError(parent: Parent, outcome: Outcome, orgName: string | undefined): string {
  const project = `project "${parent.value}"${orgName ? ` in org "${orgName}"` : ""}`;
  if (outcome.kind !== "http") return `could not resolve ${project}: ${describeOutcome(outcome)}`;
  switch (outcome.status) {
    case 401:
      return `the API key was rejected (401 Unauthorized) while resolving ${project}; check the apiKey option or BRAINTRUST_API_KEY`;
    case 403:
      return `the API key may not access ${project} (403 Forbidden); check the key's permissions${orgName ? "" : ", or set orgName (BRAINTRUST_ORG_NAME) if the key belongs to several orgs"}`;
    default:
      return `could not resolve ${project}: ${describeOutcome(outcome)}`;
  }
}

/** A short description of a failed attempt, quoting the server's own message. */
export function describeOutcome(outcome: Outcome): string {
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

function serverMessage(body: string): string {
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

function quote(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > 300 ? `${flat.slice(0, 300)}…` : flat);
}
