// The delivery's counters. Every row ends in exactly one of them: sent, or one dropped reason.

export type DropReason = "queueFull" | "tooLarge" | "rejected" | "shutdown" | "invalid" | "unresolved" | "timeout";

export interface DeliveryStats {
  queued: number;
  queuedBytes: number;
  /** Rows the API acknowledged. */
  sent: number;
  /** Insert requests sent again after a retryable failure. */
  retried: number;
  /** Rows lost, by reason; `tooLarge` also counts rows delivered with content truncated. */
  dropped: Record<DropReason, number>;
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
  retried = 0;
  /** Rows wholly lost; unlike `dropped.tooLarge`, excludes truncated rows that were still sent. */
  lost = 0;
  lastError: string | undefined;
  readonly dropped: Record<DropReason, number> = {
    queueFull: 0, tooLarge: 0, rejected: 0, shutdown: 0, invalid: 0, unresolved: 0, timeout: 0,
  };

  drop(reason: DropReason, count = 1): void {
    if (!(count > 0) || !Object.hasOwn(this.dropped, reason)) return;
    this.dropped[reason] += count;
    this.lost += count;
  }

  /** A row that had content cut to fit; it is still sent. */
  truncated(count = 1): void {
    this.dropped.tooLarge += count;
  }

  snapshot(queued: number, queuedBytes: number): DeliveryStats {
    return {
      queued,
      queuedBytes,
      sent: this.sent,
      retried: this.retried,
      dropped: { ...this.dropped },
      lastError: this.lastError,
    };
  }
}
