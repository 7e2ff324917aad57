// The path one finished span takes on the app's thread: convert → serialize once → enqueue.
// Shared by the span processor and the span exporter; every failure costs only that span.
import type { ExporterConfig } from "./config.js";
import { toBraintrustEvent } from "./convert/index.js";
import type { BraintrustEvent, SpanLike } from "./convert/types.js";
import type { Delivery } from "./delivery/delivery.js";
import { log } from "./log.js";
import { type Parent, parseParent } from "./parent.js";

const CONTENT_FIELDS = ["input", "output", "expected", "metadata", "context", "origin", "error"] as const;

export class RowPipeline {
  constructor(
    private readonly config: ExporterConfig,
    private readonly delivery: Delivery,
  ) {}

  /** Never throws: a span that cannot be converted is counted as dropped and reported. */
  push(span: SpanLike): void {
    try {
      const event = toBraintrustEvent(span);
      const json = serializeRow(event);
      if (json === undefined) {
        this.delivery.drop("invalid");
        return;
      }
      this.delivery.enqueue(this.destinationOf(span), json);
    } catch (err) {
      this.delivery.drop("invalid");
      log("warn", "convert-failed", `span ${safeName(span)} could not be converted and was dropped: ${describe(err)}`);
    }
  }

  private destinationOf(span: SpanLike): Parent {
    const own = span.attributes?.["braintrust.parent"];
    if (own === undefined) return this.config.parent;
    const parsed = parseParent(own);
    if (parsed) return parsed;
    log("warn", "bad-parent", `braintrust.parent ${JSON.stringify(own)} is not project_name:X, project_id:X or experiment_id:X; using the default destination`);
    return this.config.parent;
  }
}

/**
 * One JSON.stringify per row. Values that cannot be serialized (nesting deeper than the
 * stack allows, BigInt from a custom mask) lose only the offending fields, not the row.
 */
export function serializeRow(event: BraintrustEvent): string | undefined {
  try {
    return JSON.stringify(event);
  } catch (err) {
    const reason = describe(err);
    const fallback: Record<string, unknown> = { ...event };
    for (const field of CONTENT_FIELDS) {
      if (fallback[field] === undefined) continue;
      try {
        JSON.stringify(fallback[field]);
      } catch {
        fallback[field] = `[unserializable: ${reason}]`;
      }
    }
    log("warn", "unserializable", `span "${event.span_attributes?.name}" has a field that cannot be serialized (${reason}); it was replaced with a marker`);
    try {
      return JSON.stringify(fallback);
    } catch {
      return undefined;
    }
  }
}

function safeName(span: SpanLike): string {
  try {
    return JSON.stringify(String(span.name));
  } catch {
    return "(unnamed)";
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
