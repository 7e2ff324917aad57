// What a flush reports when its time runs out, and deadlines that stay within what a timer
// can wait, through Delivery against the local Braintrust server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Delivery } from "../../src/delivery/delivery.js";
import { resetLogState } from "../../src/log.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { configFor, event } from "./helpers.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

describe("flush", () => {
  it("counts a row still waiting for its upload as pending when the flush runs out of time", async () => {
    resetLogState();
    server.setFault({ routes: ["object-store"], hang: true });
    const config = configFor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "flush-held", exportTimeoutMillis: 5000 });
    const delivery = new Delivery(config);
    try {
      const uploads = delivery.attachments!;
      const media = uploads.forRow(config.parent);
      const bytes = 64 * 1024;
      const reference = media.place({ base64: Buffer.alloc(bytes, 7).toString("base64"), contentType: "image/png", filename: "held.png", bytes });
      expect(reference).toMatchObject({ type: "braintrust_attachment" });
      uploads.send(media, JSON.stringify({ id: "held", span_id: "held", root_span_id: "held", input: reference }));
      expect(uploads.heldRows).toBe(1);
      // The upload's own deadline is exportTimeoutMillis away; this flush's is much sooner.
      expect(await delivery.flush(200)).toEqual({ sent: 0, dropped: 0, pending: 1 });
    } finally {
      server.setFault(undefined);
      await delivery.shutdown();
    }
  });
});

describe("shutdown", () => {
  it("with the longest exportTimeoutMillis the options take, sets no timer past setTimeout's range", async () => {
    resetLogState();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const config = configFor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "flush-longest", exportTimeoutMillis: 2_147_483_647 });
      const delivery = new Delivery(config);
      await delivery.ready();
      delivery.enqueue(config.parent, event("longest"));
      expect(await delivery.flush()).toEqual({ sent: 1, dropped: 0, pending: 0 });
      await delivery.shutdown();
      // Node says an overflowing timer on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("TimeoutOverflowWarning");
    expect(server.rows("flush-longest")).toHaveLength(1);
  });
});
