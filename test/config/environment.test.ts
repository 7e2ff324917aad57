// Span-origin environment detection: the `environment` option, then the two
// BRAINTRUST_ENVIRONMENT_* overrides, then CI, then server platforms, then NODE_ENV.
import { describe, expect, it } from "vitest";
import { detectEnvironment } from "../../src/config/environment.js";

const detect = (env: Record<string, string>, explicit?: { type?: string; name?: string } | null) => detectEnvironment(explicit, env);

describe("detectEnvironment", () => {
  it("uses the option over everything, and null turns detection off", () => {
    const env = { GITHUB_ACTIONS: "true", BRAINTRUST_ENVIRONMENT_TYPE: "server" };
    expect(detect(env, { type: "local", name: "laptop" })).toEqual({ type: "local", name: "laptop" });
    expect(detect(env, null)).toBeUndefined();
  });

  it("keeps each BRAINTRUST_ENVIRONMENT_* override on its own, over CI detection", () => {
    expect(detect({ BRAINTRUST_ENVIRONMENT_NAME: "staging", GITHUB_ACTIONS: "true" })).toEqual({ name: "staging" });
    expect(detect({ BRAINTRUST_ENVIRONMENT_TYPE: "server" })).toEqual({ type: "server" });
    expect(detect({ BRAINTRUST_ENVIRONMENT_TYPE: "ci", BRAINTRUST_ENVIRONMENT_NAME: "nightly" })).toEqual({ type: "ci", name: "nightly" });
    expect(detect({ BRAINTRUST_ENVIRONMENT_TYPE: "  ", BRAINTRUST_ENVIRONMENT_NAME: "", CIRCLECI: "true" })).toEqual({ type: "ci", name: "circleci" });
  });

  it.each([
    ["GITHUB_ACTIONS", "github_actions"],
    ["GITLAB_CI", "gitlab_ci"],
    ["CIRCLECI", "circleci"],
    ["BUILDKITE", "buildkite"],
    ["JENKINS_URL", "jenkins"],
    ["TF_BUILD", "azure_pipelines"],
    ["TEAMCITY_VERSION", "teamcity"],
    ["TRAVIS", "travis"],
    ["BITBUCKET_BUILD_NUMBER", "bitbucket"],
  ])("detects CI provider %s as ci/%s, ahead of generic CI and platforms", (variable, name) => {
    expect(detect({ [variable]: "1", CI: "true", VERCEL: "1", NODE_ENV: "production" })).toEqual({ type: "ci", name });
  });

  it("detects generic CI only when it is truthy", () => {
    expect(detect({ CI: "true" })).toEqual({ type: "ci", name: "ci" });
    expect(detect({ CI: "1" })).toEqual({ type: "ci", name: "ci" });
    expect(detect({ CI: "false" })).toBeUndefined();
  });

  it.each([
    [{ VERCEL: "1" }, "vercel"],
    [{ NETLIFY: "true" }, "netlify"],
    [{ AWS_LAMBDA_FUNCTION_NAME: "fn" }, "aws_lambda"],
    [{ AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x" }, "aws_lambda"],
    [{ ECS_CONTAINER_METADATA_URI_V4: "http://169.254.170.2/v4" }, "ecs"],
    [{ AWS_EXECUTION_ENV: "AWS_ECS_FARGATE" }, "ecs"],
    [{ K_SERVICE: "svc" }, "cloud_run"],
    [{ FUNCTION_TARGET: "handler" }, "gcp_functions"],
    [{ KUBERNETES_SERVICE_HOST: "10.0.0.1" }, "kubernetes"],
    [{ DYNO: "web.1" }, "heroku"],
    [{ FLY_APP_NAME: "app" }, "fly"],
    [{ RAILWAY_ENVIRONMENT: "production" }, "railway"],
    [{ RENDER_SERVICE_NAME: "api" }, "render"],
  ])("detects platform %o as server/%s, ahead of NODE_ENV", (env, name) => {
    expect(detect({ ...env, NODE_ENV: "development" })).toEqual({ type: "server", name });
  });

  it("classifies ECS metadata as ecs even when Lambda's variable is also set", () => {
    expect(detect({ ECS_CONTAINER_METADATA_URI: "http://x", AWS_LAMBDA_FUNCTION_NAME: "fn" })).toEqual({ type: "server", name: "ecs" });
  });

  it("falls back to NODE_ENV: deployment modes typed, other values kept as a name, test ignored", () => {
    expect(detect({ NODE_ENV: "production" })).toEqual({ type: "server", name: "production" });
    expect(detect({ NODE_ENV: "Staging" })).toEqual({ type: "server", name: "staging" });
    expect(detect({ NODE_ENV: "development" })).toEqual({ type: "local", name: "development" });
    expect(detect({ NODE_ENV: "local" })).toEqual({ type: "local", name: "local" });
    expect(detect({ NODE_ENV: "preview" })).toEqual({ name: "preview" });
    expect(detect({ NODE_ENV: "test" })).toBeUndefined();
  });

  it("never guesses local from the absence of signals", () => {
    expect(detect({})).toBeUndefined();
    expect(detect({ HOME: "/home/me", PATH: "/usr/bin" })).toBeUndefined();
  });
});
