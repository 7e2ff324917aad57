// CONTRACT (filled in by the delivery module): queue → batch → transport, per destination.
import type { ExporterConfig } from "../config.js";
import type { Parent } from "../parent.js";

export type DropReason = "queueFull" | "tooLarge" | "rejected" | "shutdown" | "invalid" | "unresolved" | "timeout";

export interface DeliveryStats {
  queued: number;
  queuedBytes: number;
  sent: number;
  retried: number;
  dropped: Record<DropReason, number>;
  lastError: string | undefined;
}

/** What one flush achieved: rows delivered and dropped between its start and end, and rows still queued. */
export interface FlushResult {
  sent: number;
  dropped: number;
  pending: number;
}

export declare class Delivery {
  constructor(config: ExporterConfig);
  /** Hot path: must be synchronous, cheap, and never throw. `json` is one serialized event. */
  enqueue(parent: Parent, json: string): void;
  /** Counts rows lost before they reached the queue (conversion failure, after shutdown, …). */
  drop(reason: DropReason, count?: number): void;
  /** Delivers everything queued before the call, bounded by exportTimeoutMillis. Never rejects. */
  flush(): Promise<FlushResult>;
  /** flush once, then close the pool; later enqueues count as dropped.shutdown. Never rejects. */
  shutdown(): Promise<void>;
  /** Resolves once the default destination is known; rejects with a clear message (401, 403, …). */
  ready(): Promise<void>;
  stats(): DeliveryStats;
}
