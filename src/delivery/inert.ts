// The delivery of a config that cannot work (no key, a bad option): it sends nothing, counts
// every row it is handed as dropped, and gives the reason wherever one is asked for.
import type { Parent } from "../config/parent.js";
import { redact } from "../log.js";
import type { DeliveryPort } from "./port.js";
import { ReadyGate } from "./ready.js";
import { type DeliveryStats, type DropReason, type FlushResult, Counters } from "./stats.js";

const NOTHING: FlushResult = Object.freeze({ sent: 0, dropped: 0, pending: 0 });

export class InertDelivery implements DeliveryPort {
  readonly attachments = undefined;
  private readonly counters = new Counters();
  private readonly gate = new ReadyGate();

  constructor(reason: string) {
    this.counters.lastError = redact(reason);
    this.gate.failed(this.counters.lastError);
  }

  enqueue(_parent: Parent, _json: string): void {
    this.counters.drop("unresolved");
  }

  offer(_parent: Parent, _json: string): boolean {
    this.counters.drop("unresolved");
    return true;
  }

  async room(_deadline: number): Promise<boolean> {
    return false;
  }

  drop(reason: DropReason, count = 1): void {
    this.counters.drop(reason, count);
  }

  async flush(_withinMs?: number): Promise<FlushResult> {
    return { ...NOTHING };
  }

  async shutdown(): Promise<void> {}

  ready(): Promise<void> {
    return this.gate.wait();
  }

  stats(): DeliveryStats {
    return this.counters.snapshot(0, 0);
  }

  // Nothing is ever queued: every row was counted as dropped when it was handed over.
  undelivered(): number {
    return 0;
  }

  queued(): number {
    return 0;
  }

  abandon(): number {
    return 0;
  }
}
