// Where rows go: each destination (a project or experiment) with its lane of the queue, its
// insert path once looked up, and its state. One registry holds them in two orders: least
// recently used first, so that names that come and go (a `braintrust.parent` per tenant,
// per user) are forgotten past MAX_DESTINATIONS instead of growing memory without bound;
// and a ring served round-robin, so that one busy project cannot starve another. It also
// owns what ends a destination: one that fails (an unknown project, no access) drops its
// rows, and a rejected key fails them all; either is said once, with how rows are counted.
import type { Parent } from "../config/parent.js";
import { counted, log, note, redact, warnOnce } from "../log.js";
import type { Batcher } from "./batch.js";
import type { Verdict } from "./classify.js";
import type { Resolution } from "./destination.js";
import type { ByteBoundedQueue, Lane } from "./queue.js";
import type { ReadyGate } from "./ready.js";
import type { Counters, DropReason } from "./stats.js";

export interface Destination {
  readonly parent: Parent;
  readonly lane: Lane;
  /** Known once the lookup answered; rows wait in the lane until then. */
  insertPath: string | undefined;
  /** Why no row can go there (unknown project, no access); its rows are dropped at once. */
  failed: string | undefined;
  /** Batches of its rows in flight: it is not evicted meanwhile. */
  sending: number;
}

/** Destinations kept at once; each costs a lane, a lookup and bookkeeping while it is kept. */
export const MAX_DESTINATIONS = 1000;

interface Entry extends Destination {
  /** Its place in the ring. */
  slot: number;
}

export interface DestinationsOptions {
  readonly queue: ByteBoundedQueue;
  readonly batches: Batcher;
  readonly counters: Counters;
  /** `ready()`: the default destination's fate. */
  readonly gate: ReadyGate;
  /** The default destination's key: never evicted. */
  readonly defaultKey: string;
  /** A destination was made: look it up. */
  readonly lookup: (parent: Parent) => void;
  /** A destination was evicted: forget its lookup. */
  readonly forget: (parent: Parent) => void;
  /** Rows left the queue: whoever waits for room or a flush looks again. */
  readonly changed: () => void;
}

export class Destinations {
  /** Least recently used first (a Map keeps insertion order). */
  private readonly byKey = new Map<string, Entry>();
  private readonly ring: Entry[] = [];
  private turn = 0;
  /** The destination rows last came for: using it again moves nothing. */
  private recent: Entry | undefined;
  /** The key was rejected: no destination takes rows, so nothing waits. */
  private rejected: { message: string; reason: DropReason } | undefined;
  private readonly queue: ByteBoundedQueue;
  private readonly batches: Batcher;

  constructor(private readonly options: DestinationsOptions) {
    this.queue = options.queue;
    this.batches = options.batches;
  }

  /** Why no row can be sent at all (a rejected key), and how such rows are counted. */
  get fatal(): { readonly message: string; readonly reason: DropReason } | undefined {
    return this.rejected;
  }

  get(key: string): Destination | undefined {
    return this.byKey.get(key);
  }

  /** The destination for `parent`, made (and looked up) on first use; the most recently used from now on. */
  use(parent: Parent): Destination {
    const known = this.byKey.get(parent.key);
    if (known === this.recent && known) return known;
    if (known) {
      this.byKey.delete(parent.key);
      this.byKey.set(parent.key, known);
      this.recent = known;
      return known;
    }
    if (this.byKey.size >= MAX_DESTINATIONS) this.evict();
    const entry: Entry = { parent, lane: this.queue.lane(parent.key), insertPath: undefined, failed: undefined, sending: 0, slot: this.ring.length };
    this.byKey.set(parent.key, entry);
    this.ring.push(entry);
    this.recent = entry;
    this.options.lookup(parent);
    return entry;
  }

  /**
   * A lookup's answer for `parent` (a destination forgotten since hears nothing): true when
   * its rows may be sent now.
   */
  resolved(parent: Parent, r: Resolution): boolean {
    const dest = this.byKey.get(parent.key);
    if (!dest) return false;
    const isDefault = parent.key === this.options.defaultKey;
    if (r.ok) {
      dest.insertPath = r.insertPath;
      if (isDefault) this.options.gate.succeeded();
      return true;
    }
    if (r.stopped) {
      dest.failed = r.message; // shutdown counts the rows still queued
      if (isDefault) this.options.gate.failed(r.message);
    } else if (r.keyRejected) {
      this.rejectKey(r.message, "unresolved");
    } else {
      this.fail(dest, r.message);
    }
    return false;
  }

  /**
   * A lookup attempt failed and will be retried. The first that looks like a setup mistake
   * is said even without a diag logger: a wrong URL or proxy must not go unnoticed.
   */
  lookupFailed(parent: Parent, { message, misconfigured }: Verdict): void {
    this.options.counters.lastError = redact(message);
    if (parent.key === this.options.defaultKey) this.options.gate.attemptFailed(message);
    note("debug", `retrying: ${message}`);
    if (misconfigured) warnOnce("unreachable", `${message}; rows wait in the queue while it retries in the background`, "warn");
    else log("warn", "retrying", `${message}; retrying`);
  }

