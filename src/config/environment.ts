// Where spans are captured, for each row's `context.span_origin.environment`, as Braintrust's
// SDKs detect it (`@braintrust/otel` 0.3.0 and features/environment-variables.md): the
// `environment` option, then BRAINTRUST_ENVIRONMENT_TYPE / _NAME, then CI providers, then
// server platforms, then NODE_ENV. No positive signal: no environment (never a guessed "local").
import type { Env } from "./env.js";

export interface SpanEnvironment {
  /** `ci`, `server` or `local` by convention; other strings are allowed. */
  type?: string;
  /** A lower-snake-case label such as `github_actions`, `vercel` or `production`. */
  name?: string;
}

const CI: ReadonlyArray<readonly [string, string]> = [
  ["GITHUB_ACTIONS", "github_actions"],
  ["GITLAB_CI", "gitlab_ci"],
  ["CIRCLECI", "circleci"],
  ["BUILDKITE", "buildkite"],
  ["JENKINS_URL", "jenkins"],
  ["JENKINS_HOME", "jenkins"],
  ["TF_BUILD", "azure_pipelines"],
  ["TEAMCITY_VERSION", "teamcity"],
  ["TRAVIS", "travis"],
  ["BITBUCKET_BUILD_NUMBER", "bitbucket"],
];

// Checked in this order: ECS before Lambda, since both can set AWS_EXECUTION_ENV.
const SERVERS: ReadonlyArray<readonly [string, string]> = [
  ["K_SERVICE", "cloud_run"],
  ["FUNCTION_TARGET", "gcp_functions"],
  ["KUBERNETES_SERVICE_HOST", "kubernetes"],
  ["DYNO", "heroku"],
  ["FLY_APP_NAME", "fly"],
  ["RAILWAY_ENVIRONMENT", "railway"],
  ["RENDER_SERVICE_NAME", "render"],
];

const DEPLOYMENT_MODES: Readonly<Record<string, string>> = {
  production: "server",
  prod: "server",
  staging: "server",
  stage: "server",
  development: "local",
  dev: "local",
  local: "local",
};

/**
 * The environment for span origin. `explicit` wins (`null` turns detection off); each of the
 * two env overrides is kept on its own when only one is set.
 */
export function detectEnvironment(explicit: SpanEnvironment | null | undefined, env: Env): SpanEnvironment | undefined {
  if (explicit === null) return undefined;
  if (explicit !== undefined) return cleanExplicit(explicit);
  const get = (name: string) => {
    const value = env[name];
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  };

  const type = get("BRAINTRUST_ENVIRONMENT_TYPE");
  const name = get("BRAINTRUST_ENVIRONMENT_NAME");
  if (type !== undefined || name !== undefined) return { ...(type ? { type } : {}), ...(name ? { name } : {}) };

  for (const [variable, label] of CI) if (get(variable)) return { type: "ci", name: label };
  if (truthy(get("CI"))) return { type: "ci", name: "ci" };

  if (get("VERCEL")) return { type: "server", name: "vercel" };
  if (get("NETLIFY")) return { type: "server", name: "netlify" };
  const aws = get("AWS_EXECUTION_ENV");
  if (get("ECS_CONTAINER_METADATA_URI") || get("ECS_CONTAINER_METADATA_URI_V4") || aws?.startsWith("AWS_ECS_")) {
    return { type: "server", name: "ecs" };
  }
  if (get("AWS_LAMBDA_FUNCTION_NAME") || aws?.startsWith("AWS_Lambda_")) return { type: "server", name: "aws_lambda" };
  for (const [variable, label] of SERVERS) if (get(variable)) return { type: "server", name: label };

  const nodeEnv = get("NODE_ENV");
  if (nodeEnv === undefined) return undefined;
  const mode = nodeEnv.toLowerCase();
  // A test runner is not a deployment; CI, which runs tests, was detected above.
  if (mode === "test") return undefined;
  const modeType = DEPLOYMENT_MODES[mode];
  // An unknown mode ("preview") is kept as a name without a type, as `@braintrust/otel` does.
  return modeType ? { type: modeType, name: mode } : { name: nodeEnv };
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && !["0", "false", "no", "off"].includes(value.toLowerCase());
}

function cleanExplicit(explicit: SpanEnvironment): SpanEnvironment | undefined {
  if (typeof explicit !== "object") return undefined;
  const out: SpanEnvironment = {};
  if (typeof explicit.type === "string" && explicit.type.trim()) out.type = explicit.type.trim();
  if (typeof explicit.name === "string" && explicit.name.trim()) out.name = explicit.name.trim();
  return out.type === undefined && out.name === undefined ? undefined : out;
}
