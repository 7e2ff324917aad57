// Where a parent's rows are inserted, checked before any row is sent. A `project_name` is
// resolved to an id by `POST /v1/project` (create-or-get); a `project_id` is verified with
// `GET /v1/project/{id}`, so an unknown id is reported at startup instead of as a 404 on
// every insert. Each parent is looked up once, retrying in the background while the API is
// unreachable; rows wait in the queue meanwhile. `experiment_id` needs no lookup.
import type { Parent } from "../config/parent.js";
import { whenAborted } from "./abort.js";
import { type Context, type Verdict, classify } from "./classify.js";
import { type BackoffPolicy, type Outcome, sleep, withRetry } from "./retry.js";
import type { Limiter } from "./limiter.js";
import type { Transport } from "./transport.js";

export type Resolution =
  | { ok: true; insertPath: string; /** What the info line names: `project "x" (id)`. */ label?: string; /** The project's org, for attachment uploads. */ orgId?: string }
  | { ok: false; message: string; /** 401: no destination will work with this key. */ keyRejected?: boolean; /** close() ended it. */ stopped?: boolean };

function projectInsertPath(projectId: string): string {
  return `/v1/project_logs/${encodeURIComponent(projectId)}/insert`;
}

function experimentInsertPath(experimentId: string): string {
  return `/v1/experiment/${encodeURIComponent(experimentId)}/insert`;
}

export interface ResolverOptions {
  /** The one gate on requests in flight: each lookup request waits for a slot in it. */
  limiter: Limiter;
  orgName: string | undefined;
  policy: BackoffPolicy;
  /** Per-request timeout. */
  attemptTimeoutMs: number;
  /** The API URL as messages may print it (no credentials). */
  url?: string;
  /**
   * Lookups under way at once (each holds its turn through its retries, but a request slot
   * only while a request is in flight); more wait, queued.
   */
  maxLookups?: number;
  /**
   * Told each lookup's answer (`request`, `resolve`), once, while the parent is not forgotten:
   * one callback for every name, so a name waiting its turn holds no promise or closure.
   */
  onResolved?: (parent: Parent, resolution: Resolution) => void;
  /** Told about each failed attempt that will be retried, with what it means (classify.ts). */
  onRetry?: (parent: Parent, outcome: Outcome, verdict: Verdict) => void;
}

/**
 * Lookups under way at once. Names that come and go by the thousand (a `braintrust.parent`
 * per tenant) while the API is down would otherwise each hold a request, a socket soon cut
 * when the name is forgotten, and a retry loop, so memory would grow with the names.
 */
const MAX_LOOKUPS = 8;
/** Why a lookup was stopped; one shared reason, since an abort without one builds a DOMException (and its stack) each time. */
const FORGOTTEN = new Error("lookup stopped");

export class DestinationResolver {
  private readonly known = new Map<string, Resolution>();
  /** Lookups still retrying, each stoppable on its own (`forget`) or all at once (`close`). */
  private readonly running = new Map<string, AbortController>();
  private readonly stopping = new AbortController();
  /**
   * Lookups not started yet, oldest first. A name waiting its turn is this entry and nothing
   * else (no promise, resolver or reaction per name): tenants churning through the
   * destination table while the API is down cost one entry each.
   */
  private readonly queued = new Map<string, Parent>();
  /** Those awaiting `resolve()` (tests, the CLI), by name; the delivery uses `onResolved`. */
  private readonly waiting = new Map<string, ((resolution: Resolution) => void)[]>();
  private active = 0;
  private readonly maxLookups: number;

  constructor(
    private readonly transport: Transport,
    private readonly options: ResolverOptions,
  ) {
    this.maxLookups = Math.max(1, options.maxLookups ?? MAX_LOOKUPS);
  }

  /** The resolution, once settled; undefined while pending (or never asked). */
  peek(parent: Parent): Resolution | undefined {
    return this.known.get(parent.key);
  }

  /**
   * Looks the parent up once (a lookup already asked for is not asked again); the answer goes
   * to `onResolved`, never synchronously.
   */
  request(parent: Parent): void {
    const known = this.known.get(parent.key);
    if (known) {
      queueMicrotask(() => this.tell(parent, known));
      return;
    }
    if (this.queued.has(parent.key) || this.running.has(parent.key)) return;
    this.queued.set(parent.key, parent);
    this.startQueued();
  }

  /** `request`, as a promise; later calls share the first answer. Never rejects. */
  resolve(parent: Parent): Promise<Resolution> {
    const known = this.known.get(parent.key);
    if (known) return Promise.resolve(known);
    return new Promise<Resolution>((settle) => {
      const list = this.waiting.get(parent.key);
      if (list) list.push(settle);
      else this.waiting.set(parent.key, [settle]);
      this.request(parent);
    });
  }

  /** Forgets a parent (asked again, it is looked up anew); a lookup queued or still retrying stops, and `resolve()` callers get a failure. */
  forget(parent: Parent): void {
    this.queued.delete(parent.key);
    // An attempt in flight is left to finish (within its timeout) rather than cut: cutting
    // it destroys its socket, and names forgotten by the thousand made a socket each.
    this.running.get(parent.key)?.abort(FORGOTTEN);
    this.running.delete(parent.key);
    this.known.delete(parent.key);
    this.settle(parent, undefined);
  }

