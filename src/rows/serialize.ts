// A row becomes JSON text once, on the app's thread: the queue holds that text (as bytes)
// until it is sent, so nothing is serialized twice.
import { RawJson } from "../convert/raw-json.js";
import type { BraintrustEvent } from "../convert/types.js";
import { errorMessage, log } from "../log.js";

const CONTENT_FIELDS = ["input", "output", "expected", "metadata", "context", "origin", "error"] as const;
/** The fields `toRowEvent` may leave as JSON text. */
const TEXT_FIELDS = ["input", "output", "expected"] as const;

/**
 * One JSON.stringify per row, with JSON text fields (RawJson) appended verbatim, then
 * `members` (JSON text of further fields, `"key":value,…`, none of them in `event`). Values
 * that cannot be serialized (nesting deeper than the stack allows, BigInt from a custom mask)
 * lose only the offending fields, not the row.
 */
export function serializeRow(event: BraintrustEvent, members?: string): string | undefined {
  let text = members === undefined ? "" : `,${members}`;
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
