// Rows of ended spans are built right after the event-loop turn, or at once for whoever reads
// the outcome; a loop that never yields keeps the backlog bounded.
import { createHook } from "node:async_hooks";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Delivery } from "../../src/delivery/delivery.js";
import { BraintrustSpanProcessor } from "../../src/index.js";
import { MAX_PENDING, PendingRows } from "../../src/spans/pending-rows.js";
import type { ExporterConfig } from "../../src/config/config.js";
import type { SpanLike } from "../../src/convert/types.js";
import { type RowOrder, RowPipeline } from "../../src/rows/pipeline.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { configFor } from "../delivery/helpers.js";
import { oneSpan } from "../helpers/spans.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

/** The order of a span kept for the configured project, with its own parent. */
const orderOf = (span: SpanLike, config: ExporterConfig): RowOrder => ({ span, destination: config.parent, parentId: undefined, merge: false });

describe("PendingRows", () => {
  it("queues nothing inside the call, everything right after the turn, in order", async () => {
    const config = configFor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "pending-turn", scheduledDelayMillis: 60_000 });
    const delivery = new Delivery(config);
    const pending = new PendingRows(new RowPipeline(config, delivery));
    const spans = ["a", "b", "c"].map((name) => oneSpan({ input: name }, { name }));
    for (const span of spans) pending.add(orderOf(span, config));
    expect([pending.size, delivery.stats().queued]).toEqual([3, 0]);
    while (pending.size > 0) await nextTurn(); // in one turn, or a few if a slice runs out of time
    expect(delivery.stats().queued).toBe(3);
    expect(await delivery.flush()).toMatchObject({ sent: 3, pending: 0 });
    expect(server.rows("pending-turn").map((r) => r.input).sort()).toEqual(["a", "b", "c"]);
    await delivery.shutdown();
  });

  it("creates an async resource in add only after a quiet turn: while spans keep ending, the drain schedules itself", async () => {
    const config = configFor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "pending-rearm", scheduledDelayMillis: 60_000 });
    const delivery = new Delivery(config);
    const judged: string[] = [];
    const pending = new PendingRows(new RowPipeline(config, delivery), (span) => {
      judged.push(span.name);
      return orderOf(span, config);
    });
    // Whatever add schedules (an Immediate, a timer, a promise) is an async resource made inside it.
    let adding = false;
    let fromAdd = 0;
    const resources = createHook({ init: () => void (adding && fromAdd++) }).enable();
    const add = (name: string) => {
      const span = oneSpan({ input: name }, { name });
      adding = true;
      pending.addEnded(span);
      adding = false;
    };
    try {
      for (let turn = 0; turn < 10; turn++) {
        for (const kind of ["a", "b", "c"]) add(`${kind}${turn}`);
        await nextTurn();
      }
      expect(fromAdd).toBe(1);
      while (pending.size > 0) await nextTurn();
      // A turn with no span in it stops the drain; the next span schedules it again.
      await nextTurn();
      await nextTurn();
      add("late");
      expect(fromAdd).toBe(2);
      while (pending.size > 0) await nextTurn();
    } finally {
      resources.disable();
    }
    // Bare spans get their order when they are converted, in the order they ended.
    expect(judged).toEqual([...Array.from({ length: 10 }, (_, t) => [`a${t}`, `b${t}`, `c${t}`]).flat(), "late"]);
    expect(await delivery.flush()).toMatchObject({ pending: 0 });
    expect(delivery.stats().sent).toBe(31);
    await delivery.shutdown();
  });

  it("converts a large turn in slices, one per later turn, oldest first", async () => {
    const config = configFor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "pending-slices", scheduledDelayMillis: 60_000 });
    const delivery = new Delivery(config);
    // A clock that moves 0.3 ms per reading: a 1 ms slice converts three or four spans.
    let clock = 0;
    const pending = new PendingRows(new RowPipeline(config, delivery), undefined, () => (clock += 0.3));
    const spans = Array.from({ length: 25 }, (_, i) => oneSpan({ input: `n${i}` }, { name: `n${i}` }));
    const add = (span: (typeof spans)[number]) => pending.add(orderOf(span, config));
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

  it("ends a slice before a step as long as the last one would run past its millisecond", async () => {
    const config = configFor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "pending-budget", scheduledDelayMillis: 60_000 });
    const delivery = new Delivery(config);
    // Each conversion takes 0.4 ms by this clock: two fit in a slice (0.8 ms), a third would end it at 1.2.
    let clock = 0;
    const readings: number[] = [];
    const pending = new PendingRows(new RowPipeline(config, delivery), undefined, () => {
      clock += 0.4;
      readings.push(clock);
      return clock;
    });
    const span = oneSpan({ input: "x" });
    for (let i = 0; i < 9; i++) pending.add(orderOf(span, config));
    const perSlice: number[] = [];
    const slices: number[] = [];
    while (pending.size > 0) {
      const before = pending.size;
      readings.length = 0;
      await nextTurn();
      perSlice.push(before - pending.size);
      slices.push(readings.at(-1)! - readings[0]!);
    }
    expect(perSlice).toEqual([2, 2, 2, 2, 1]);
    for (const ms of slices) expect(ms).toBeLessThanOrEqual(1);
    await delivery.shutdown();
  });

  it("keeps the order across the wrap of its ring, converting at the bound", async () => {
    const config = configFor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "pending-ring", scheduledDelayMillis: 60_000 });
    const delivery = new Delivery(config);
    let clock = 0;
    // A slice converts two spans, so the ring's start moves before it fills.
    const pending = new PendingRows(new RowPipeline(config, delivery), undefined, () => (clock += 0.4));
    const total = MAX_PENDING + 300;
    const spans = Array.from({ length: total }, (_, i) => oneSpan({ input: `r${i}` }, { name: `r${i}` }));
    const add = (span: (typeof spans)[number]) => pending.add(orderOf(span, config));
    spans.slice(0, 100).forEach(add);
    await nextTurn();
    await nextTurn();
    spans.slice(100).forEach(add); // past the bound: the oldest are converted inside add
    expect(pending.size).toBe(MAX_PENDING);
    pending.drain();
    expect(await delivery.flush()).toMatchObject({ pending: 0 });
    expect(server.rows("pending-ring").map((r) => r.input)).toEqual(spans.map((_, i) => `r${i}`));
    await delivery.shutdown();
  });

  it("stays bounded when spans end in a loop that never yields", () => {
    const config = configFor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "pending-bound", scheduledDelayMillis: 60_000 });
    const delivery = new Delivery(config);
    const pending = new PendingRows(new RowPipeline(config, delivery));
    const span = oneSpan({ input: "same" });
    let most = 0;
    for (let i = 0; i < 5_000; i++) {
      pending.add(orderOf(span, config));
      most = Math.max(most, pending.size);
    }
    expect(most).toBe(MAX_PENDING);
    expect(delivery.stats().queued).toBe(5_000 - MAX_PENDING);
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
