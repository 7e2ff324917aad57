// A request body, read within a size limit. A gzip or deflate body is inflated as it
// arrives and the limit counts the inflated bytes, so a few kilobytes that would inflate
// to gigabytes (a "gzip bomb") cost at most the limit: inflating stops there and the rest
// of the upload is read and thrown away, so the client still gets its 413.
import type { IncomingMessage } from "node:http";
import type { Transform } from "node:stream";
import { createGunzip, createInflate } from "node:zlib";

export type Body =
  /** `bytes` counts what came over the wire; `data` is the body after inflating. */
  | { kind: "ok"; data: Buffer; bytes: number }
  | { kind: "tooLarge"; bytes: number }
  /** Compressed data that does not inflate (`message` says why). */
  | { kind: "corrupt"; bytes: number; message: string };

const INFLATERS: Readonly<Record<string, () => Transform>> = { gzip: createGunzip, "x-gzip": createGunzip, deflate: createInflate };

/** The Content-Encoding to undo, "" for none, or undefined when this server cannot undo it. */
export function contentEncoding(header: string | string[] | undefined): string | undefined {
  const value = (Array.isArray(header) ? header.join(",") : header ?? "").trim().toLowerCase();
  if (value === "" || value === "identity") return "";
  return INFLATERS[value] ? value : undefined;
}

export const SUPPORTED_ENCODINGS = "gzip, deflate or none";

/** The whole body, or why not; undefined when the client went away mid-body. */
export function readBody(req: IncomingMessage, limit: number): Promise<Body | undefined> {
  return new Promise((resolve) => {
    const encoding = contentEncoding(req.headers["content-encoding"]) ?? "";
    const inflate = encoding === "" ? undefined : INFLATERS[encoding]!();
    const chunks: Buffer[] = [];
    let wire = 0;
    let kept = 0;
    let failed: { kind: "tooLarge" } | { kind: "corrupt"; message: string } | undefined;
    let settled = false;
    const settle = (body: Body | undefined) => {
      if (settled) return;
      settled = true;
      resolve(body);
    };
    const fail = (why: NonNullable<typeof failed>) => {
      if (failed) return;
      failed = why;
      chunks.length = 0; // what was kept is garbage now
      inflate?.destroy();
    };
    const keep = (chunk: Buffer) => {
      if (failed) return;
      kept += chunk.length;
      if (kept > limit) fail({ kind: "tooLarge" });
      else chunks.push(chunk);
    };
    inflate?.on("data", keep);
    inflate?.on("error", (err: Error) => fail({ kind: "corrupt", message: err.message }));

    req.on("data", (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > limit) fail({ kind: "tooLarge" }); // over the limit however it inflates
      if (failed) return;
      if (!inflate) return keep(chunk);
      // Inflating one chunk can give far more than it holds: read on once those bytes are counted.
      if (!inflate.write(chunk)) {
        req.pause();
        const resume = () => {
          inflate.off("drain", resume).off("close", resume);
          req.resume();
        };
        // A destroyed inflater never drains; then the rest of the body is read and thrown away.
        inflate.on("drain", resume).on("close", resume);
      }
    });
    req.on("end", () => {
      const done = () => settle(failed ? { ...failed, bytes: wire } : { kind: "ok", data: Buffer.concat(chunks), bytes: wire });
      if (!inflate || failed) return done();
      inflate.once("close", done); // after its last data, or after an error
      inflate.end();
    });
    req.on("error", () => settle(undefined));
    req.on("close", () => {
      if (req.complete) return;
      inflate?.destroy();
      settle(undefined);
    });
  });
}
