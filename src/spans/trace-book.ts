// What a face remembers about a span until its trace is done: its parent link (to attach
// a kept span past filtered-out ancestors), a destination that its children inherit, and
// whether a start row was written for it. The processor notes spans as they start, the
// exporter as each batch arrives; judge.ts reads the notes.
//
// Memory is bounded. A trace's notes are kept while any of its spans is open, then for
// the next `maxFinishedTraces` traces (children started after their trace "ended", as in
// a handler's `waitUntil`, still find their ancestors), and the oldest go first once
// `maxNotes` is reached.
import type { SpanLike } from "../convert/types.js";
import { log } from "../log.js";
import type { Parent } from "../config/parent.js";

export const OPEN = 0;
export const KEPT = 1;
export const DROPPED = 2;
type NoteState = typeof OPEN | typeof KEPT | typeof DROPPED;

export interface SpanNote {
  /** The span's own parent in the OTel tree; undefined for a trace root. */
  parentId: string | undefined;
  /** Where the span's row goes when not the default: its own `braintrust.parent`, or inherited. */
  dest: Parent | undefined;
  /** The span itself while it is open, so a filter can judge it before it ends. */
  live: SpanLike | undefined;
  state: NoteState;
  /** A written row refers to this span (as a parent, or its start row): it must be kept. */
  pinned: boolean;
  /** A `logSpanStart` row was written; the end row merges into it. */
  started: boolean;
  /** The local root: no parent, or a parent in another process. The ancestor walk stops here. */
  root: boolean;
  /**
   * Kept spans below whose parent link waits for this span's verdict: it was open and not
   * (yet) kept when they ended, or, for the exporter, not seen yet. See judge.ts.
   */
  waiters?: Waiter[];
  /** This span is itself a waiter somewhere above (its row was sent without a parent for now). */
  waiting?: boolean;
}

interface Waiter {
  readonly spanId: string;
  /** Where its row went: the corrected link goes there too. */
  readonly destination: Parent;
}

interface TraceNotes {
  open: number;
  readonly notes: Map<string, SpanNote>;
}

const DEFAULT_MAX_NOTES = 100_000;
const DEFAULT_MAX_FINISHED_TRACES = 1_000;

export class TraceBook {
  private readonly traces = new Map<string, TraceNotes>();
  /** Trace ids with no open span, oldest first (a Set keeps insertion order). */
  private readonly finished = new Set<string>();
  private notes = 0;

  constructor(
    private readonly maxNotes = DEFAULT_MAX_NOTES,
    private readonly maxFinishedTraces = DEFAULT_MAX_FINISHED_TRACES,
  ) {}

  get size(): number {
    return this.notes;
  }

  get(traceId: string, spanId: string | undefined): SpanNote | undefined {
    return spanId === undefined ? undefined : this.traces.get(traceId)?.notes.get(spanId);
  }

  /** Records an open span. A note already there (a placeholder) is replaced and stays counted once. */
  add(traceId: string, spanId: string, note: SpanNote): void {
    let trace = this.traces.get(traceId);
    if (!trace) {
      trace = { open: 0, notes: new Map() };
      this.traces.set(traceId, trace);
    } else if (trace.open === 0) {
      this.finished.delete(traceId);
    }
    const prior = trace.notes.get(spanId);
    if (prior === undefined) this.notes++;
    else if (prior.state === OPEN) trace.open--;
    trace.notes.set(spanId, note);
    trace.open++;
    if (this.notes > this.maxNotes) this.evict();
  }

  /** Marks the span ended (the caller sets KEPT or DROPPED) and returns its note, if any. */
  end(traceId: string, spanId: string): SpanNote | undefined {
    const trace = this.traces.get(traceId);
    const note = trace?.notes.get(spanId);
    if (!trace || !note || note.state !== OPEN) return note;
    note.live = undefined;
    note.state = KEPT;
    if (--trace.open === 0) this.finish(traceId);
    return note;
  }

  private finish(traceId: string): void {
    this.finished.add(traceId);
    if (this.finished.size > this.maxFinishedTraces) {
      for (const oldest of this.finished) {
        this.forget(oldest);
        break;
      }
    }
  }

  private forget(traceId: string): void {
    const trace = this.traces.get(traceId);
    if (trace) this.notes -= trace.notes.size;
    this.traces.delete(traceId);
    this.finished.delete(traceId);
  }

  /** Finished traces go first; then the oldest notes of the oldest open trace. */
  private evict(): void {
    log("warn", "trace-book-full", `more than ${this.maxNotes} spans are being tracked at once; the oldest are forgotten, so a few rows may attach to a filtered-out parent or miss an inherited destination`);
    while (this.notes > this.maxNotes) {
      const finished = this.finished.values().next();
      if (!finished.done) {
        this.forget(finished.value);
        continue;
      }
      const oldest = this.traces.entries().next();
      if (oldest.done) return;
      const [traceId, trace] = oldest.value;
      const first = trace.notes.entries().next();
      if (first.done) {
        this.traces.delete(traceId);
        continue;
      }
      const [spanId, note] = first.value;
      trace.notes.delete(spanId);
      this.notes--;
      if (note.state === OPEN) trace.open--;
      if (trace.notes.size === 0) this.traces.delete(traceId);
    }
  }
}
