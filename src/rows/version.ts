// This package's name and version, for span origin. The build writes the version in
// (tsup `define`); run from source (tests, tsx) it is read from package.json.
import { readFileSync } from "node:fs";

declare const __PACKAGE_VERSION__: string | undefined;

export const PACKAGE_NAME = "braintrust-otel-exporter";

export const PACKAGE_VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : versionFromSource();

function versionFromSource(): string {
  try {
    const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === "string" ? version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}