  /** No row can go to `dest` (unknown project, no access): its rows are dropped now, and later ones on arrival. */
  fail(dest: Destination, message: string): void {
    if (dest.failed) return;
    dest.failed = message;
    const count = this.queue.clear(dest.lane);
    this.options.counters.drop("unresolved", count);
    this.options.counters.lastError = redact(message);
    if (dest.parent.key === this.options.defaultKey) this.options.gate.failed(message);
    warnOnce(`unresolved:${dest.parent.key}`, `${message}. No rows for ${dest.parent.key} will be sent: ${droppedAsTheyCome("unresolved", count)}`);
    this.options.changed();
  }

  /** A 401: no destination will take rows with this key, so every queued row is dropped, as `reason`, and nothing waits. */
  rejectKey(message: string, reason: DropReason): void {
    if (this.rejected) return;
    this.rejected = { message, reason };
    const { counters } = this.options;
    counters.drop(reason, this.clearAll());
    counters.lastError = redact(message);
    this.options.gate.failed(message);
    warnOnce("key-rejected", `${message}. No rows will be sent: ${droppedAsTheyCome(reason, counters.dropped[reason])}`);
    this.options.changed();
  }

  /** Whether `dest` may send and holds a full batch (whatever the timer says). */
  hasFullBatch(dest: Destination): boolean {
    return dest.insertPath !== undefined && this.batches.isFull(dest.lane);
  }

  /** Whether some destination holds a full batch it may send. */
  anyFullBatch(): boolean {
    return this.ring.some((dest) => this.hasFullBatch(dest));
  }

  /** Whether some destination holds rows it may send. */
  anyReady(): boolean {
    return this.ring.some((dest) => dest.insertPath !== undefined && dest.lane.length > 0);
  }

  /** The next destination with a batch to send, round-robin; partial batches count when `partial`. */
  next(partial: boolean): Destination | undefined {
    const count = this.ring.length;
    for (let i = 0; i < count; i++) {
      const dest = this.ring[(this.turn + i) % count]!;
      if (dest.insertPath === undefined || dest.lane.length === 0) continue;
      if (partial || this.batches.isFull(dest.lane)) {
        this.turn = (this.turn + i + 1) % count;
        return dest;
      }
    }
    return undefined;
  }

  /** Empties every lane; returns the rows they held. */
  clearAll(): number {
    let count = 0;
    for (const dest of this.ring) count += this.queue.clear(dest.lane);
    return count;
  }

  /** Where a flush waits: each lane, and how many rows it will have let go once the rows queued now are gone. */
  marks(): FlushMarks {
    return this.ring.map((dest) => [dest.lane, dest.lane.taken + dest.lane.length] as const);
  }

  /**
   * Forgets the least recently used destination (never the default one, nor one with rows
   * in flight); its queued rows are what the bound let go.
   */
  private evict(): void {
    let oldest: Entry | undefined;
    for (const dest of this.byKey.values()) {
      if (dest.sending > 0 || dest.parent.key === this.options.defaultKey) continue;
      oldest = dest;
      break;
    }
    if (!oldest) return;
    if (this.recent === oldest) this.recent = undefined;
    this.byKey.delete(oldest.parent.key);
    // Its place goes to the last one: O(1), and round-robin stays fair enough.
    const last = this.ring.pop()!;
    if (last !== oldest) {
      this.ring[oldest.slot] = last;
      last.slot = oldest.slot;
    }
    if (this.ring.length > 0) this.turn %= this.ring.length;
    this.options.forget(oldest.parent);
    const count = this.queue.forget(oldest.lane);
    this.options.counters.drop("queueFull", count);
    log(
      "warn",
      "destination-evicted",
      `more than ${MAX_DESTINATIONS} destinations in use: forgot the least recently used, ${oldest.parent.key}${count > 0 ? `, and dropped its ${count} queued rows` : ""}; rows for it later are sent after a new lookup`,
    );
    this.options.changed();
  }
}

/** Per lane, the count of rows taken from it that a flush waits for. */
export type FlushMarks = readonly (readonly [Lane, number])[];

/** Rows of `marks` still queued. */
export function unflushed(marks: FlushMarks): number {
  let rows = 0;
  for (const [lane, mark] of marks) rows += Math.max(0, mark - lane.taken);
  return rows;
}

/**
 * Said once, while rows may still be on their way (ending spans, rows not yet converted): the
 * figure is what is dropped so far, and the counter is where the rest will show.
 */
function droppedAsTheyCome(reason: DropReason, sofar: number): string {
  return `each row is dropped as it comes and counted in stats().dropped.${reason}${sofar > 0 ? ` (${counted(sofar, "row")} so far)` : ""}`;
}
