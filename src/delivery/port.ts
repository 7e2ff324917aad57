// What the rest of the exporter may ask of a delivery: the row pipeline hands it rows, the
// OTel faces flush, close and read it, and the exit hooks ask what is left. The working
// delivery (delivery.ts) and the inert one a config that cannot work gets (inert.ts) both
// implement it, so nothing outside delivery/ knows which it holds.
import type { Parent } from "../config/parent.js";
import type { AttachmentUploads } from "./attachments.js";
import type { DeliveryStats, DropReason, FlushResult } from "./stats.js";

export interface DeliveryPort {
  /** Where the row pipeline hands media found in rows; undefined when nothing is uploaded. */
  readonly attachments: AttachmentUploads | undefined;
  /** Hot path: synchronous, cheap, never throws. `json` is one serialized row. */
  enqueue(parent: Parent, json: string): void;
  /** `enqueue`, except that a row the full queue cannot take now is handed back (false) instead of dropped. */
  offer(parent: Parent, json: string): boolean;
  /** Resolves true once there may be room for an offer; false at `deadline` or when shutting down. */
  room(deadline: number): Promise<boolean>;
  /** Counts rows lost before they reached the queue. */
  drop(reason: DropReason, count?: number): void;
  /** Delivers what was queued before the call, within `withinMs` (at most, and by default, exportTimeoutMillis). Never rejects. */
  flush(withinMs?: number): Promise<FlushResult>;
  /** Flushes once, then closes; later rows count as dropped.shutdown. Never rejects. */
  shutdown(): Promise<void>;
  /** Resolves once the default destination is verified; rejects with the cause and its fix. */
  ready(): Promise<void>;
  stats(): DeliveryStats;
  /** Rows not yet delivered: queued, or in a request still under way. */
  undelivered(): number;
  /** Rows waiting for a send to start. */
  queued(): number;
  /** The process is ending: drops what is still queued (counted as shutdown); returns the rows lost, queued or in flight. */
  abandon(): number;
}
