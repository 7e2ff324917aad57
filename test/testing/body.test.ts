// Request bodies are inflated as they arrive and the size limit counts the inflated bytes:
// a gzip bomb costs the server at most the limit. Measured on the real `dev` process (its
// limit is the default 64 MiB), by its peak RSS, on every route that reads a body.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { peakRssMb, useDev } from "./helpers.js";

const MB = 1024 * 1024;

const server = useDev();

async function post(path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(server.url + path, { method: "POST", headers: { authorization: `Bearer ${server.apiKey}`, ...headers }, body: new Uint8Array(body) });
  return { status: res.status, text: await res.text() };
}

describe.skipIf(process.platform !== "linux")("gzip bombs", () => {
  it("answers 413 to 1 MB that inflates to 1 GiB, and dev's memory grows by about the limit, not the inflated size", async () => {
    // Gzip members may follow one another; sixteen of 64 MiB of zeros make 1 GiB.
    const bomb = Buffer.concat(Array(16).fill(gzipSync(Buffer.alloc(64 * MB))));
    expect(bomb.length).toBeLessThan(1.1 * MB);
    const otlp = { "content-type": "application/x-protobuf", "content-encoding": "gzip", "x-bt-parent": "project_name:bombed" };
    const insert = { "content-type": "application/json", "content-encoding": "gzip" };
    // Warm up the paths the test uses, so the baseline is the server's steady state.
    expect((await post("/otel/v1/traces", gzipSync(Buffer.alloc(0)), otlp)).status).toBe(200);
    expect((await post("/v1/project", gzipSync('{"name":"bombed"}'), insert)).status).toBe(200);
    const before = peakRssMb(server.dev.child.pid!);

    for (const [path, headers] of [["/otel/v1/traces", otlp], ["/otel/v1/traces", otlp], ["/v1/project", insert]] as const) {
      expect(await post(path, bomb, headers)).toMatchObject({ status: 413, text: expect.stringContaining(`exceeds ${64 * MB} bytes once inflated`) });
    }
    const growth = peakRssMb(server.dev.child.pid!) - before;
    console.log(`dev peak RSS ${before.toFixed(0)} MB before, +${growth.toFixed(1)} MB after 3 bombs of ${(bomb.length / MB).toFixed(2)} MB inflating to 1 GiB (limit 64 MiB)`);
    // Inflating one whole costs over 1 GiB; stopping at the limit, the limit and what the GC has not yet freed.
    expect(growth).toBeLessThan(256);

    // The server is still fine.
    expect((await post("/v1/project", gzipSync('{"name":"after"}'), insert)).status).toBe(200);
  });
});
