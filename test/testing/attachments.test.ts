// The local server's attachment routes, as a client of Braintrust's protocol uses them:
// register, PUT to the signed URL with its headers (never the key), status, and reading back.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { png } from "../helpers/media.js";

let server: LocalBraintrust;
let orgId: string;
beforeAll(async () => {
  server = await startLocalBraintrust();
  orgId = (await api("POST", "/v1/project", { name: "attachments" })).body.org_id;
});
afterAll(() => server.close());

async function api(method: string, path: string, body?: unknown, on = server): Promise<{ status: number; body: any }> {
  const res = await fetch(on.url + path, {
    method,
    headers: { authorization: `Bearer ${on.apiKey}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const IMAGE = png(20, 20, 4);
/** The same bytes as a fetch body. */
const BODY = new Uint8Array(IMAGE);

async function register(key: string, on = server, org = orgId) {
  return api("POST", "/attachment", { key, filename: "cat.png", content_type: "image/png", org_id: org }, on);
}

describe("the local server's attachments", () => {
  it("register, upload with exactly the given headers, report done, then read it back", async () => {
    const asked = await register("key-1");
    expect(asked.status).toBe(200);
    expect(asked.body.signedUrl).toMatch(new RegExp(`^${server.url}/attachment/upload/key-1\\?signature=`));
    const put = await fetch(asked.body.signedUrl, { method: "PUT", headers: asked.body.headers, body: BODY });
    expect(put.status).toBe(200);
    expect((await api("POST", "/attachment/status", { key: "key-1", org_id: orgId, status: { upload_status: "done" } })).status).toBe(200);

    const read = await api("GET", `/attachment?key=key-1&filename=cat.png&content_type=image%2Fpng&org_id=${orgId}`);
    expect(read.body.status).toEqual({ upload_status: "done" });
    const download = await fetch(read.body.downloadUrl);
    expect(download.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await download.arrayBuffer()).equals(IMAGE)).toBe(true);
  });

  it("refuses an upload that carries an Authorization header, or lacks or alters a signature", async () => {
    const { body } = await register("key-2");
    const attempts: [string, RequestInit][] = [
      ["with the key", { method: "PUT", headers: { ...body.headers, authorization: `Bearer ${server.apiKey}` }, body: BODY }],
      ["without the signed header", { method: "PUT", headers: { "content-type": "image/png" }, body: BODY }],
      ["with another content type", { method: "PUT", headers: { ...body.headers, "content-type": "image/jpeg" }, body: BODY }],
    ];
    for (const [, init] of attempts) expect((await fetch(body.signedUrl, init)).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(body.signedUrl.replace(/signature=.*/, "signature=forged"), { method: "PUT", headers: body.headers, body: BODY })).status).toBe(403);
    expect(server.attachment("key-2")!.bytes).toBeUndefined();
  });

  it("needs the key for /attachment, and refuses another org's id", async () => {
    const res = await fetch(`${server.url}/attachment`, { method: "POST", body: JSON.stringify({ key: "k", filename: "a", content_type: "image/png", org_id: orgId }) });
    expect(res.status).toBe(401);
    expect((await register("key-3", server, "some-other-org")).status).toBe(403);
  });

  it("a project created with an org_name is in that org, which takes attachments; each name is an org of its own", async () => {
    const named = (await api("POST", "/v1/project", { name: "attachments-named", org_name: "named-org" })).body;
    const again = (await api("POST", "/v1/project", { name: "attachments-named-2", org_name: "named-org" })).body;
    const other = (await api("POST", "/v1/project", { name: "attachments-other", org_name: "other-org" })).body;
    expect(named.org_id).not.toBe(orgId);
    expect(again.org_id).toBe(named.org_id);
    expect(other.org_id).not.toBe(named.org_id);
    expect((await api("GET", `/v1/project/${named.id}`)).body.org_id).toBe(named.org_id);
    expect((await register("key-named", server, named.org_id)).status).toBe(200);
  });

  it("keeps at most maxAttachmentBytes, forgetting the oldest", async () => {
    const small = await startLocalBraintrust({ maxAttachmentBytes: IMAGE.length * 2 + 10 });
    try {
      const org = (await api("POST", "/v1/project", { name: "p" }, small)).body.org_id;
      for (const key of ["a", "b", "c"]) {
        const { body } = await register(key, small, org);
        expect((await fetch(body.signedUrl, { method: "PUT", headers: body.headers, body: BODY })).status).toBe(200);
      }
      expect(small.attachmentKeys()).toEqual(["b", "c"]);
    } finally {
      await small.close();
    }
  });

  it("with a data file, keeps them on disk beside it across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bt-attachments-"));
    const dataFile = join(dir, "data.jsonl");
    try {
      const first = await startLocalBraintrust({ dataFile });
      const org = (await api("POST", "/v1/project", { name: "p" }, first)).body.org_id;
      const named = (await api("POST", "/v1/project", { name: "p-named", org_name: "named-org" }, first)).body.org_id;
      const { body } = await register("disk-1", first, org);
      await fetch(body.signedUrl, { method: "PUT", headers: body.headers, body: BODY });
      await first.close();
      const second = await startLocalBraintrust({ dataFile });
      try {
        expect(second.attachment("disk-1")?.bytes?.equals(IMAGE)).toBe(true);
        // Both orgs are the key's again: the default one and the one named.
        expect((await register("disk-2", second, org)).status).toBe(200);
        expect((await register("disk-3", second, named)).status).toBe(200);
        const read = await api("GET", "/attachment?key=disk-1", undefined, second);
        expect(Buffer.from(await (await fetch(read.body.downloadUrl)).arrayBuffer()).equals(IMAGE)).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
