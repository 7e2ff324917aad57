// The server's objects, apart from their rows: projects and experiments, with the
// API's create-or-get, patch and soft delete. Every change is one journal entry
// holding the whole object, so replaying the journal in order rebuilds this state.
import { randomUUID } from "node:crypto";
import type { Journal, JournalEntry } from "./journal.js";

/** A project as the API returns it (the spec's `Project`). */
export interface Project {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  created: string;
  deleted_at: string | null;
  user_id: string;
  settings: Record<string, unknown> | null;
}

/** An experiment as the API returns it (the spec's `Experiment`). */
export interface Experiment {
  id: string;
  project_id: string;
  name: string;
  description: string | null;
  created: string;
  repo_info: Record<string, unknown> | null;
  commit: string | null;
  base_exp_id: string | null;
  deleted_at: string | null;
  dataset_id: string | null;
  dataset_version: string | null;
  public: boolean;
  user_id: string;
  metadata: Record<string, unknown> | null;
  tags: string[] | null;
}

/** The fields `POST /v1/experiment` takes besides `project_id` and `name`, already checked. */
export type ExperimentFields = Partial<Omit<Experiment, "id" | "project_id" | "name" | "created" | "deleted_at" | "user_id" | "commit">>;

export type ProjectPatch = Partial<Pick<Project, "name" | "description" | "settings">>;
export type ExperimentPatch = Partial<Pick<Experiment, "name" | "description" | "public" | "metadata" | "tags" | "repo_info">>;

export class Catalog {
  // Maps keep creation order; listings show the newest first, as the API does.
  private readonly projectsById = new Map<string, Project>();
  private readonly experimentsById = new Map<string, Experiment>();
  private orgIdValue: string = randomUUID();
  /** The orgs a project was created in by `org_name`, besides the default one; the key belongs to all of them. */
  private readonly orgIdsByName = new Map<string, string>();
  readonly userId: string = randomUUID();

  constructor(private readonly journal?: Journal) {}

  /** The org of projects created without an `org_name`. */
  get orgId(): string {
    return this.orgIdValue;
  }

  /** True for an org this server's key belongs to. */
  hasOrg(orgId: string): boolean {
    return orgId === this.orgIdValue || [...this.orgIdsByName.values()].includes(orgId);
  }

  /** Creates the project (in the org named `orgName`, else the default one), or returns the live one with that name unchanged. */
  createProject(name: string, description?: string | null, orgName?: string | null): Project {
    const existing = this.projectByName(name);
    if (existing) return existing;
    let orgId = this.orgIdValue;
    if (orgName) {
      orgId = this.orgIdsByName.get(orgName) ?? randomUUID();
      this.orgIdsByName.set(orgName, orgId);
    }
    const project: Project = {
      id: randomUUID(),
      org_id: orgId,
      name,
      description: description ?? null,
      created: new Date().toISOString(),
      deleted_at: null,
      user_id: this.userId,
      settings: null,
    };
    return this.saveProject(project, orgName ?? undefined);
  }

  /** Live projects, newest first. */
  projects(): Project[] {
    return [...this.projectsById.values()].filter((p) => p.deleted_at === null).reverse();
  }

  /** A live project; deleted ones are gone, as in the API. */
  project(id: string): Project | undefined {
    const project = this.projectsById.get(id);
    return project && project.deleted_at === null ? project : undefined;
  }

  projectByName(name: string): Project | undefined {
    return this.projects().find((p) => p.name === name);
  }

  updateProject(id: string, patch: ProjectPatch): Project {
    return this.saveProject({ ...this.project(id)!, ...patch });
  }

  deleteProject(id: string): Project {
    const now = new Date().toISOString();
    for (const experiment of this.experiments()) {
      if (experiment.project_id === id) this.saveExperiment({ ...experiment, deleted_at: now });
    }
    return this.saveProject({ ...this.project(id)!, deleted_at: now });
  }

  /**
   * Creates the experiment, or returns the live one of that name in the project unchanged;
   * with `ensureNew`, a taken name gets a numbered suffix instead.
   */
  createExperiment(projectId: string, name: string | undefined, fields: ExperimentFields, ensureNew: boolean): Experiment {
    const taken = (n: string) => this.experiments().some((e) => e.project_id === projectId && e.name === n);
    let chosen = name ?? `experiment-${this.experimentsById.size + 1}`;
    if (name !== undefined && taken(name)) {
      if (!ensureNew) return this.experiments().find((e) => e.project_id === projectId && e.name === name)!;
      let n = 1;
      while (taken(`${name}-${n}`)) n++;
      chosen = `${name}-${n}`;
    }
    while (taken(chosen)) chosen = `${chosen}-1`;
    const repo = fields.repo_info ?? null;
    const experiment: Experiment = {
      id: randomUUID(),
      project_id: projectId,
      name: chosen,
      description: fields.description ?? null,
      created: new Date().toISOString(),
      repo_info: repo,
      commit: typeof repo?.commit === "string" ? repo.commit : null,
      base_exp_id: fields.base_exp_id ?? null,
      deleted_at: null,
      dataset_id: fields.dataset_id ?? null,
      dataset_version: fields.dataset_version ?? null,
      public: fields.public ?? false,
      user_id: this.userId,
      metadata: fields.metadata ?? null,
      tags: fields.tags ?? null,
    };
    return this.saveExperiment(experiment);
  }

  /** Live experiments, newest first. */
  experiments(): Experiment[] {
    return [...this.experimentsById.values()].filter((e) => e.deleted_at === null).reverse();
  }

  experiment(id: string): Experiment | undefined {
    const experiment = this.experimentsById.get(id);
    return experiment && experiment.deleted_at === null ? experiment : undefined;
  }

  updateExperiment(id: string, patch: ExperimentPatch): Experiment {
    const experiment = { ...this.experiment(id)!, ...patch };
    if (patch.repo_info !== undefined) experiment.commit = typeof patch.repo_info?.commit === "string" ? patch.repo_info.commit : null;
    return this.saveExperiment(experiment);
  }

  deleteExperiment(id: string): Experiment {
    return this.saveExperiment({ ...this.experiment(id)!, deleted_at: new Date().toISOString() });
  }

  /** Applies one journal entry written by this class; false for entries that are not about objects. */
  replay(entry: JournalEntry): boolean {
    if (entry.kind === "project") {
      // Journals written before projects could be deleted or given settings lack both fields.
      const project = { deleted_at: null, settings: null, ...(entry.project as Partial<Project>) } as Project;
      this.projectsById.set(project.id, project);
      if (typeof entry.org_name === "string") this.orgIdsByName.set(entry.org_name, project.org_id);
      else if (![...this.orgIdsByName.values()].includes(project.org_id)) this.orgIdValue = project.org_id;
      return true;
    }
    if (entry.kind === "experiment") {
      const experiment = entry.experiment as unknown as Experiment;
      this.experimentsById.set(experiment.id, experiment);
      return true;
    }
    return false;
  }

  private saveProject(project: Project, orgName?: string): Project {
    // Map.set on a known id keeps its place, so an update does not reorder listings.
    this.projectsById.set(project.id, project);
    this.journal?.append([{ kind: "project", project: { ...project }, ...(orgName ? { org_name: orgName } : {}) }]);
    return project;
  }

  private saveExperiment(experiment: Experiment): Experiment {
    this.experimentsById.set(experiment.id, experiment);
    this.journal?.append([{ kind: "experiment", experiment: { ...experiment } }]);
    return experiment;
  }
}
