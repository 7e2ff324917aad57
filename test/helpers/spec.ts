// Braintrust's official OpenAPI spec, compiled by the validate.mjs that sits beside it in
// ../shared. The project never copies the spec; tests that need it skip when it is absent,
// visibly, except under CI=true.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";

export type Validate = (body: unknown) => string[];
export interface SpecValidators {
  schema(name: string): Validate;
  createProject: Validate;
  project: Validate;
  insertProjectLogs: Validate;
  insertProjectLogsEvent: Validate;
  insertExperiment: Validate;
  insertEventsResponse: Validate;
  fetchProjectLogsResponse: Validate;
}

const specModule = new URL("../../../shared/braintrust-openapi/validate.mjs", import.meta.url);

/**
 * The official spec's validators, or undefined (with a note on the console) when the spec
 * is absent. Under CI=true an absent spec fails the run: a CI that skips the schema checks
 * quietly would pass whatever the exporter sends.
 */
export async function loadSpecValidators(
  module: URL = specModule,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<SpecValidators | undefined> {
  if (!existsSync(fileURLToPath(module))) {
    if (env.CI === "true" || env.CI === "1") {
      throw new Error(`the official OpenAPI spec is missing (${fileURLToPath(module)}); CI=true runs must check rows against it`);
    }
    console.log(`skipping spec conformance: ${fileURLToPath(module)} not found`);
    return undefined;
  }
  const [{ default: Ajv }, { default: addFormats }, { loadValidators }] = await Promise.all([
    import("ajv"),
    import("ajv-formats"),
    import(module.href),
  ]);
  return loadValidators({ Ajv, addFormats }) as SpecValidators;
}

/** The test name that stands for a suite skipped because the spec is absent. */
export function specMissingName(module: URL = specModule): string {
  return `skipped: the official OpenAPI spec was not found at ${fileURLToPath(module)}`;
}

/**
 * `describe(title)` with the spec's validators; without them, the suite is one skipped test
 * whose name says that the spec was not found, and where it was looked for.
 */
export function describeWithSpec(title: string, spec: SpecValidators | undefined, body: (spec: SpecValidators) => void): void {
  describe(title, () => {
    if (spec) body(spec);
    else it.skip(specMissingName(), () => {});
  });
}
