// Makes one oversized row fit a byte cap by replacing its biggest content with a visible
// marker, so the span (ids, timing, type, metrics) still arrives and the reader sees what
// was cut. Rare path: it may parse and re-serialize.

import type { RowRepair } from "./row-repair.js";

// Content fields (input, output, expected, error, unknown extras) are replaced whole by a
// marker string. The API requires these to be objects, so their values go first, then the object:
const OBJECT_FIELDS = new Set(["metadata", "context"]);
// Identity, linking and typed fields: a marker string would make the row invalid or orphaned.
const KEPT_FIELDS = new Set([
  "id",
  "span_id",
  "root_span_id",
  "span_parents",
  "created",
  "metrics",
  "scores",
  "tags",
  "span_attributes",
  "_is_merge",
  "_merge_paths",
  "_object_delete",
]);

const MARKER_MAX = '"[truncated 999.9 MB]"'.length;

export function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Decimal units, one decimal: 8_200_000 → "8.2 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function truncationMarker(bytes: number): string {
  return `[truncated ${formatBytes(bytes)}]`;
}

interface Slot {
  holder: Record<string, unknown>;
  key: string;
  bytes: number;
}

/**
 * Returns `json` rewritten to at most `maxBytes` UTF-8 bytes, the largest content replaced
 * by `"[truncated 8.2 MB]"` markers first; `json` itself when it already fits; undefined when
 * it is not a JSON object or cannot fit even with all content removed. A row that is not JSON
 * because of text written into it verbatim is repaired first (isolate.ts), when `repair` is given.
 */
export function truncateToFit(json: string, maxBytes: number, repair?: RowRepair): string | undefined {
  let size = byteLength(json);
  if (size <= maxBytes) return json;
  const parsed = parseRow(json) ?? (repair && parseRow(repair(json)?.row));
  if (!isObject(parsed)) return undefined;
  const row = parsed;
  const replaced = new WeakSet<object>();
  const largestObject = (r: Record<string, unknown>) => largestObjectIn(r, replaced);
  // First values (fields, and entries of metadata/context), then whole metadata/context objects.
  for (const pick of [largestValue, largestObject]) {
    for (let slot = pick(row); slot && size > maxBytes; slot = pick(row)) {
      const marker = truncationMarker(slot.bytes);
      if (OBJECT_FIELDS.has(slot.key) && slot.holder === row) {
        const stub = { truncated: marker };
        replaced.add(stub);
        slot.holder[slot.key] = stub;
      } else {
        slot.holder[slot.key] = marker;
      }
      const out = JSON.stringify(row);
      size = byteLength(out);
      if (size <= maxBytes) return out;
    }
  }
  return undefined;
}

function parseRow(json: string | undefined): unknown {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

function largestValue(row: Record<string, unknown>): Slot | undefined {
  let best: Slot | undefined;
  const consider = (holder: Record<string, unknown>, key: string) => {
    const bytes = sizeOf(holder[key]);
    if (bytes > MARKER_MAX && (!best || bytes > best.bytes)) best = { holder, key, bytes };
  };
  for (const key of Object.keys(row)) {
    if (KEPT_FIELDS.has(key)) continue;
    const value = row[key];
    if (OBJECT_FIELDS.has(key) && isObject(value)) {
      for (const inner of Object.keys(value)) consider(value, inner);
    } else {
      consider(row, key);
    }
  }
  return best;
}

function largestObjectIn(row: Record<string, unknown>, replaced: WeakSet<object>): Slot | undefined {
  let best: Slot | undefined;
  for (const key of OBJECT_FIELDS) {
    const value = row[key];
    if (!isObject(value) || replaced.has(value)) continue;
    const bytes = sizeOf(value);
    if (!best || bytes > best.bytes) best = { holder: row, key, bytes };
  }
  return best;
}

function sizeOf(value: unknown): number {
  if (value === undefined) return 0;
  return byteLength(JSON.stringify(value) ?? "");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
