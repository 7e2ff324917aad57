// The process is ending with rows still to deliver. Three ways it ends, three answers:
// - the event loop empties (`beforeExit`): with flushOnExit (the default), flush once, within
//   a bounded deadline, batch processors feeding an exporter first; rows still undelivered
//   after it are dropped and said in one line, so the next `beforeExit` finds nothing to do
//   and the process exits (instead of flushing again every time the loop empties, forever,
//   while the API is down);
// - `process.exit()`, an uncaught exception (or a signal's default action after ours):
//   nothing asynchronous can run any more, so one synchronous line says how many rows are
//   lost, why, and what to call;
// - SIGTERM / SIGINT under register(): see signals.ts.
// One listener of each kind serves every live processor and exporter.
import type { FlushResult } from "../delivery/stats.js";
import { counted, sayNow } from "../log.js";
import type { BatchProcessor } from "./batch-processors.js";

/** How long the exit flush may take: short enough for a container's grace period (10 s). */
export const EXIT_FLUSH_MS = 5_000;

/** What feeds an exporter: batch processors found, and whether spans may wait where none was found. */
export interface Upstream {
  readonly processors: readonly BatchProcessor[];
  /** No processor was found and the exporter has never been handed a span: some may be waiting unseen. */
  readonly unseen: boolean;
}

export interface ExitTarget {
  /** Flush on `beforeExit`. */
  readonly flushOnExit: boolean;
  /** Rows (or spans about to become rows) not yet delivered. */
  undelivered(): number;
  /** Rows still waiting for a send to start. */
  queued(): number;
  /** Flushes with a deadline `ms` from now (never later than exportTimeoutMillis). */
  flushWithin(ms: number): Promise<FlushResult>;
  /** Drops what is still queued; returns how many rows are lost, queued or in flight. */
  abandon(): number;
  /** Why rows are not getting through, when something is known to be wrong. */
  failure(): string | undefined;
  /** An exporter's: the batch processors that feed it, flushed before it. */
  upstream?(): Upstream;
}

const targets = new Set<WeakRef<ExitTarget>>();
/** Targets whose rows in flight at the last abandon() were already reported. */
const reported = new WeakSet<ExitTarget>();
let installed = false;
let exiting: Promise<void> | undefined;
/**
 * Set when the event loop empties, cleared by the next turn of it: still set at `exit`, the
 * script simply ended; cleared, something ran after and called process.exit().
 */
let naturalEnd = false;
let crashed = false;
let saidUnseen = false;

/** Watches `target` until the returned function is called (at its shutdown). Never holds it alive. */
export function watchExit(target: ExitTarget): () => void {
  const ref = new WeakRef(target);
  targets.add(ref);
  if (!installed) {
    installed = true;
    process.on("beforeExit", onBeforeExit);
    process.on("exit", onExit);
    // A monitor only: it never changes how an uncaught exception ends the process.
    process.on("uncaughtExceptionMonitor", () => {
      crashed = true;
    });
  }
  return () => {
    targets.delete(ref);
  };
}

function live(): ExitTarget[] {
  const out: ExitTarget[] = [];
  for (const ref of targets) {
    const target = ref.deref();
    if (target) out.push(target);
    else targets.delete(ref);
  }
  return out;
}

function upstreamOf(target: ExitTarget): Upstream {
  try {
    return target.upstream?.() ?? { processors: [], unseen: false };
  } catch {
    return { processors: [], unseen: false };
  }
}

const waitingIn = (upstream: Upstream) => upstream.processors.reduce((n, p) => n + safeCount(() => p.waiting()), 0);

function safeCount(count: () => number): number {
  try {
    return count();
  } catch {
    return 0;
  }
}

const rows = (n: number): string => counted(n, "row");
const spans = (n: number): string => counted(n, "span");

