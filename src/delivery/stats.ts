// The delivery's counters. Every row ends in exactly one of them: sent, or one dropped reason;
// `truncated` says how many of the sent rows had content cut to fit.

export type DropReason = "queueFull" | "tooLarge" | "rejected" | "shutdown" | "invalid" | "unresolved" | "timeout";

export interface DeliveryStats {
  /** Rows waiting for a send to start, and their UTF-8 bytes. */
  queued: number;
  queuedBytes: number;
  /** Rows the API acknowledged. */
  sent: number;
  /** Of `sent`, rows that arrived with their largest content cut to fit a request ("[truncated …]" markers). */
  truncated: number;
  /** Insert requests sent again after a retryable failure. */
  retried: number;
  /** Rows lost, by reason; a row is in exactly one of these, or in `sent`. */
  dropped: Record<DropReason, number>;
  /** Why rows are not getting through, when something is known to be wrong (no log prefix). */
  lastError: string | undefined;
}

/** What one flush achieved: rows delivered and dropped between its start and end, and rows still queued. */
export interface FlushResult {
  sent: number;
  dropped: number;
  pending: number;
}

export class Counters {
  sent = 0;
  truncated = 0;
  retried = 0;
  lastError: string | undefined;
  readonly dropped: Record<DropReason, number> = {
    queueFull: 0, tooLarge: 0, rejected: 0, shutdown: 0, invalid: 0, unresolved: 0, timeout: 0,
  };

  drop(reason: DropReason, count = 1): void {
    if (!(count > 0) || !Object.hasOwn(this.dropped, reason)) return;
    this.dropped[reason] += count;
  }

  /** Rows dropped so far, whatever the reason. */
  get lost(): number {
    let total = 0;
    for (const count of Object.values(this.dropped)) total += count;
    return total;
  }

  snapshot(queued: number, queuedBytes: number): DeliveryStats {
    return {
      queued,
      queuedBytes,
      sent: this.sent,
      truncated: this.truncated,
      retried: this.retried,
      dropped: { ...this.dropped },
      lastError: this.lastError,
    };
  }
}
