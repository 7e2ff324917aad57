// Rows of ended spans are built right after the event-loop turn, or at once for whoever reads
// the outcome; a loop that never yields keeps the backlog bounded.
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Delivery } from "../../src/delivery/delivery.js";
import { BraintrustSpanProcessor } from "../../src/index.js";
import { PendingRows } from "../../src/spans/pending-rows.js";
import { RowPipeline } from "../../src/rows/pipeline.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { configFor } from "../delivery/helpers.js";
import { oneSpan } from "../helpers/spans.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

describe("PendingRows", () => {
  it("queues nothing inside the call, everything right after the turn, in order", async () => {
    const config = configFor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "pending-turn", scheduledDelayMillis: 60_000 });
    const delivery = new Delivery(config);
    const pending = new PendingRows(new RowPipeline(config, delivery));
    const spans = ["a", "b", "c"].map((name) => oneSpan({ input: name }, { name }));
    for (const span of spans) pending.add({ span, destination: config.parent, parentId: undefined, merge: false, root: false });
    expect([pending.size, delivery.stats().queued]).toEqual([3, 0]);
    while (pending.size > 0) await nextTurn(); // in one turn, or a few if a slice runs out of time
    expect(delivery.stats().queued).toBe(3);
    expect(await delivery.flush()).toMatchObject({ sent: 3, pending: 0 });
    expect(server.rows("pending-turn").map((r) => r.input).sort()).toEqual(["a", "b", "c"]);
    await delivery.shutdown();
  });

  it("converts a large turn in slices, one per later turn, oldest first", async () => {
    const config = configFor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "pending-slices", scheduledDelayMillis: 60_000 });
    const delivery = new Delivery(config);
    // A clock that moves 0.3 ms per reading: a 1 ms slice converts three or four spans.
    let clock = 0;
    const pending = new PendingRows(new RowPipeline(config, delivery), () => (clock += 0.3));
    const spans = Array.from({ length: 25 }, (_, i) => oneSpan({ input: `n${i}` }, { name: `n${i}` }));
    const add = (span: (typeof spans)[number]) => pending.add({ span, destination: config.parent, parentId: undefined, merge: false, root: false });
    spans.slice(0, 20).forEach(add);
    const leftPerTurn: number[] = [];
    while (pending.size > 0) {
      await nextTurn();
      leftPerTurn.push(pending.size);
      // Spans that end while slices are under way go after the ones already waiting.
      if (leftPerTurn.length === 1) spans.slice(20).forEach(add);
    }
    expect(leftPerTurn[0]).toBeGreaterThanOrEqual(16); // three or four of twenty converted in the first slice
    expect(leftPerTurn[0]).toBeLessThan(20);
    expect(leftPerTurn.length).toBeGreaterThan(5);
    expect(await delivery.flush()).toMatchObject({ pending: 0 });
    expect(delivery.stats().sent).toBe(25);
    expect(server.rows("pending-slices").map((r) => r.input)).toEqual(spans.map((_, i) => `n${i}`));
    await delivery.shutdown();
  });

  it("stays bounded when spans end in a loop that never yields", () => {
    const config = configFor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "pending-bound", scheduledDelayMillis: 60_000 });
    const delivery = new Delivery(config);
    const pending = new PendingRows(new RowPipeline(config, delivery));
    const span = oneSpan({ input: "same" });
    let most = 0;
    for (let i = 0; i < 5_000; i++) {
      pending.add({ span, destination: config.parent, parentId: undefined, merge: false, root: false });
      most = Math.max(most, pending.size);
    }
    expect(most).toBe(1024);
    expect(delivery.stats().queued).toBe(5_000 - 1024);
    pending.drain();
    expect([pending.size, delivery.stats().queued]).toEqual([0, 5_000]);
    return delivery.shutdown();
  });
});

describe("the processor's outcome, read at once", () => {
  it("stats and flush include spans that ended in the same turn", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "pending-read" });
    const tracer = providerWith(processor).getTracer("t");
    for (let i = 0; i < 3; i++) tracer.startSpan(`s${i}`, { attributes: { input: `q${i}` } }).end();
    expect(processor.stats().queued).toBe(3);
    expect(await processor.flush()).toMatchObject({ sent: 3, dropped: 0, pending: 0 });
    expect(server.rows("pending-read")).toHaveLength(3);
    await processor.shutdown();
  });
});
