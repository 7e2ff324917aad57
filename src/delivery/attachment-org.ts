// The org an attachment is stored under: that of the project its row goes to. A project's
// org comes with its lookup (destination.ts). An experiment belongs to a project, so its org
// is found by `GET /v1/experiment/{id}` (its `project_id`), then `GET /v1/project/{id}` (its
// `org_id`): once per experiment, only when its rows hold media, retried as lookups are.
import type { Parent } from "../config/parent.js";
import { classify } from "./classify.js";
import type { Resolution } from "./destination.js";
import { type BackoffPolicy, type Outcome, sleep, withRetry } from "./retry.js";

export type OrgAnswer = { ok: true; orgId: string } | { ok: false; detail: string };

export interface OrgOptions {
  /** `Transport.get`. */
  readonly get: (apiPath: string, timeoutMs: number, signal?: AbortSignal) => Promise<Outcome>;
  /** The destination's own lookup (`DestinationResolver.resolve`). */
  readonly resolve: (parent: Parent) => Promise<Resolution>;
  readonly policy: BackoffPolicy;
  readonly attemptTimeoutMs: number;
  /** Ends the lookups still retrying (shutdown). */
  readonly signal: AbortSignal;
}

/** Experiments whose answer is remembered, oldest forgotten first: each is one short entry. */
const MAX_EXPERIMENTS = 1024;

const UPLOAD = { op: "upload", url: "the API" } as const;

export class AttachmentOrgs {
  private readonly experiments = new Map<string, Promise<OrgAnswer>>();

  constructor(private readonly options: OrgOptions) {}

  /** The org of `parent`'s project. Never rejects. */
  async orgId(parent: Parent): Promise<OrgAnswer> {
    if (parent.kind === "experiment_id") return this.experiment(parent.value);
    const resolution = await this.options.resolve(parent);
    if (!resolution.ok) return { ok: false, detail: resolution.message };
    return resolution.orgId ? { ok: true, orgId: resolution.orgId } : { ok: false, detail: `the API named no org_id for ${parent.key}` };
  }

  private experiment(id: string): Promise<OrgAnswer> {
    const known = this.experiments.get(id);
    if (known) return known;
    const answer = this.lookUp(id);
    this.experiments.set(id, answer);
    if (this.experiments.size > MAX_EXPERIMENTS) this.experiments.delete(this.experiments.keys().next().value!);
    return answer;
  }

  private async lookUp(id: string): Promise<OrgAnswer> {
    const experiment = await this.field(`/v1/experiment/${encodeURIComponent(id)}`, "project_id");
    if (!experiment.ok) return this.failed(id, `looking up experiment ${id}: ${experiment.detail}`);
    const project = await this.field(`/v1/project/${encodeURIComponent(experiment.value)}`, "org_id");
    if (!project.ok) return this.failed(id, `looking up project ${experiment.value} of experiment ${id}: ${project.detail}`);
    return { ok: true, orgId: project.value };
  }

  /** A lookup stopped by shutdown is not an answer: asked again, the experiment is looked up anew. */
  private failed(id: string, detail: string): OrgAnswer {
    if (this.options.signal.aborted) this.experiments.delete(id);
    return { ok: false, detail };
  }

  /** A non-empty string field of the object at `apiPath`, asked until the API answers it or finally refuses. */
  private async field(apiPath: string, name: string): Promise<{ ok: true; value: string } | { ok: false; detail: string }> {
    let value: string | undefined;
    const result = await withRetry(
      async (remaining) => {
        const outcome = await this.options.get(apiPath, Math.min(remaining, this.options.attemptTimeoutMs), this.options.signal);
        if (outcome.kind !== "ok") return outcome;
        value = stringField(outcome.body, name);
        // A 2xx without the field came from something that is not the API.
        return value === undefined ? { kind: "invalid", status: outcome.status, body: outcome.body.slice(0, 300) } : outcome;
      },
      { deadline: Number.POSITIVE_INFINITY, policy: this.options.policy, signal: this.options.signal, sleep },
    );
    if (result.decision === "done" && value !== undefined) return { ok: true, value };
    if (result.decision === "cancelled" || !result.outcome) return { ok: false, detail: "the exporter shut down first" };
    return { ok: false, detail: classify(result.outcome, UPLOAD).message };
  }
}

function stringField(body: string, name: string): string | undefined {
  try {
    const value = (JSON.parse(body) as Record<string, unknown> | null)?.[name];
    return typeof value === "string" && value !== "" ? value : undefined;
  } catch {
    return undefined;
  }
}
