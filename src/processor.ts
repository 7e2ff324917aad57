// The OTel SpanProcessor face. onStart notes what a span's descendants will need (its
// parent link, its destination) only when a feature needs it; onEnd filters and routes the
// span, and leaves it for the row pipeline, which builds its row right after the current
// event-loop turn (pending-rows.ts). Both run inside the app's calls: they stay cheap and
// never throw.
import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { BraintrustExporterOptions } from "./config.js";
import { parentSpanIdOf } from "./convert/span.js";
import type { SpanLike } from "./convert/types.js";
import { createCore, type ExporterCore } from "./core.js";
import type { DeliveryStats, FlushResult } from "./delivery/delivery.js";
import { createSpanFilter, type SpanFilter } from "./filter.js";
import { errorMessage, log } from "./log.js";
import type { Parent } from "./parent.js";
import { PendingRows } from "./pending-rows.js";
import { ownDestination, PARENT_ATTRIBUTE, parentInContext, parentNamesDestination } from "./routing.js";
import { DROPPED, isLocalRoot, keptAncestor, OPEN, type SpanNote, TraceBook } from "./trace-book.js";

export class BraintrustSpanProcessor implements SpanProcessor {
  private readonly core: ExporterCore;
  private readonly filter: SpanFilter | undefined;
  private readonly logSpanStart: boolean;
  /** Every span needs a note (filtering, start rows); otherwise only routed ones do. */
  private readonly noteEverySpan: boolean;
  private readonly book = new TraceBook();
  /** Kept spans whose rows are built right after the current event-loop turn, not inside span.end(). */
  private readonly pending: PendingRows;
  private readonly onBeforeExit: (() => void) | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private filtered = 0;

  constructor(options?: BraintrustExporterOptions) {
    this.core = createCore(options);
    this.pending = new PendingRows(this.core.pipeline);
    const config = this.core.config;
    this.filter = config ? createSpanFilter(config) : undefined;
    this.logSpanStart = config?.logSpanStart === true;
    this.noteEverySpan = this.filter !== undefined || this.logSpanStart;
    if (config?.flushOnExit) {
      this.onBeforeExit = () => {
        // beforeExit fires again after our flush drains; only flush while there is work.
        if (this.pending.size > 0 || this.core.delivery.stats().queued > 0) void this.flush();
      };
      process.on("beforeExit", this.onBeforeExit);
    }
  }

  onStart(span: Span, parentContext: Context): void {
    if (this.shutdownPromise || !this.core.config) return;
    try {
      this.noteStart(span as unknown as SpanLike, parentContext);
    } catch (err) {
      log("warn", "on-start", `could not note a started span: ${errorMessage(err)}`);
    }
  }

  private noteStart(span: SpanLike, parentContext: Context): void {
    // The common case costs two property reads and a context lookup: no feature needs a
    // note, nothing is routed yet, and neither this span nor its parent names a destination.
    if (!this.noteEverySpan && this.book.size === 0 && span.attributes?.[PARENT_ATTRIBUTE] === undefined && !parentNamesDestination(parentContext)) {
      return;
    }
    const { traceId, spanId } = span.spanContext();
    const parentId = parentSpanIdOf(span);
    let inherited: Parent | undefined;
    let remoteParent = false;
    if (parentId !== undefined) {
      const live = parentInContext(parentContext, parentId);
      remoteParent = live.remote;
      inherited = live.dest ?? this.book.get(traceId, parentId)?.dest;
    }
    const dest = ownDestination(span.attributes) ?? inherited;
    if (dest === undefined && !this.noteEverySpan) return;

    const note: SpanNote = {
      parentId,
      dest,
      live: this.filter ? span : undefined,
      state: OPEN,
      pinned: false,
      started: false,
      root: parentId === undefined || remoteParent,
    };
    this.book.add(traceId, spanId, note);
    if (this.logSpanStart) this.writeStart(span, traceId, note);
  }

  /** With filtering, a start row is written only for a span that would be kept now; it is then kept for good. */
  private writeStart(span: SpanLike, traceId: string, note: SpanNote): void {
    let parentId: string | undefined;
    if (this.filter) {
      if (!note.root && !this.filter(span)) return;
      note.pinned = true;
      parentId = keptAncestor(this.book, this.filter, traceId, note.parentId, false);
    }
    note.started = true;
    this.core.pipeline.pushStart(span, note.dest ?? this.core.config!.parent, parentId);
  }

  onEnd(span: ReadableSpan): void {
    if (this.shutdownPromise) {
      this.core.delivery.drop("shutdown");
      return;
    }
    const like = span as unknown as SpanLike;
    let root = false;
    try {
      root = this.emit(like);
    } catch (err) {
      this.core.delivery.drop("invalid");
      log("warn", "on-end", `span ${JSON.stringify(String(like?.name))} was dropped: ${errorMessage(err)}`);
    }
    if (root && this.core.config?.flushOnRootEnd) void this.flush();
  }

  /** Filters, routes and queues one ended span; returns whether it is a local root. */
  private emit(span: SpanLike): boolean {
    const config = this.core.config;
    if (!config) {
      this.core.delivery.drop("unresolved");
      return false;
    }
    const { traceId, spanId } = span.spanContext();
    const note = this.book.size > 0 ? this.book.end(traceId, spanId) : undefined;
    const parentId = note ? note.parentId : parentSpanIdOf(span);
    const root = note ? note.root : isLocalRoot(span);

    let keptParent: string | undefined;
    if (this.filter) {
      if (!root && !note?.pinned && !this.filter(span)) {
        if (note) note.state = DROPPED;
        this.filtered++;
        return root;
      }
      keptParent = keptAncestor(this.book, this.filter, traceId, parentId, false);
      if (keptParent === parentId) keptParent = undefined;
    }

    let dest: Parent | undefined;
    if (note?.started) {
      // The start row already went somewhere; the end row must merge into that one.
      dest = note.dest;
    } else {
      dest = ownDestination(span.attributes) ?? note?.dest;
      if (note) note.dest = dest; // late children inherit the final destination
    }
    this.pending.add(span, dest ?? config.parent, keptParent, note?.started === true);
    return root;
  }

  /** Resolves (never rejects) once everything queued before the call is delivered or has failed. */
  async forceFlush(): Promise<void> {
    await this.flush();
  }

  /** Like forceFlush, with what the flush achieved. */
  flush(): Promise<FlushResult> {
    this.pending.drain();
    return this.core.delivery.flush();
  }

  shutdown(): Promise<void> {
    if (!this.shutdownPromise) {
      if (this.onBeforeExit) process.off("beforeExit", this.onBeforeExit);
      this.pending.drain();
      this.shutdownPromise = this.core.delivery.shutdown();
    }
    return this.shutdownPromise;
  }

  /** Resolves once the destination project is known; rejects with a clear reason (bad key, no project, …). */
  ready(): Promise<void> {
    return this.core.delivery.ready();
  }

  /** Delivery counters, plus `filtered`: spans left out by `filterAISpans` / `customFilter`. */
  stats(): DeliveryStats & { filtered: number } {
    this.pending.drain();
    return { ...this.core.delivery.stats(), filtered: this.filtered };
  }
}
