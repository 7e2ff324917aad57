// The API key, put everywhere a user might put it (apiUrl userinfo, a custom header, a
// config error) and echoed back by a server in its error bodies, must appear in none of
// what the exporter shows: diag output at every level, process warnings, ready()
// rejections, stats().lastError, util.inspect of the processor and the exporter. Each test
// uses a key of its own: redaction registers keys process-wide, and an earlier test's
// registration must not be what makes a later one pass.
import type { ServerResponse } from "node:http";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { BraintrustExporter, BraintrustSpanProcessor } from "../src/index.js";
import { redact, resetLogState } from "../src/log.js";
import { json, type ScriptedServer, type SeenRequest, scriptedServer, until } from "./delivery/helpers.js";
import { captureDiag, captureWarnings, trackUnhandled } from "./helpers/diag.js";
import { providerWith } from "./helpers/tracing.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  resetLogState();
});

/** Everything the exporter lets a user see, collected while `run` runs. */
async function shown(run: () => Promise<{ face: BraintrustSpanProcessor | BraintrustExporter; extra?: string[] }>): Promise<string> {
  const diag = captureDiag();
  const warnings = captureWarnings();
  const unhandled = trackUnhandled();
  try {
    const { face, extra = [] } = await run();
    const ready = await face.ready().then(
      () => "ready",
      (err: Error) => `${err.message}\n${err.stack ?? ""}`,
    );
    await new Promise((r) => setTimeout(r, 20));
    return [
      ...diag.messages,
      ...warnings.warnings.map((w) => `${w.name} ${w.message} ${(w as { code?: string }).code ?? ""}`),
      ...unhandled.rejections.map(String),
      ready,
      String(face.stats().lastError),
      inspect(face, { depth: Infinity, showHidden: true }),
      JSON.stringify(face.stats()),
      ...extra,
    ].join("\n");
  } finally {
    diag.stop();
    warnings.stop();
    unhandled.stop();
  }
}

/** A server that repeats back, in every error body, the headers it was sent: the key among them. */
function echoing(status: (req: SeenRequest) => number) {
  return (req: SeenRequest, res: ServerResponse) =>
    json(res, status(req), { error: `refused ${req.headers.authorization} (x-debug-key: ${req.headers["x-debug-key"]})`, headers: req.headers });
}

async function spans(face: BraintrustSpanProcessor, count = 5) {
  const provider = providerWith(face);
  const tracer = provider.getTracer("secrets");
  for (let i = 0; i < count; i++) tracer.startSpan(`work-${i}`).end();
  await provider.forceFlush();
  return provider;
}

describe("the key never shows", () => {
  it("in apiUrl userinfo and a custom header, echoed back by a 401 on the project lookup", async () => {
    const key = "sk-leak-lookup-401-abcdef";
    server = await scriptedServer(echoing(() => 401));
    const { port } = new URL(server.url);
    const seen = await shown(async () => {
      const face = new BraintrustSpanProcessor({ apiKey: key, apiUrl: `http://${key}:${key}@127.0.0.1:${port}`, projectName: "p", headers: { "x-debug-key": key } });
      const provider = await spans(face);
      await provider.shutdown();
      return { face };
    });
    expect(server.seen.length).toBeGreaterThan(0);
    expect(server.seen[0]!.headers.authorization).toBe(`Bearer ${key}`); // it did go where it belongs
    expect(seen).toMatch(/401/);
    expect(seen).not.toContain(key);
  });

  it("echoed back by inserts refused for good (400) and retried (503)", async () => {
    for (const status of [400, 503]) {
      const key = `sk-leak-insert-${status}-abcdef`;
      server = await scriptedServer(echoing(() => status));
      const seen = await shown(async () => {
        const face = new BraintrustSpanProcessor({ apiKey: key, apiUrl: server!.url, projectId: "p-1", exportTimeoutMillis: 1_500, headers: { "x-debug-key": key } });
        const provider = providerWith(face);
        for (let i = 0; i < 5; i++) provider.getTracer("secrets").startSpan(`work-${i}`).end();
        // The API has answered (refused, or retried) before the deadline can fall, however slow the machine.
        await until(() => face.stats().dropped.rejected > 0 || face.stats().retried > 0);
        await provider.shutdown();
        return { face };
      });
      expect(seen).toMatch(new RegExp(String(status)));
      expect(seen).not.toContain(key);
      await server.close();
      server = undefined;
      resetLogState();
    }
  });

  it("in a config error, with the key from the environment", async () => {
    const key = "sk-leak-config-env-abcdef";
    const seen = await shown(async () => {
      const face = new BraintrustSpanProcessor({ apiUrl: `not a url ${key}`, projectName: "p", env: { BRAINTRUST_API_KEY: key } });
      await (await spans(face)).shutdown();
      return { face };
    });
    expect(seen).toMatch(/is not a valid http\(s\) URL/);
    expect(seen).not.toContain(key);
  });

  it("in util.inspect and JSON of either face, holding a key and a gateway's Authorization", async () => {
    const key = "sk-leak-inspect-abcdef";
    const gateway = "Basic Z2F0ZXdheS1zZWNyZXQ=";
    server = await scriptedServer((req, res) => json(res, 200, req.path.endsWith("/insert") ? { row_ids: [] } : { id: "p-1" }));
    for (const Face of [BraintrustSpanProcessor, BraintrustExporter]) {
      const face = new Face({ apiKey: key, apiUrl: server.url, projectName: "p", headers: { Authorization: gateway } });
      await face.ready();
      const text = `${inspect(face, { depth: Infinity, showHidden: true })}\n${JSON.stringify((face as unknown as { core: unknown }).core)}`;
      expect(text).toContain("project_name:p"); // the config is there to see, and what is secret is not
      expect(text).not.toContain(key);
      expect(text).not.toContain("Z2F0ZXdheS1zZWNyZXQ=");
      await face.shutdown();
    }
    expect(server.seen[0]!.headers.authorization).toBe(gateway);
  });
});

describe("redact", () => {
  it("hides bearer tokens it was never told about", () => {
    expect(redact('upstream said: "Authorization: Bearer tok-unregistered-123" was refused')).toBe('upstream said: "Authorization: Bearer ***" was refused');
  });
});
