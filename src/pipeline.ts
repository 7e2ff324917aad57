// The path one span takes on the app's thread: convert → mask → serialize once → enqueue.
// Shared by the span processor and the span exporter; every failure costs only that span.
// Which spans get here, where they go and which parent they name is decided by the caller.
import type { ExporterConfig } from "./config.js";
import { toBraintrustEvent, toRowEvent } from "./convert/index.js";
import { RawJson } from "./convert/raw-json.js";
import type { BraintrustEvent, SpanLike } from "./convert/types.js";
import type { Delivery } from "./delivery/delivery.js";
import { errorMessage, log } from "./log.js";
import { applyMask } from "./mask.js";
import type { Parent } from "./parent.js";
import { toStartRow } from "./start-row.js";

const CONTENT_FIELDS = ["input", "output", "expected", "metadata", "context", "origin", "error"] as const;
/** The fields `toRowEvent` may leave as JSON text. */
const TEXT_FIELDS = ["input", "output", "expected"] as const;

export class RowPipeline {
  private readonly mask: ExporterConfig["mask"];

  constructor(
    config: ExporterConfig,
    private readonly delivery: Delivery,
  ) {
    this.mask = config.mask;
  }

  /**
   * The row of a finished span. `parentId` replaces the span's own parent link (a filtered-out
   * parent); `merge` marks the row as completing a start row. Never throws.
   */
  push(span: SpanLike, destination: Parent, parentId: string | undefined, merge: boolean): void {
    try {
      // A mask must see parsed values; without one, JSON content is written as given.
      const event = this.mask ? toBraintrustEvent(span) : toRowEvent(span);
      if (parentId !== undefined) event.span_parents = [parentId];
      if (merge) event._is_merge = true;
      this.send(event, destination);
    } catch (err) {
      this.failed(span, err);
    }
  }

  /** The partial row of a span that just started (`logSpanStart`). Never throws. */
  pushStart(span: SpanLike, destination: Parent, parentId: string | undefined): void {
    try {
      const event = toStartRow(span);
      if (parentId !== undefined) event.span_parents = [parentId];
      this.send(event, destination);
    } catch (err) {
      this.failed(span, err);
    }
  }

  private send(event: BraintrustEvent, destination: Parent): void {
    const json = serializeRow(this.mask ? applyMask(event, this.mask) : event);
    if (json === undefined) this.delivery.drop("invalid");
    else this.delivery.enqueue(destination, json);
  }

  private failed(span: SpanLike, err: unknown): void {
    this.delivery.drop("invalid");
    log("warn", "convert-failed", `span ${safeName(span)} could not be converted and was dropped: ${errorMessage(err)}`);
  }
}

/**
 * One JSON.stringify per row, with JSON text fields (RawJson) appended verbatim. Values that
 * cannot be serialized (nesting deeper than the stack allows, BigInt from a custom mask) lose
 * only the offending fields, not the row.
 */
export function serializeRow(event: BraintrustEvent): string | undefined {
  let text = "";
  for (const field of TEXT_FIELDS) {
    const value = event[field];
    if (!(value instanceof RawJson)) continue;
    text += `,"${field}":${value.text}`;
    event[field] = undefined;
  }
  const json = stringifyRow(event);
  if (json === undefined || text === "") return json;
  return json === "{}" ? `{${text.slice(1)}}` : json.slice(0, -1) + text + "}";
}

function stringifyRow(event: BraintrustEvent): string | undefined {
  try {
    return JSON.stringify(event);
  } catch (err) {
    const reason = errorMessage(err);
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
