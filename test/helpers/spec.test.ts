// The schema checks may be skipped on a laptop without ../shared, never in CI.
import { describe, expect, it } from "vitest";
import { loadSpecValidators } from "./spec.js";

const missing = new URL("../../../shared/no-such-dir/validate.mjs", import.meta.url);

describe("loading the official spec", () => {
  it("fails under CI=true when the spec is missing", async () => {
    await expect(loadSpecValidators(missing, { CI: "true" })).rejects.toThrow(/official OpenAPI spec is missing .*CI=true/);
  });

  it("skips (undefined) outside CI", async () => {
    expect(await loadSpecValidators(missing, {})).toBeUndefined();
  });
});
