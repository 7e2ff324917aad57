// `dev` prints the OTEL_* lines an app in any language needs; pasted into a shell as printed,
// they are all OpenTelemetry's own protobuf exporters need to send traces and GenAI logs.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useDev } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const server = useDev();

describe("dev's OTLP lines", () => {
  it("say http/protobuf and the logs endpoint, and an app with just those lines gets its span and messages stored", async () => {
    const { printed } = server.dev;
    expect(printed).toContain("OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf");
    expect(printed).toContain(`${server.url}/otel/v1/logs`);
    const exports = printed.split("\n").filter((line) => line.trim().startsWith("export ")).map((line) => line.replace("project_name:NAME", "project_name:from-env"));
    expect(exports.some((line) => line.includes("OTEL_EXPORTER_OTLP_ENDPOINT="))).toBe(true);

    // A shell with nothing from this machine's BRAINTRUST_* or OTEL_* variables.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("BRAINTRUST_") && !k.startsWith("OTEL_")));
    const script = [...exports, `exec "${process.execPath}" test/testing/otlp-env-app.mjs`].join("\n");
    const { stdout } = await promisify(execFile)("bash", ["-c", script], { cwd: root, env });
    const results = stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(results).toEqual([
      { signal: "logs", code: 0 },
      { signal: "logs", code: 0 },
      { signal: "traces", code: 0 },
    ]);

    const auth = { authorization: `Bearer ${server.apiKey}` };
    const projects = (await (await fetch(`${server.url}/v1/project?project_name=from-env`, { headers: auth })).json()) as { objects: { id: string }[] };
    const page = (await (await fetch(`${server.url}/v1/project_logs/${projects.objects[0]!.id}/fetch`, { headers: auth })).json()) as { events: Record<string, unknown>[] };
    expect(page.events).toHaveLength(1);
    expect(page.events[0]).toMatchObject({
      span_attributes: { name: "chat gpt-4o-mini", type: "llm" },
      input: [{ role: "user", content: "Hello from the environment" }],
      output: [{ role: "assistant", content: "Hello back", finish_reason: "stop" }],
    });
  });
});