  /** Stops background retries; pending resolutions settle as failed. */
  close(): void {
    this.stopping.abort(FORGOTTEN);
    const queued = [...this.queued.values()];
    this.queued.clear();
    for (const parent of queued) this.tell(parent, stopped(parent));
  }

  /** Gives an answer to `onResolved` and to `resolve()` callers. */
  private tell(parent: Parent, resolution: Resolution): void {
    try {
      this.options.onResolved?.(parent, resolution);
    } catch {
      // The listener's own failure; the other callers still get the answer.
    }
    this.settle(parent, resolution);
  }

  /** Settles `resolve()` callers (a failure when `resolution` is undefined: the parent was forgotten). */
  private settle(parent: Parent, resolution: Resolution | undefined): void {
    const list = this.waiting.get(parent.key);
    if (!list) return;
    this.waiting.delete(parent.key);
    const answer = resolution ?? stopped(parent);
    for (const settle of list) settle(answer);
  }

  /** Starts queued lookups, oldest first, while fewer than `maxLookups` run. */
  private startQueued(): void {
    while (this.active < this.maxLookups && !this.stopping.signal.aborted) {
      const next = this.queued.values().next();
      if (next.done) return;
      const parent = next.value;
      this.queued.delete(parent.key);
      this.active++;
      const own = new AbortController();
      const stop = whenAborted(this.stopping.signal, () => own.abort(FORGOTTEN));
      this.running.set(parent.key, own);
      void this.lookup(parent, own.signal)
        .catch((): Resolution => ({ ok: false, message: `looking up ${parent.key} failed unexpectedly` }))
        .then((resolution) => {
          stop();
          this.active--;
          // A forgotten parent's answer goes nowhere: it may be asked for again meanwhile.
          if (this.running.get(parent.key) === own) {
            this.running.delete(parent.key);
            this.known.set(parent.key, resolution);
            this.tell(parent, resolution);
          }
          this.startQueued();
        });
    }
  }

  private async lookup(parent: Parent, signal: AbortSignal): Promise<Resolution> {
    switch (parent.kind) {
      case "project_id":
        return this.until(parent, signal, () => this.transport.get(`/v1/project/${encodeURIComponent(parent.value)}`, this.options.attemptTimeoutMs, this.stopping.signal));
      case "experiment_id":
        return { ok: true, insertPath: experimentInsertPath(parent.value), label: `experiment ${parent.value}` };
      case "project_name": {
        const { orgName } = this.options;
        const body = JSON.stringify(orgName ? { name: parent.value, org_name: orgName } : { name: parent.value });
        return this.until(parent, signal, () => this.transport.post("/v1/project", body, this.options.attemptTimeoutMs, this.stopping.signal));
      }
      default:
        return { ok: false, message: `unknown parent ${JSON.stringify(parent.key)}: expected project_name:, project_id: or experiment_id:` };
    }
  }

  /**
   * Asks until the API answers with a project, or with a final no; no deadline, only `signal`,
   * ends it. A lookup forgotten while its request waits for a slot sends nothing.
   */
  private async until(parent: Parent, signal: AbortSignal, ask: () => Promise<Outcome>): Promise<Resolution> {
    let project: ReturnType<typeof projectOf>;
    const result = await withRetry(
      async () => {
        const outcome = await this.options.limiter.run(ask, { signal });
        if (outcome.kind !== "ok") return outcome;
        project = projectOf(outcome.body);
        if (project && (parent.kind !== "project_id" || project.id === parent.value)) return outcome;
        // A 2xx that is not this project came from something that is not the API.
        return { kind: "invalid", status: outcome.status, body: outcome.body };
      },
      {
        deadline: Number.POSITIVE_INFINITY,
        policy: this.options.policy,
        signal,
        sleep,
        onRetry: (outcome) => this.options.onRetry?.(parent, outcome, classify(outcome, this.context(parent))),
      },
    );
    if (result.decision === "cancelled" || signal.aborted) return stopped(parent);
    if (result.decision === "done" && project) {
      return {
        ok: true,
        insertPath: projectInsertPath(project.id),
        label: `project "${project.name ?? parent.value}" (id ${project.id})`,
        ...(project.orgId ? { orgId: project.orgId } : {}),
      };
    }
    const outcome: Outcome = result.outcome ?? { kind: "network", code: "ENETWORK", message: "no attempt was made" };
    const verdict = classify(outcome, this.context(parent));
    return { ok: false, message: verdict.message, ...(verdict.action === "keyRejected" ? { keyRejected: true } : {}) };
  }

  private context(parent: Parent): Context {
    return { op: "lookup", parent, orgName: this.options.orgName, url: this.options.url ?? "the API" };
  }
}

function projectOf(body: string): { id: string; name: string | undefined; orgId: string | undefined } | undefined {
  try {
    const project = JSON.parse(body) as { id?: unknown; name?: unknown; org_id?: unknown };
    if (typeof project?.id !== "string" || project.id === "") return undefined;
    return { id: project.id, name: typeof project.name === "string" ? project.name : undefined, orgId: typeof project.org_id === "string" && project.org_id !== "" ? project.org_id : undefined };
  } catch {
    return undefined;
  }
}

function stopped(parent: Parent): Resolution {
  return { ok: false, message: `shut down before project "${parent.value}" was resolved`, stopped: true };
}
