// The one place that decides, for a span, whether it becomes a row, which kept ancestor
// that row names as its parent, and where the row goes. Both OTel faces call it; they
// differ only in what they feed the trace book:
// - the processor sees spans start, so it notes each one then (`noteStart`), with the
//   destination it inherits and the live span a filter can judge before it ends;
// - the exporter sees only ended spans, children before their parents, so it indexes each
//   batch (`noteEnded`) before judging any span in it, and an ancestor it has not seen yet
//   is pinned, to be kept when it arrives.
import type { Context } from "@opentelemetry/api";
import type { Parent } from "../config/parent.js";
import { parentSpanIdOf } from "../convert/span.js";
import type { SpanLike } from "../convert/types.js";
import type { RowOrder } from "../rows/pipeline.js";
import type { SpanFilter } from "./filter.js";
import { ownDestination, PARENT_ATTRIBUTE, parentInContext, parentNamesDestination } from "./routing.js";
import { DROPPED, KEPT, OPEN, type SpanNote, type TraceBook } from "./trace-book.js";

export interface JudgeOptions {
  readonly filter: SpanFilter | undefined;
  /** The configured destination, for spans that name none and inherit none. */
  readonly fallback: Parent;
  /** Partial rows at start (processor only). */
  readonly logSpanStart: boolean;
  /** Whether the book is fed at span start (processor) or per exported batch (exporter). */
  readonly seesStarts: boolean;
}

/** Deeper trees than this are not walked: the span is attached where the walk stops. */
const MAX_WALK = 1_000;

export class SpanJudge {
  /** Spans left out by the filter. */
  filtered = 0;
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
    // The common case costs two property reads and a context lookup: no feature needs a
    // note, nothing is routed yet, and neither this span nor its parent names a destination.
    if (!this.noteEverySpan && this.book.size === 0 && span.attributes?.[PARENT_ATTRIBUTE] === undefined && !parentNamesDestination(parentContext)) {
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
    const dest = ownDestination(span.attributes) ?? inherited;
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
    return this.options.logSpanStart ? this.startRow(span, traceId, note) : undefined;
  }

  /** With filtering, a start row is written only for a span that would be kept now; it is then kept for good. */
  private startRow(span: SpanLike, traceId: string, note: SpanNote): RowOrder | undefined {
    const filter = this.options.filter;
    let parentId: string | undefined;
    if (filter) {
      if (!note.root && !filter(span)) return undefined;
      note.pinned = true;
      parentId = keptAncestor(this.book, filter, traceId, note.parentId, false);
    }
    note.started = true;
    return { span, destination: note.dest ?? this.options.fallback, parentId, merge: false, root: note.root };
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
    });
  }

  /** The row an ended span becomes, or undefined when the filter leaves it out. */
  ended(span: SpanLike): RowOrder | undefined {
    const { traceId, spanId } = span.spanContext();
    const note = this.book.size > 0 ? this.book.end(traceId, spanId) : undefined;
    const parentId = note ? note.parentId : parentSpanIdOf(span);
    const root = note ? note.root : isLocalRoot(span);

    let keptParent: string | undefined;
    const filter = this.options.filter;
    if (filter) {
      if (!root && !note?.pinned && !filter(span)) {
        if (note) note.state = DROPPED;
        this.filtered++;
        return undefined;
      }
      keptParent = keptAncestor(this.book, filter, traceId, parentId, !this.options.seesStarts);
      if (keptParent === parentId) keptParent = undefined;
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
    return { span, destination: dest ?? this.options.fallback, parentId: keptParent, merge: note?.started === true, root };
  }
}

/**
 * The id a kept span should name as its parent: its nearest ancestor that is (or will be)
 * kept. An ancestor still open is judged now by `keeps`; if kept it is pinned, so the link
 * can never dangle. An ancestor this book does not know (in another process, forgotten)
 * ends the walk; with `pinUnknown` (the exporter, which sees children before parents) a
 * pinned placeholder is left for it, so it is kept when it arrives.
 */
export function keptAncestor(
  book: TraceBook,
  keeps: (span: SpanLike) => boolean,
  traceId: string,
  parentId: string | undefined,
  pinUnknown: boolean,
): string | undefined {
  let id = parentId;
  for (let hops = 0; id !== undefined && hops < MAX_WALK; hops++) {
    const note = book.get(traceId, id);
    if (note === undefined) {
      if (pinUnknown) book.add(traceId, id, placeholder());
      return id;
    }
    if (note.pinned || note.root) return pin(note, id);
    if (note.state === KEPT) return id;
    if (note.state === OPEN && (note.live === undefined || keeps(note.live))) return pin(note, id);
    id = note.parentId;
  }
  return id;
}

function pin(note: SpanNote, id: string): string {
  note.pinned = true;
  return id;
}

function placeholder(): SpanNote {
  return { parentId: undefined, dest: undefined, live: undefined, state: OPEN, pinned: true, started: false, root: false };
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
export function isLocalRoot(span: SpanLike): boolean {
  return parentSpanIdOf(span) === undefined || (span.parentSpanContext as { isRemote?: unknown } | undefined)?.isRemote === true;
}
