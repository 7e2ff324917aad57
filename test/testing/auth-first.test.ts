// The server checks the key before it reads a body: uploads from someone without the
// key cost it no memory. Measured on the real `dev` process, by its peak RSS.
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { peakRssMb, useDev } from "./helpers.js";

const MB = 1024 * 1024;

const server = useDev();
const peakRss = () => peakRssMb(server.dev.child.pid!);

/** POSTs `body` with that Authorization header; resolves with the status, or the error code when the socket was cut. */
function post(path: string, body: Buffer, authorization?: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": body.length, ...(authorization ? { authorization } : {}) },
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message));
    req.end(body);
  });
}

describe.skipIf(process.platform !== "linux")("auth before the body", () => {
  it("answers six unauthenticated 60 MB uploads with 401, and its memory does not grow", async () => {
    // Warm up the paths the test uses, so the baseline is the server's steady state.
    expect(await post("/v1/project", Buffer.from('{"name":"warm"}'), `Bearer ${server.apiKey}`)).toBe(200);
    expect(await post("/v1/project", Buffer.from('{"name":"warm"}'), "Bearer sk-wrong")).toBe(401);
    const before = peakRss();

    const body = Buffer.alloc(60 * MB, "x");
    const answers = await Promise.all(
      ["Bearer sk-wrong", undefined, "Bearer sk-wrong", "Basic Zm9v", "Bearer sk-wrong", undefined].map((auth) => post("/v1/project", body, auth)),
    );
    expect(answers).toEqual([401, 401, 401, 401, 401, 401]);
    const growth = peakRss() - before;
    console.log(`dev peak RSS ${before.toFixed(0)} MB before, +${growth.toFixed(1)} MB after 6 x 60 MB unauthenticated uploads`);
    // Buffering those bodies costs about 600 MB; reading and dropping them, what the GC has not yet freed.
    expect(growth).toBeLessThan(64);

    // The server is still fine, and still takes the key.
    expect(await post("/v1/project", Buffer.from('{"name":"after"}'), `Bearer ${server.apiKey}`)).toBe(200);
  });
});
