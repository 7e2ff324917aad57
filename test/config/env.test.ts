// `.env.braintrust` discovery, restating the conformance table of Braintrust's
// features/environment-variables.md against real files in a scratch directory tree.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ENV_FILE_NAME, parseDotenv, readNearestEnvFile, withEnvFile } from "../../src/config/env.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "bt-env-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function dir(...parts: string[]): string {
  const path = join(root, ...parts);
  mkdirSync(path, { recursive: true });
  return path;
}
const write = (at: string, text: string) => writeFileSync(join(at, ENV_FILE_NAME), text);

describe(".env.braintrust", () => {
  it("parses export, quotes, comments and blank lines, and keeps only allowlisted names", () => {
    const cwd = dir("app");
    write(cwd, [
      "# written by the wizard",
      "",
      "export BRAINTRUST_API_KEY=\"quoted-key\" # comment",
      "BRAINTRUST_PROJECT='single quoted'",
      "BRAINTRUST_API_URL=https://api.braintrust.dev",
      "BRAINTRUST_ORG_NAME=acme # trailing comment",
      "OPENAI_API_KEY=sk-not-ours",
      "NODE_OPTIONS=--inspect",
    ].join("\n"));
    expect(readNearestEnvFile(cwd)).toEqual({
      BRAINTRUST_API_KEY: "quoted-key",
      BRAINTRUST_PROJECT: "single quoted",
      BRAINTRUST_API_URL: "https://api.braintrust.dev",
      BRAINTRUST_ORG_NAME: "acme",
    });
  });

  it("never evaluates the file: no interpolation, no command substitution", () => {
    expect(parseDotenv("BRAINTRUST_PROJECT=$(rm -rf /)\nBRAINTRUST_ORG_NAME=${HOME}")).toEqual({
      BRAINTRUST_PROJECT: "$(rm -rf /)",
      BRAINTRUST_ORG_NAME: "${HOME}",
    });
  });

  it("option > non-blank env > file; a blank env value falls back to the file", () => {
    const cwd = dir("app");
    write(cwd, "BRAINTRUST_API_KEY=file-key\nBRAINTRUST_PROJECT=file-project\n");
    const env = withEnvFile({ BRAINTRUST_API_KEY: "env-key", BRAINTRUST_PROJECT: "   " }, cwd);
    expect(env.BRAINTRUST_API_KEY).toBe("env-key");
    expect(env.BRAINTRUST_PROJECT).toBe("file-project");
  });

  it("does not touch the environment object it was given", () => {
    const cwd = dir("app");
    write(cwd, "BRAINTRUST_API_KEY=file-key\n");
    const given = { OTHER: "x" };
    const env = withEnvFile(given, cwd);
    expect(env.BRAINTRUST_API_KEY).toBe("file-key");
    expect(given).toEqual({ OTHER: "x" });
    expect(env).not.toBe(given);
  });

  it("finds the file in a parent directory, and the nearest one wins", () => {
    const deep = dir("a", "b", "c");
    write(join(root, "a"), "BRAINTRUST_PROJECT=grandparent\n");
    expect(readNearestEnvFile(deep)?.BRAINTRUST_PROJECT).toBe("grandparent");
    write(join(root, "a", "b"), "BRAINTRUST_PROJECT=parent\n");
    expect(readNearestEnvFile(deep)?.BRAINTRUST_PROJECT).toBe("parent");
  });

  it("stops at the nearest file even when it lacks the variable or has it blank", () => {
    const cwd = dir("a", "b");
    write(join(root, "a"), "BRAINTRUST_API_KEY=higher-key\n");
    write(cwd, "BRAINTRUST_PROJECT=near\nBRAINTRUST_ORG_NAME=   \n");
    const env = withEnvFile({}, cwd);
    expect(env.BRAINTRUST_PROJECT).toBe("near");
    expect(env.BRAINTRUST_API_KEY).toBeUndefined();
    expect(env.BRAINTRUST_ORG_NAME).toBeUndefined();
  });

  it.skipIf(process.getuid?.() === 0)("treats an unreadable nearest file as not found, without looking higher", () => {
    const cwd = dir("a", "b");
    write(join(root, "a"), "BRAINTRUST_API_KEY=higher-key\n");
    write(cwd, "BRAINTRUST_API_KEY=near-key\n");
    chmodSync(join(cwd, ENV_FILE_NAME), 0o000);
    expect(readNearestEnvFile(cwd)).toBeUndefined();
  });

  it("treats a directory named .env.braintrust as unreadable: not found, no throw", () => {
    const cwd = dir("a", "b");
    write(join(root, "a"), "BRAINTRUST_API_KEY=higher-key\n");
    mkdirSync(join(cwd, ENV_FILE_NAME));
    expect(readNearestEnvFile(cwd)).toBeUndefined();
  });

  it("searches the working directory and 64 parents, not 65", () => {
    const chain = Array.from({ length: 65 }, (_, i) => `d${i}`);
    const deepest = dir(...chain);
    // Exactly 64 parents above `deepest` is root/d0.
    write(join(root, "d0"), "BRAINTRUST_PROJECT=sixty-four-up\n");
    expect(readNearestEnvFile(deepest)?.BRAINTRUST_PROJECT).toBe("sixty-four-up");
    rmSync(join(root, "d0", ENV_FILE_NAME));
    write(root, "BRAINTRUST_PROJECT=sixty-five-up\n");
    expect(readNearestEnvFile(deepest)).toBeUndefined();
  });

  it("does not read a generic .env", () => {
    const cwd = dir("app");
    writeFileSync(join(cwd, ".env"), "BRAINTRUST_API_KEY=generic\n");
    expect(withEnvFile({}, cwd).BRAINTRUST_API_KEY).toBeUndefined();
  });

  it("reads no file when nothing allowlisted is missing", () => {
    const cwd = dir("app");
    write(cwd, "BRAINTRUST_API_KEY=file-key\n");
    const full = Object.fromEntries(
      ["BRAINTRUST_API_KEY", "BRAINTRUST_APP_URL", "BRAINTRUST_API_URL", "BRAINTRUST_PROJECT", "BRAINTRUST_PROJECT_ID", "BRAINTRUST_ORG_NAME", "BRAINTRUST_ENVIRONMENT_TYPE", "BRAINTRUST_ENVIRONMENT_NAME"].map((n) => [n, "set"]),
    );
    expect(withEnvFile(full, cwd)).toBe(full);
  });

  it("without a working directory, finds nothing and does not throw", () => {
    expect(withEnvFile({ A: "1" }, undefined)).toEqual({ A: "1" });
  });
});
