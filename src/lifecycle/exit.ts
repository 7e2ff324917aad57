// The process is ending with rows still to deliver. Three ways it ends, three answers:
// - the event loop empties (`beforeExit`): with flushOnExit, flush once, within a bounded
//   deadline; rows still undelivered after it are dropped and said in one line, so the
//   next `beforeExit` finds nothing to do and the process exits (instead of flushing again
//   every time the loop empties, forever, while the API is down);
// - `process.exit()` (or a signal's default action after ours): nothing asynchronous can
//   run any more, so one synchronous line says how many rows are lost and what to call;
// - SIGTERM / SIGINT under register(): see signals.ts.
// One listener of each kind serves every live processor and exporter.
import type { FlushResult } from "../delivery/stats.js";
import { sayNow } from "../log.js";

/** How long the exit flush may take: short enough for a container's grace period (10 s). */
export const EXIT_FLUSH_MS = 5_000;

export interface ExitTarget {
  /** Flush on `beforeExit`. */
  readonly flushOnExit: boolean;
  /** Rows (or spans about to become rows) not yet delivered. */
  undelivered(): number;
  /** Rows still waiting for a send to start: what a flush at exit is for. */
  queued(): number;
  /** Flushes with a deadline `ms` from now (never later than exportTimeoutMillis). */
  flushWithin(ms: number): Promise<FlushResult>;
  /** Drops what is still queued; returns how many rows are lost, queued or in flight. */
  abandon(): number;
  /** Why rows are not getting through, when something is known to be wrong. */
  failure(): string | undefined;
}

const targets = new Set<WeakRef<ExitTarget>>();
/** Targets whose rows in flight at the last abandon() were already reported. */
const reported = new WeakSet<ExitTarget>();
let installed = false;
let exiting: Promise<void> | undefined;

/** Watches `target` until the returned function is called (at its shutdown). Never holds it alive. */
export function watchExit(target: ExitTarget): () => void {
  const ref = new WeakRef(target);
  targets.add(ref);
  if (!installed) {
    installed = true;
    process.on("beforeExit", onBeforeExit);
    process.on("exit", onExit);
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

/** Flushes every target within `ms`, then drops and reports what is left. Shared by beforeExit and signals. */
export function flushForExit(ms: number, which: (t: ExitTarget) => boolean = () => true): Promise<void> {
  const busy = live().filter((t) => which(t) && t.undelivered() > 0);
  if (busy.length === 0) return Promise.resolve();
  return Promise.all(
    busy.map(async (target) => {
      await target.flushWithin(ms).catch(() => undefined);
      if (target.undelivered() === 0) return;
      const lost = target.abandon();
      reported.add(target);
      const reason = target.failure() ?? `the API did not take them within ${ms} ms`;
      sayNow(`${lost} rows not delivered: ${reason}`);
    }),
  ).then(() => undefined);
}

function onBeforeExit(): void {
  // Once per exit attempt: the flush below keeps the loop alive, and when it ends the loop
  // empties again and this runs once more, finding nothing queued.
  if (exiting) return;
  const work = live().some((t) => t.flushOnExit && t.queued() > 0);
  if (!work) return;
  exiting = flushForExit(EXIT_FLUSH_MS, (t) => t.flushOnExit).finally(() => {
    exiting = undefined;
  });
}

function onExit(): void {
  let lost = 0;
  for (const target of live()) lost += reported.has(target) ? target.queued() : target.undelivered();
  if (lost === 0) return;
  sayNow(
    `${lost} rows not delivered: the process exited before they were sent. Call \`await shutdown()\` (from register()) or \`await processor.forceFlush()\` before process.exit(); without process.exit(), register() and flushOnExit: true flush when the event loop empties`,
  );
}
