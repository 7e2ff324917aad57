// One flush: it waits for the rows queued before it (and those held for their uploads, which
// join the queue first), sends them with partial batches, and reports what it achieved by its
// deadline. `pending` counts only its own rows: those queued before it and still queued or
// held, plus (when it ran out of time) the rows in flight. Rows other callers queued
// meanwhile are theirs, so overlapping exports do not fail each other.
import type { AttachmentUploads } from "./attachments.js";
import { type Destinations, unflushed } from "./destinations.js";
import type { InFlight } from "./in-flight.js";
import type { Schedule } from "./schedule.js";
import type { Counters, FlushResult } from "./stats.js";

export interface FlushParts {
  readonly counters: Counters;
  readonly destinations: Destinations;
  readonly schedule: Schedule;
  readonly inflight: InFlight;
  readonly attachments: AttachmentUploads | undefined;
  /** Starts the sends that may start. */
  readonly pump: () => void;
}

/** Flushes until `deadline`. */
export async function flushUntil(parts: FlushParts, deadline: number): Promise<FlushResult> {
  const { counters, destinations, schedule, inflight, attachments } = parts;
  const sent = counters.sent;
  const lost = counters.lost;
  // Rows waiting for their attachments join the queue first; the rest of the time sends them.
  const held = attachments?.heldRows ?? 0;
  const uploaded = held === 0 || (await attachments!.settled(uploadsDeadline(deadline)));
  const marks = destinations.marks();
  const end = schedule.flushStarted(deadline);
  let timedOut = false;
  try {
    parts.pump();
    while (!timedOut && unflushed(marks) > 0) timedOut = !(await schedule.progress(deadline));
    if (!timedOut) timedOut = !(await inflight.settled(deadline));
  } finally {
    end();
  }
  // Of the rows held at the start, those still waiting for their uploads.
  const stillHeld = uploaded ? 0 : Math.min(held, attachments?.heldRows ?? 0);
  const pending = unflushed(marks) + stillHeld + (timedOut ? inflight.rows : 0);
  return { sent: counters.sent - sent, dropped: counters.lost - lost, pending };
}

/** Uploads get two thirds of a flush's time: the rows that waited for them still have to be sent. */
export function uploadsDeadline(deadline: number): number {
  const now = Date.now();
  return now + Math.max(0, Math.floor(((deadline - now) * 2) / 3));
}
