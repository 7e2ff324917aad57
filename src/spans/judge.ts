// The one place that decides, for a span, whether it becomes a row, which kept ancestor
// that row names as its parent, and where the row goes. Both OTel faces call it; they
// differ only in what they feed the trace book:
// - the processor sees spans start, so it notes each one then (`noteStart`), with the
//   destination it inherits and the live span a filter can judge before it ends;
// - the exporter sees only ended spans, children before their parents, so it indexes each
//   batch (`noteEnded`) before judging any span in it.
//
// Filtering follows Braintrust's cross-SDK spec: a span is judged when it ends, and a span
// the filter leaves out is dropped, the trace root included. A kept span names its nearest
// kept ancestor, or no parent at all when it has none; no row ever names a span that was not
// sent. An ancestor may not be decided yet when a child ends (it is still running and not an
// AI span so far, or the exporter has not seen it): the child's row is then sent without a
// parent, as a merge, and once that ancestor is decided a small merge row sets the child's
// `span_parents` to its nearest kept ancestor. Both rows are merges, so either may arrive
// first and the result is the same.
import type { Context } from "@opentelemetry/api";
import type { Parent } from "../config/parent.js";
import { parentSpanIdOf } from "../convert/span.js";
import type { SpanLike } from "../convert/types.js";
import type { LinkOrder, RowOrder } from "../rows/pipeline.js";
import { baggageParent } from "./baggage.js";
import type { SpanFilter } from "./filter.js";
import { ownDestination, PARENT_ATTRIBUTE, parentInContext, parentNamesDestination } from "./routing.js";
import { DROPPED, KEPT, OPEN, type SpanNote, type TraceBook } from "./trace-book.js";

export interface JudgeOptions {
  readonly filter: SpanFilter | undefined;
  /** The configured destination, for spans that name none and inherit none (read when needed). */
  readonly fallback: () => Parent;
  /** Partial rows at start (processor only). */
  readonly logSpanStart: boolean;
  /** Whether the book is fed at span start (processor) or per exported batch (exporter). */
  readonly seesStarts: boolean;
  /** Writes the late parent link of an already sent row (see the top of this file). */
  readonly link: (order: LinkOrder) => void;
}

/** Where a kept span's row points: a kept ancestor, nowhere, or nowhere until `note` is decided. */
type Link =
  | { readonly kind: "parent"; readonly id: string }
  | { readonly kind: "none" }
  | { readonly kind: "wait"; readonly note: SpanNote };

const NONE: Link = Object.freeze({ kind: "none" });

/** Deeper trees than this are not walked: the span is attached where the walk stops. */
const MAX_WALK = 1_000;

export class SpanJudge {
  /** Spans left out by the filter. */
  filtered = 0;
  /** Whether the span last passed to `ended` was a local root, kept or not (for `flushOnRootEnd`). */
  lastEndedRoot = false;
  /** Every span needs a note (filtering, start rows); otherwise only routed ones do. */
  private readonly noteEverySpan: boolean;

  constructor(
    private readonly book: TraceBook,
    private readonly options: JudgeOptions,
  ) {
    this.noteEverySpan = options.filter !== undefined || options.logSpanStart;
  }

