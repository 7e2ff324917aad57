// What delivery asks of the layer that writes rows when the API refuses one as not JSON: the
// row again, valid (rows/repair.ts), since only that layer knows which parts it wrote verbatim.

export interface RepairedRow {
  /** The row, now valid JSON. */
  row: string;
  /** The fields whose text was not valid JSON, now strings. */
  fields: string[];
  /** The span, as messages name it. */
  span: string;
}

/** Rewrites a row that is not valid JSON into one that is; undefined when it cannot (rows/repair.ts). */
export type RowRepair = (row: string) => RepairedRow | undefined;

/** Whether `text` is valid JSON (rare paths only: it parses the whole text). */
export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
