// The path one span takes on the app's thread: convert → media → mask → serialize once → enqueue.
// Shared by the span processor and the span exporter; every failure costs only that span.
// Which spans get here, where they go and which parent they name is decided before
// (spans/judge.ts), and handed over as a RowOrder.
import type { ExporterConfig } from "../config/config.js";
import type { Parent } from "../config/parent.js";
import { toBraintrustEvent, toRowEvent } from "../convert/index.js";
import { quotedName } from "../convert/span.js";
import type { BraintrustEvent, SpanLike } from "../convert/types.js";
import type { DeliveryPort } from "../delivery/port.js";
import { errorMessage, log } from "../log.js";
import { RawJson } from "../convert/raw-json.js";
import type { RowMedia } from "../delivery/attachments.js";
import { applyMask } from "./mask.js";
import { mayHoldMedia, replaceMedia, valueMayHoldMedia } from "./media.js";
import { OriginTexts, addSpanOrigin } from "./origin.js";
import { serializeRow } from "./serialize.js";
import { toStartRow } from "./start-row.js";

/** What to write for one span: its row, where it goes, and the parent it names. */
export interface RowOrder {
  readonly span: SpanLike;
  readonly destination: Parent;
  /**
   * Replaces the span's own parent link: the id of its nearest kept ancestor, or null for
   * none (a top-level span of its trace). Undefined keeps the span's own parent.
   */
  readonly parentId: string | null | undefined;
  /** The row completes a start row (`logSpanStart`). */
  readonly merge: boolean;
}

/** The parent link of a row sent earlier without one (see spans/judge.ts). */
export interface LinkOrder {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string;
  readonly destination: Parent;
}

export class RowPipeline {
  private readonly mask: ExporterConfig["mask"];
  private readonly environment: ExporterConfig["environment"];
  private readonly origins: OriginTexts;

  constructor(
    config: ExporterConfig,
    private readonly delivery: DeliveryPort,
  ) {
    this.mask = config.mask;
    this.environment = config.environment;
    this.origins = new OriginTexts(config.environment);
  }

  /** The row of a finished span, queued. Never throws. */
  push(order: RowOrder): void {
    const json = this.row(order);
    if (json !== undefined) this.delivery.enqueue(order.destination, json);
  }

  /**
   * The row of a finished span, serialized, for the caller to hand to the delivery itself
   * (the exporter waits for room when the queue is full); undefined when it could not be
   * built, which is counted, or when it waits for its attachments, and the uploads queue it
   * once they are stored. Never throws.
   */
  row({ span, parentId, merge, destination }: RowOrder): string | undefined {
    try {
      // A mask must see parsed values; without one, JSON content is written as given.
      const event = this.mask ? toBraintrustEvent(span) : toRowEvent(span);
      setParent(event, parentId);
      if (merge) event._is_merge = true;
      const media = this.media(event, destination);
      const json = this.serialize(event, span);
      if (media === undefined || json === undefined) return json;
      this.delivery.attachments!.send(media, json);
      return undefined;
    } catch (err) {
      this.failed(span, err);
      return undefined;
    }
  }

  /** The partial row of a span that just started (`logSpanStart`). Never throws. */
  pushStart({ span, destination, parentId }: RowOrder): void {
    try {
      const event = toStartRow(span);
      setParent(event, parentId);
      this.send(event, span, destination);
    } catch (err) {
      this.failed(span, err);
    }
  }

  /** Sets the parent of a row sent earlier without one (a merge that touches nothing else). */
  pushLink({ traceId, spanId, parentId, destination }: LinkOrder): void {
    const json = JSON.stringify({ id: spanId, span_id: spanId, root_span_id: traceId, span_parents: [parentId], _is_merge: true });
    this.delivery.enqueue(destination, json);
  }

  /**
   * Replaces the media in the row's messages by attachment references (before the mask, which
   * sees the references); undefined when there was none to upload. A row without media pays
   * one scan of its text for a base64 run long enough to be worth an attachment.
   */
  private media(event: BraintrustEvent, destination: Parent): RowMedia | undefined {
    const uploads = this.delivery.attachments;
    if (!uploads) return undefined;
    const minChars = uploads.minChars;
    let row: RowMedia | undefined;
    for (const field of MEDIA_FIELDS) {
      const value = event[field];
      if (value === undefined) continue;
      let parsed: unknown = value;
      if (value instanceof RawJson) {
        if (!mayHoldMedia(value.text, minChars)) continue;
        try {
          parsed = JSON.parse(value.text);
        } catch {
          continue; // not JSON after all: delivery's row repair sends it as text
        }
      } else if (!valueMayHoldMedia(value, minChars)) {
        continue;
      }
      row ??= uploads.forRow(destination);
      const replaced = replaceMedia(parsed, row.place);
      if (replaced !== parsed) event[field] = replaced;
    }
    return row;
  }

  private send(event: BraintrustEvent, span: SpanLike, destination: Parent): void {
    const json = this.serialize(event, span);
    if (json !== undefined) this.delivery.enqueue(destination, json);
  }

  /** Mask, span origin, one JSON string; undefined (counted) when it cannot be serialized. */
  private serialize(event: BraintrustEvent, span: SpanLike): string | undefined {
    const row = this.mask ? applyMask(event, this.mask) : event;
    // After the mask: provenance is ours to state, not content to rewrite. A row without a
    // context of its own gets the origin's text, made once per scope, spliced in.
    let json: string | undefined;
    if (row.context === undefined) {
      json = serializeRow(row, this.origins.contextOf(span));
    } else {
      addSpanOrigin(row, span, this.environment);
      json = serializeRow(row);
    }
    if (json === undefined) this.delivery.drop("invalid");
    return json;
  }

  private failed(span: SpanLike, err: unknown): void {
    this.delivery.drop("invalid");
    log("warn", "convert-failed", `span ${quotedName(span)} could not be converted and was dropped: ${errorMessage(err)}`);
  }
}

/** The fields that hold messages. */
const MEDIA_FIELDS = ["input", "output", "expected"] as const;

function setParent(event: BraintrustEvent, parentId: string | null | undefined): void {
  if (parentId === null) delete event.span_parents;
  else if (parentId !== undefined) event.span_parents = [parentId];
}