  /** At onStart: notes what the span's descendants will need; returns its start row, if one is due. */
  noteStart(span: SpanLike, parentContext: Context): RowOrder | undefined {
    const own = span.attributes?.[PARENT_ATTRIBUTE];
    // What the trace's caller in another service asked for (the spec says a receiver honours it).
    const incoming = own === undefined ? baggageParent(parentContext) : undefined;
    // The common case costs a few property reads and two context lookups: no feature needs a
    // note, nothing is routed yet, and neither this span, its parent nor baggage names a destination.
    if (!this.noteEverySpan && this.book.size === 0 && own === undefined && incoming === undefined && !parentNamesDestination(parentContext)) {
      return undefined;
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
    const dest = ownDestination(span.attributes) ?? inherited ?? (incoming === undefined ? undefined : ownDestination({ [PARENT_ATTRIBUTE]: incoming }));
    // The span carries its destination like its parent does, so addSpanParentToBaggage works on it.
    if (own === undefined && dest !== undefined) (span as unknown as { setAttribute?(k: string, v: string): void }).setAttribute?.(PARENT_ATTRIBUTE, dest.key);
    if (dest === undefined && !this.noteEverySpan) return undefined;

    const note: SpanNote = {
      parentId,
      dest,
      live: this.options.filter ? span : undefined,
      state: OPEN,
      pinned: false,
      started: false,
      root: parentId === undefined || remoteParent,
    };
    this.book.add(traceId, spanId, note);
    return this.options.logSpanStart ? this.startRow(span, traceId, spanId, note) : undefined;
  }

  /** With filtering, a start row is written only for a span that would be kept now; it is then kept for good. */
  private startRow(span: SpanLike, traceId: string, spanId: string, note: SpanNote): RowOrder | undefined {
    const filter = this.options.filter;
    const destination = note.dest ?? this.options.fallback();
    let parentId: string | null | undefined;
    if (filter) {
      if (!filter(span)) return undefined;
      note.pinned = true;
      parentId = this.linkFor(traceId, spanId, note, destination);
    }
    note.started = true;
    return { span, destination, parentId, merge: false };
  }

  /** For the exporter: indexes an ended span, so that spans of its batch can find it. */
  noteEnded(span: SpanLike): void {
    const { traceId, spanId } = span.spanContext();
    const placeholder = this.book.get(traceId, spanId);
    this.book.add(traceId, spanId, {
      parentId: parentSpanIdOf(span),
      dest: ownDestination(span.attributes),
      live: span,
      state: OPEN,
      pinned: placeholder?.pinned === true,
      started: false,
      root: isLocalRoot(span),
      waiters: placeholder?.waiters,
    });
  }

  /** The row an ended span becomes, or undefined when the filter leaves it out. */
  ended(span: SpanLike): RowOrder | undefined {
    const { traceId, spanId } = span.spanContext();
    const note = this.book.size > 0 ? this.book.end(traceId, spanId) : undefined;
    const parentId = note ? note.parentId : parentSpanIdOf(span);
    const root = note ? note.root : parentId === undefined || hasRemoteParent(span);
    this.lastEndedRoot = root;

    const filter = this.options.filter;
    if (filter && !note?.pinned && !filter(span)) {
      if (note) {
        note.state = DROPPED;
        this.release(traceId, spanId, note);
      }
      this.filtered++;
      return undefined;
    }

    let dest: Parent | undefined;
    if (note?.started) {
      // The start row already went somewhere; the end row must merge into that one.
      dest = note.dest;
    } else if (this.options.seesStarts) {
      dest = ownDestination(span.attributes) ?? note?.dest;
      if (note) note.dest = dest; // late children inherit the final destination
    } else {
      dest = inheritedDestination(this.book, traceId, note);
    }
    const destination = dest ?? this.options.fallback();

    let link: string | null | undefined;
    if (filter) {
      // Without a note (forgotten) nothing is known about the ancestors: no parent is safe.
      link = note ? this.linkFor(traceId, spanId, note, destination) : null;
      if (link === parentId) link = undefined;
    }
    if (note) this.release(traceId, spanId, note);
    // A row sent without its parent for now is a merge, so its late link survives either order.
    const provisional = note?.waiting === true;
    return { span, destination, parentId: link, merge: note?.started === true || provisional };
  }

  /**
   * The parent a kept span's row names now: an id, or null for none. When an undecided
   * ancestor is in the way, null for now, and the span waits on that ancestor.
   */
  private linkFor(traceId: string, spanId: string, note: SpanNote, destination: Parent): string | null {
    if (note.waiting) return null; // still waiting since its start row
    const found = note.root ? NONE : this.walk(traceId, note.parentId);
    if (found.kind === "parent") return found.id;
    if (found.kind === "wait") {
      (found.note.waiters ??= []).push({ spanId, destination });
      note.waiting = true;
    }
    return null;
  }

  /** The span is decided: the kept spans waiting on it get their link now, or wait higher up. */
  private release(traceId: string, spanId: string, note: SpanNote): void {
    const waiters = note.waiters;
    if (waiters === undefined) return;
    note.waiters = undefined;
    const kept = note.state === KEPT;
    for (const waiter of waiters) {
      const waiting = this.book.get(traceId, waiter.spanId);
      const found: Link = kept ? { kind: "parent", id: spanId } : note.root ? NONE : this.walk(traceId, note.parentId);
      if (found.kind === "wait") {
        (found.note.waiters ??= []).push(waiter);
        continue;
      }
      if (waiting) waiting.waiting = false;
      if (found.kind === "parent") this.options.link({ traceId, spanId: waiter.spanId, parentId: found.id, destination: waiter.destination });
    }
  }

  /**
   * From `parentId` up: the nearest ancestor that is kept or will be, judging a running one
   * by the filter now (pinned if kept, so the link can never dangle). An ancestor that may
   * still be kept later (running and not kept so far; for the exporter, one not seen yet)
   * makes the link wait on it. The walk ends at the local root and at spans this book does
   * not know (in another process, or forgotten): no kept ancestor there.
   */
  private walk(traceId: string, parentId: string | undefined): Link {
    const keeps = this.options.filter!;
    let id = parentId;
    for (let hops = 0; id !== undefined && hops < MAX_WALK; hops++) {
      let note = this.book.get(traceId, id);
      if (note === undefined) {
        if (this.options.seesStarts) return NONE;
        // The exporter has not seen this span yet: it may arrive in a later batch.
        note = placeholder();
        this.book.add(traceId, id, note);
        return { kind: "wait", note };
      }
      if (note.pinned || note.state === KEPT || (note.state === OPEN && note.live !== undefined && keeps(note.live))) {
        note.pinned = true;
        return { kind: "parent", id };
      }
      if (note.state === OPEN) {
        if (note.live === undefined) return { kind: "wait", note };
        // A running span may still become an AI span; an exported one is final (dropped).
        if (this.options.seesStarts) return { kind: "wait", note };
      }
      if (note.root) return NONE;
      id = note.parentId;
    }
    return NONE;
  }
}

function placeholder(): SpanNote {
  return { parentId: undefined, dest: undefined, live: undefined, state: OPEN, pinned: false, started: false, root: false };
}

/** The nearest destination among the span and its known ancestors, undefined for the default. */
function inheritedDestination(book: TraceBook, traceId: string, note: SpanNote | undefined): Parent | undefined {
  let current = note;
  for (let hops = 0; current !== undefined && hops < MAX_WALK; hops++) {
    if (current.dest !== undefined) return current.dest;
    current = book.get(traceId, current.parentId);
  }
  return undefined;
}

/** No parent, or a parent in another process (an incoming `traceparent`): read from the span alone. */
function isLocalRoot(span: SpanLike): boolean {
  return parentSpanIdOf(span) === undefined || hasRemoteParent(span);
}

function hasRemoteParent(span: SpanLike): boolean {
  return (span.parentSpanContext as { isRemote?: unknown } | undefined)?.isRemote === true;
}
