// What `tail` reads, found exactly as the exporter finds where it writes: flags stand for
// the options, then the environment, then `.env.braintrust` (the nearest above the working
// directory), then the defaults, with the project from `--project` / `--project-id`, else
// BRAINTRUST_PARENT, BRAINTRUST_PROJECT_ID, BRAINTRUST_PROJECT, else the default project.
// Each value keeps where it came from, so a failure names the variable or flag to fix.
import { DEFAULT_API_URL, DEFAULT_PROJECT, resolveConfig } from "../config/config.js";
import { type Env, ENV_FILE_NAME, withEnvFile } from "../config/env.js";
import { CliError } from "./output.js";

export interface TailFlags {
  apiUrl?: string;
  project?: string;
  projectId?: string;
  orgName?: string;
}

export interface TailTarget {
  apiUrl: string;
  apiKey: string;
  orgName?: string;
  project?: string;
  projectId?: string;
  /** Where the URL came from and how to change it, for a message about reaching it. */
  urlHint: string;
  /** Where the key came from, for a message about its rejection. */
  keySource: string;
  /** Where the project came from when no flag named it, for a message about a project not found. */
  projectSource?: string;
  /** Said before reading: what was chosen for the user (the default project). */
  notes: string[];
}

const isSet = (value: string | undefined) => value !== undefined && value.trim() !== "";

export function tailTarget(flags: TailFlags, env: Env, cwd: string | undefined): TailTarget {
  const merged = withEnvFile(env, cwd);
  const source = (name: string, flag?: string) => {
    if (flag !== undefined && isSet(flags[flag as keyof TailFlags])) return `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (isSet(env[name])) return name;
    if (isSet(merged[name])) return `${name} in ${ENV_FILE_NAME}`;
    return undefined;
  };
  const apiKey = merged.BRAINTRUST_API_KEY?.trim();
  if (!apiKey) {
    throw new CliError(`BRAINTRUST_API_KEY is not set. Export the key of the API to read from (the line \`dev\` printed), or put it in ${ENV_FILE_NAME}.`);
  }
  const result = resolveConfig({
    apiKey,
    apiUrl: flags.apiUrl,
    projectName: flags.project,
    projectId: flags.projectId,
    orgName: flags.orgName,
    env: merged,
    environment: null,
  });
  if (!result.ok) throw new CliError(`${cliNames(result.error)}.`);
  const { config } = result;
  const notes = result.warnings.map((w) => `warning: ${cliNames(w)}`);
  const target: TailTarget = {
    apiUrl: config.apiUrl,
    apiKey,
    orgName: config.orgName,
    urlHint: urlHint(source("BRAINTRUST_API_URL", "apiUrl")),
    keySource: source("BRAINTRUST_API_KEY") ?? "BRAINTRUST_API_KEY",
    notes,
  };
  const { parent } = config;
  if (parent.kind === "experiment_id") {
    throw new CliError(`${source("BRAINTRUST_PARENT") ?? "BRAINTRUST_PARENT"} names an experiment (${parent.key}); tail reads project logs: pass --project NAME or --project-id ID.`);
  }
  if (parent.kind === "project_id") target.projectId = parent.value;
  else target.project = parent.value;
  if (!isSet(flags.project) && !isSet(flags.projectId)) {
    target.projectSource = source("BRAINTRUST_PARENT") ?? source("BRAINTRUST_PROJECT_ID") ?? source("BRAINTRUST_PROJECT");
  }
  if (config.defaultParent) {
    notes.push(`No project is named (--project, --project-id, BRAINTRUST_PROJECT, BRAINTRUST_PROJECT_ID or BRAINTRUST_PARENT): reading "${DEFAULT_PROJECT}", where the exporter logs when none is set.`);
  }
  return target;
}

function urlHint(source: string | undefined): string {
  if (source !== undefined) return `The URL comes from ${source}.`;
  return `No URL is set (--api-url, BRAINTRUST_API_URL or ${ENV_FILE_NAME}), so this is the default, ${DEFAULT_API_URL}: set BRAINTRUST_API_URL or pass --api-url to read another server, such as the one \`dev\` runs.`;
}

/** The exporter's messages name its options; here the flags stand for them. */
function cliNames(message: string): string {
  return message
    .replace("`apiUrl`", "--api-url")
    .replace(/^apiUrl /, "the API URL ")
    .replace("`projectName`", "--project")
    .replace("`projectId`", "--project-id")
    .replace("`parent`", "BRAINTRUST_PARENT")
    .replace("`orgName`", "--org-name");
}
