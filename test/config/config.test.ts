import { describe, expect, it } from "vitest";
import { DEFAULT_API_URL, resolveConfig } from "../../src/config/config.js";

const KEY = "sk-test-abcdef123456";

function ok(options: Parameters<typeof resolveConfig>[0]) {
  const result = resolveConfig(options);
  if (!result.ok) throw new Error(result.error);
  return result;
}

describe("resolveConfig", () => {
  it("reads the Braintrust env vars when no options are given, with defaults", () => {
    const { config } = ok({ env: { BRAINTRUST_API_KEY: KEY, BRAINTRUST_PROJECT: "svc" } });
    expect(config.apiKey).toBe(KEY);
    expect(config.apiUrl).toBe(DEFAULT_API_URL);
    expect(config.parent.key).toBe("project_name:svc");
    expect(config.maxExportBatchSize).toBeGreaterThan(0);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("lets options beat env vars, and treats blank env vars as unset", () => {
    const { config } = ok({
      apiKey: "opt-key-123",
      projectName: "from-option",
      env: { BRAINTRUST_API_KEY: KEY, BRAINTRUST_PROJECT_ID: "env-id", BRAINTRUST_API_URL: "   ", BRAINTRUST_ORG_NAME: "" },
    });
    expect(config.apiKey).toBe("opt-key-123");
    expect(config.parent.key).toBe("project_name:from-option");
    expect(config.apiUrl).toBe(DEFAULT_API_URL);
    expect(config.orgName).toBeUndefined();
  });

  it("prefers parent, then project id, then project name", () => {
    expect(ok({ apiKey: KEY, parent: "experiment_id:e1", projectId: "p", projectName: "n" }).config.parent.key).toBe("experiment_id:e1");
    expect(ok({ apiKey: KEY, projectId: "p", projectName: "n" }).config.parent.key).toBe("project_id:p");
    expect(ok({ env: { BRAINTRUST_API_KEY: KEY, BRAINTRUST_PARENT: "project_id:x", BRAINTRUST_PROJECT: "n" } }).config.parent.key).toBe("project_id:x");
  });

  it("names the three places a key may come from when it is missing", () => {
    const noKey = resolveConfig({ projectName: "x", env: {} });
    expect(noKey.ok).toBe(false);
    expect(!noKey.ok && noKey.error).toMatch(/`apiKey`.*BRAINTRUST_API_KEY.*\.env\.braintrust/);
  });

  it("sends rows to default-otel-project when nothing names a project, as @braintrust/otel does", () => {
    const { config } = ok({ apiKey: KEY, env: {} });
    expect(config.parent.key).toBe("project_name:default-otel-project");
    expect(config.defaultParent).toBe(true);
    expect(ok({ apiKey: KEY, env: { BRAINTRUST_PARENT: "project_name:mine" } }).config.defaultParent).toBe(false);
    expect(ok({ apiKey: KEY, parent: "project_id:p1", env: {} }).config.defaultParent).toBe(false);
  });

  it("takes the span-origin environment from the option, else from the environment", () => {
    expect(ok({ apiKey: KEY, environment: { type: "server", name: "eu-west" }, env: { GITHUB_ACTIONS: "true" } }).config.environment).toEqual({ type: "server", name: "eu-west" });
    expect(ok({ apiKey: KEY, env: { GITHUB_ACTIONS: "true" } }).config.environment).toEqual({ type: "ci", name: "github_actions" });
    expect(ok({ apiKey: KEY, environment: null, env: { GITHUB_ACTIONS: "true" } }).config.environment).toBeUndefined();
  });

  it("names the option and the env var when a project setting is blank", () => {
    const empty = resolveConfig({ apiKey: KEY, projectName: "  ", env: {} });
    expect(!empty.ok && empty.error).toMatch(/`projectName` \(BRAINTRUST_PROJECT\) is empty/);
  });

  it("rejects a malformed apiUrl and a malformed parent, naming both forms", () => {
    const badUrl = resolveConfig({ apiKey: KEY, projectName: "x", apiUrl: "not a url", env: {} });
    expect(!badUrl.ok && badUrl.error).toMatch(/`apiUrl` \(BRAINTRUST_API_URL\)/);
    const ftp = resolveConfig({ apiKey: KEY, projectName: "x", apiUrl: "ftp://host", env: {} });
    expect(ftp.ok).toBe(false);
    const badParent = resolveConfig({ apiKey: KEY, parent: "dataset:x", env: {} });
    expect(!badParent.ok && badParent.error).toMatch(/`parent` \(BRAINTRUST_PARENT\)/);
  });

  it("never puts the key in an error or warning", () => {
    const result = resolveConfig({ apiKey: KEY, apiUrl: `http://${KEY}.example`, projectName: "x", maxQueueSize: -1, env: {} });
    expect(JSON.stringify(result.warnings)).not.toContain("sk-test");
  });

  it("falls back to the default for invalid numbers, with a warning naming the option", () => {
    const { config, warnings } = ok({ apiKey: KEY, projectName: "x", maxExportBatchSize: -5, scheduledDelayMillis: Number.NaN, env: {} });
    expect(config.maxExportBatchSize).toBe(512);
    expect(config.scheduledDelayMillis).toBe(1000);
    expect(warnings.join("\n")).toMatch(/`maxExportBatchSize` must be a number >= 1, got -5/);
  });

  it("warns that plain http to a remote host sends the key in clear text, but not for loopback", () => {
    expect(ok({ apiKey: KEY, projectName: "x", apiUrl: "http://braintrust.internal:8000", env: {} }).warnings.join()).toMatch(/clear text/);
    expect(ok({ apiKey: KEY, projectName: "x", apiUrl: "http://localhost:8000", env: {} }).warnings).toEqual([]);
    expect(ok({ apiKey: KEY, projectName: "x", apiUrl: "https://api-eu.braintrust.dev/", env: {} }).config.apiUrl).toBe("https://api-eu.braintrust.dev");
  });

  it("builds headers: extra headers (names lowercased), impersonation, and an Authorization that replaces the key's", () => {
    const { config } = ok({
      apiKey: KEY,
      projectName: "x",
      headers: { "X-Team": "ml", Authorization: "Bearer gateway-token" },
      env: { BRAINTRUST_IMPERSONATE_USER: "user@example.com" },
    });
    expect(config.headers).toEqual({ "x-team": "ml", authorization: "Bearer gateway-token", "x-bt-impersonate-user": "user@example.com" });
  });

  it("reads BRAINTRUST_FILTER_AI_SPANS", () => {
    expect(ok({ apiKey: KEY, projectName: "x", env: { BRAINTRUST_FILTER_AI_SPANS: "TRUE" } }).config.filterAISpans).toBe(true);
    expect(ok({ apiKey: KEY, projectName: "x", env: {} }).config.filterAISpans).toBe(false);
  });
});