/** Flushes every target within `ms`, then drops and reports what is left. Shared by beforeExit and signals. */
export function flushForExit(ms: number, which: (t: ExitTarget) => boolean = () => true): Promise<void> {
  const busy = live().filter((t) => which(t) && (t.undelivered() > 0 || waitingIn(upstreamOf(t)) > 0));
  if (busy.length === 0) return Promise.resolve();
  const deadline = Date.now() + ms;
  return Promise.all(
    busy.map(async (target) => {
      const upstream = upstreamOf(target);
      // The batch processors first: what they hold becomes this exporter's rows.
      await withinDeadline(Promise.all(upstream.processors.map((p) => p.forceFlush().catch(() => undefined))), deadline);
      await target.flushWithin(Math.max(1, deadline - Date.now())).catch(() => undefined);
      const stuck = waitingIn(upstream);
      if (target.undelivered() === 0 && stuck === 0) return;
      const lost = target.abandon();
      reported.add(target);
      const failure = target.failure();
      const why = failure ? `the exit flush's deadline passed while ${failure}` : `the exit flush's deadline (${ms} ms) passed before the API took them`;
      const held = stuck > 0 ? `; ${spans(stuck)} never left a BatchSpanProcessor` : "";
      sayNow(`${rows(lost)} not delivered: ${why}${held}`);
    }),
  ).then(() => undefined);
}

/** Waits for `work`, or until `deadline`, whichever is first; never keeps the process alive by itself. */
function withinDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    timer.unref();
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

function onBeforeExit(): void {
  naturalEnd = true;
  setTimeout(() => {
    naturalEnd = false;
  }, 0).unref();
  // Once per exit attempt: the flush below keeps the loop alive, and when it ends the loop
  // empties again and this runs once more, finding nothing queued.
  if (exiting) return;
  const all = live();
  sayUnseen(all);
  // Rows waiting for a retry count too (their timers do not keep the loop alive); once a
  // target's loss was reported, only rows queued since then do.
  const work = all.some((t) => t.flushOnExit && ((reported.has(t) ? t.queued() : t.undelivered()) > 0 || waitingIn(upstreamOf(t)) > 0));
  if (!work) return;
  exiting = flushForExit(EXIT_FLUSH_MS, (t) => t.flushOnExit).finally(() => {
    exiting = undefined;
  });
}

/** An exporter that was never handed a span, with no batch processor to be found: say once how to flush. */
function sayUnseen(all: ExitTarget[]): void {
  if (saidUnseen || !all.some((t) => upstreamOf(t).unseen)) return;
  saidUnseen = true;
  sayNow(
    "the script is ending and BraintrustExporter has not been handed any span: if it sits in a BatchSpanProcessor, the spans ended so far may still be waiting there, and are lost when the process exits (that processor's timer does not keep it alive). Call `await provider.forceFlush()` (or `await provider.shutdown()`) before the script ends, or use BraintrustSpanProcessor, which flushes at exit by itself",
  );
}

function onExit(): void {
  let lost = 0;
  let inBatches = 0;
  let optedOut = false;
  for (const target of live()) {
    const count = reported.has(target) ? target.queued() : target.undelivered();
    lost += count;
    if (!reported.has(target)) inBatches += waitingIn(upstreamOf(target));
    if (count > 0 && !target.flushOnExit) optedOut = true;
  }
  if (lost === 0 && inBatches === 0) return;
  const what = [lost > 0 ? `${rows(lost)} queued` : "", inBatches > 0 ? `${spans(inBatches)} still in a BatchSpanProcessor` : ""].filter(Boolean).join(" and ");
  if (crashed) {
    sayNow(`the process is ending on an uncaught exception with ${what}, which were not sent`);
  } else if (naturalEnd) {
    const fix = optedOut
      ? ": flushOnExit is false. Call `await provider.forceFlush()` before the script ends, or leave flushOnExit on"
      : ". Call `await provider.forceFlush()` (or `shutdown()`) before the script ends";
    sayNow(`the script ended with ${what}, which were not sent${fix}`);
  } else {
    sayNow(
      `process.exit() was called with ${what}, which were not sent. Call \`await shutdown()\` (from register()) or \`await provider.forceFlush()\` before process.exit()`,
    );
  }
}
