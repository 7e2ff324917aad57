// Hostile and misrouted answers: pages far larger than anything the exporter needs, and
// redirects. The exporter reads a few KiB, then lets the rest go, and says where a redirect
// pointed without following it.
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { Transport } from "../../src/delivery/transport.js";
import { type ScriptedServer, json, scriptedServer } from "./helpers.js";

const KEY = "sk-answers-test-key";
let server: ScriptedServer | undefined;
let transport: Transport | undefined;

afterEach(async () => {
  await transport?.close();
  await server?.close();
  transport = server = undefined;
});

function connect(url: string) {
  transport = new Transport({ apiUrl: url, apiKey: KEY, headers: {}, maxConcurrent: 2 });
  return transport;
}

/** Streams `total` bytes of `fill` after the head; resolves with whether the whole answer went out. */
function streamPage(res: ServerResponse, status: number, total: number, fill = "x"): Promise<{ finished: boolean; written: number }> {
  res.writeHead(status, { "content-type": "text/html", "content-length": String(total) });
  const chunk = Buffer.alloc(64 * 1024, fill);
  let written = 0;
  return new Promise((resolve) => {
    res.on("close", () => resolve({ finished: res.writableFinished, written }));
    const pump = () => {
      while (written < total) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
}

describe("answers the exporter does not read whole", () => {
  it("reads 4 KiB of a 64 MB error page and drops the connection instead of reading the rest", async () => {
    let page: Promise<{ finished: boolean; written: number }> | undefined;
    server = await scriptedServer((_req, res) => {
      page = streamPage(res, 502, 64 * 1024 * 1024);
    });
    const outcome = await connect(server.url).post("/v1/x", "{}", 30_000);
    expect(outcome).toMatchObject({ kind: "http", status: 502 });
    expect(outcome.kind === "http" && outcome.body.length).toBe(4096);
    const sent = await page!;
    expect(sent.finished).toBe(false);
    expect(sent.written).toBeLessThan(64 * 1024 * 1024);
  });

  it("reads at most 1 MiB of a 2xx answer; a longer one is unreadable (retried), not buffered", async () => {
    let page: Promise<{ finished: boolean; written: number }> | undefined;
    server = await scriptedServer((_req, res) => {
      page = streamPage(res, 200, 32 * 1024 * 1024, "[");
    });
    const outcome = await connect(server.url).post("/v1/x", "{}", 30_000);
    expect(outcome).toMatchObject({ kind: "invalid", status: 200 });
    expect(outcome.kind === "invalid" && outcome.body).toMatch(/an answer longer than 1048576 bytes/);
    expect((await page!).finished).toBe(false);
  });

  it("keeps answers within the limits whole", async () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `row-${i}`);
    server = await scriptedServer((_req, res) => json(res, 200, { row_ids: ids }));
    const outcome = await connect(server.url).post("/v1/x", "{}", 30_000);
    expect(outcome.kind === "ok" && JSON.parse(outcome.body)).toEqual({ row_ids: ids });
  });

  it.each([301, 302, 307, 308])("reports a %i with where it points, and does not follow it", async (status) => {
    server = await scriptedServer((req, res) => {
      if (req.path.startsWith("/moved")) return json(res, 200, { row_ids: [] });
      res.writeHead(status, { location: "/moved/here" });
      res.end("moved");
    });
    const outcome = await connect(`${server.url}/api`).post("/v1/x", "{}", 5_000);
    expect(outcome).toEqual({ kind: "http", status, body: "moved", location: `${server.url}/moved/here` });
    expect(server.seen.map((r) => r.path)).toEqual(["/api/v1/x"]);
  });
});
