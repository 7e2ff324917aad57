// When batches go. A full batch goes soon after it fills, but never from inside the caller's
// `onEnd` (a `setImmediate` kick); partial batches go when the scheduledDelayMillis timer
// fires, when a flush runs or when a caller waits for room, and then until the ready lanes
// are empty. It answers "which lane may send now"; the limiter answers "may one more start".
//
// Every timer is unref'd, so the exporter never keeps an application alive, except one
// while someone awaits a flush or a shutdown: without it, `await provider.shutdown()` at the
// end of a script whose only pending work is a retry wait would let Node exit mid-flush.
import type { Destination, Destinations } from "./destinations.js";
import { MAX_TIMER_MS, sleep } from "./retry.js";

/** How long a wait that someone awaits holds the process past its own deadline. */
const KEEP_ALIVE_MARGIN_MS = 1000;

export class Schedule {
  private timer: NodeJS.Timeout | undefined;
  private kicked = false;
  /** The timer fired (or sends were hurried): send partial batches until the ready lanes are empty. */
  private due = false;
  /** Flushes under way: while any runs, partial batches go. */
  private flushing = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly delayMs: number,
    private readonly destinations: Destinations,
    /** Starts the sends the limiter allows, asking `next()` for each. */
    private readonly pump: () => void,
  ) {}

  /** A row was queued for `dest`: a full batch goes soon, the rest by the timer. */
  queued(dest: Destination): void {
    if (this.destinations.hasFullBatch(dest)) this.kick();
    else if (!this.timer) this.arm();
  }

  /** Partial batches go too, from the next turn on (a caller waits for room) or now (`now`: a lookup answered). */
  hurry(now = false): void {
    this.due = true;
    if (now) this.pump();
    else this.kick();
  }

  /** The destination whose batch may go now, round-robin; undefined when none may. */
  next(): Destination | undefined {
    return this.destinations.next(this.due || this.flushing > 0);
  }

  /** The sends that could start have started: arm the timer for what is left. */
  pumped(queuedRows: number): void {
    if (!this.destinations.anyReady()) this.due = false;
    if (queuedRows > 0 && !this.timer && !this.due) this.arm();
    this.changed();
  }

  /**
   * A flush until `deadline` starts: partial batches go, and the process is held up until
   * the flush ends or its deadline passes. Returns the flush's end, to call once.
   */
  flushStarted(deadline: number): () => void {
    this.flushing++;
    const release = holdProcess(deadline - Date.now());
    return () => {
      this.flushing--;
      release();
    };
  }

  /** Something changed in the queue or in flight: every waiter looks again. */
  changed(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Waits for the next change; false once `deadline` has passed. */
  async progress(deadline: number): Promise<boolean> {
    if (deadline - Date.now() <= 0) return false;
    await settledBy([new Promise<void>((resolve) => this.waiters.push(resolve))], deadline);
    return Date.now() < deadline;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = true;
      this.pump();
    }, this.delayMs);
    this.timer.unref();
  }

  private kick(): void {
    if (this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      this.pump();
    }).unref();
  }
}

/**
 * Keeps the process up for `ms`, and a little past it: the unref'd timers that end a wait at
 * its deadline must still fire, or the loop empties first and the awaiting code never
 * resumes. Returns the release. The delay is clamped to what setTimeout takes.
 */
export function holdProcess(ms: number): () => void {
  const timer = setTimeout(noop, Math.min(MAX_TIMER_MS, Math.max(0, ms) + KEEP_ALIVE_MARGIN_MS));
  return () => clearTimeout(timer);
}

/** Waits for all `tasks` to settle (true), or until `deadline` (false), whichever is first. */
export async function settledBy(tasks: Promise<unknown>[], deadline: number): Promise<boolean> {
  const stop = new AbortController();
  const settled = await Promise.race([
    Promise.allSettled(tasks).then(() => true),
    sleep(deadline - Date.now(), stop.signal).then(() => false),
  ]);
  stop.abort();
  return settled;
}

function noop(): void {}
