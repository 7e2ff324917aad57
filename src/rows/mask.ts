// The user's `mask` runs on each mapped row before it is serialized, whatever convention
// the data came from. It may rewrite any content; the row's identity and tree links are
// restored afterwards so a mask cannot detach a row. If it throws or returns something
// that is not a row, the content fields are replaced: raw data never leaves the process.
import type { BraintrustEvent } from "../convert/types.js";
import { isThenable, settleQuietly } from "../config/callbacks.js";
import { errorMessage, log } from "../log.js";

export const MASK_FAILED = "[masked: mask function failed]";

type Mask = (event: BraintrustEvent) => BraintrustEvent;

/** Fields that may carry user data and are replaced when the mask fails. */
const CONTENT = ["input", "output", "expected", "error"] as const;

export function applyMask(event: BraintrustEvent, mask: Mask): BraintrustEvent {
  const original = { ...event };
  let masked: unknown;
  try {
    masked = mask(event);
  } catch (err) {
    return failed(original, `threw: ${errorMessage(err)}`);
  }
  if (isThenable(masked)) {
    // Fails closed: whatever the promise resolves to comes after the row has left.
    settleQuietly(masked);
    log("error", "mask-async", `the mask function returned a promise: it must be synchronous (return the event, not a promise of it); rows are sent with their input, output, expected, error and metadata replaced with ${JSON.stringify(MASK_FAILED)}`);
    return withContentReplaced(original);
  }
  if (typeof masked !== "object" || masked === null || Array.isArray(masked)) {
    return failed(original, `returned ${masked === null ? "null" : Array.isArray(masked) ? "an array" : typeof masked} instead of the event`);
  }
  const out = masked as BraintrustEvent;
  out.id = original.id;
  out.span_id = original.span_id;
  out.root_span_id = original.root_span_id;
  out.created = original.created;
  if (original.span_parents === undefined) delete out.span_parents;
  else out.span_parents = original.span_parents;
  if (original._is_merge === undefined) delete out._is_merge;
  else out._is_merge = original._is_merge;
  if (typeof out.metrics !== "object" || out.metrics === null) out.metrics = original.metrics;
  if (typeof out.span_attributes !== "object" || out.span_attributes === null) out.span_attributes = original.span_attributes;
  return out;
}

function failed(original: BraintrustEvent, why: string): BraintrustEvent {
  log("warn", "mask-failed", `the mask function ${why}; the row's input, output, expected, error and metadata were replaced with ${JSON.stringify(MASK_FAILED)}`);
  return withContentReplaced(original);
}

function withContentReplaced(original: BraintrustEvent): BraintrustEvent {
  const out: BraintrustEvent = { ...original };
  for (const field of CONTENT) {
    if (out[field] !== undefined) out[field] = MASK_FAILED;
  }
  // metadata must stay an object on the wire.
  if (out.metadata !== undefined) out.metadata = { masked: MASK_FAILED };
  return out;
}
