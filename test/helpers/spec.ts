// Braintrust's official OpenAPI spec, compiled by the validate.mjs that sits beside it in
// ../shared. The project never copies the spec; tests that need it skip when it is absent.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

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

/** The official spec's validators, or undefined (with a note on the console) when the spec is absent. */
export async function loadSpecValidators(): Promise<SpecValidators | undefined> {
  if (!existsSync(fileURLToPath(specModule))) {
    console.log(`skipping spec conformance: ${fileURLToPath(specModule)} not found`);
    return undefined;
  }
  const [{ default: Ajv }, { default: addFormats }, { loadValidators }] = await Promise.all([
    import("ajv"),
    import("ajv-formats"),
    import(specModule.href),
  ]);
  return loadValidators({ Ajv, addFormats }) as SpecValidators;
}
