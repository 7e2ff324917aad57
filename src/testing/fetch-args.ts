// The inputs of `…/fetch`, from the GET form's query or the POST form's body, checked
// the way the API checks them. What this server cannot do (`version`, filters other
// than `path_lookup`) is refused with 400 rather than silently ignored.

/** What to read, every input checked. */
export interface FetchQuery {
  /** Traces per page. */
  limit?: number;
  /** From a cursor this server issued: traces whose newest row is older than this. */
  before?: number;
  /** The deprecated `max_xact_id` / `max_root_span_id`: only rows below this pair count. */
  below?: { xact: number; rootSpanId: string | undefined };
  /** `path_lookup` filters: rows whose value at `path` equals `value`. */
  filters?: { path: string[]; value: unknown }[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const UNSUPPORTED = (what: string) => `${what} is not supported by the local server`;
/** A problem with the request, said as what follows "Invalid request: ". */
type Problem = string;

/** The checked query, or the problem to answer 400 with. */
export function fetchQuery(method: string, query: URLSearchParams, body: unknown): FetchQuery | Problem {
  if (method === "POST" && body !== undefined && !isObject(body)) return "body must be a JSON object";
  const args: Record<string, unknown> = method === "POST" ? ((body ?? {}) as Record<string, unknown>) : Object.fromEntries(query);
  const given = (name: string) => args[name] !== undefined && args[name] !== null;
  const out: FetchQuery = {};

  if (given("version")) return UNSUPPORTED("version (a snapshot at an earlier transaction)");
  if (given("limit")) {
    const limit = Number(args.limit);
    if (!(Number.isInteger(limit) && limit > 0) || (method === "POST" && typeof args.limit !== "number")) {
      return "limit: must be a positive integer";
    }
    out.limit = limit;
  }
  if (given("cursor")) {
    const before = typeof args.cursor === "string" ? decodeCursor(args.cursor) : undefined;
    if (before === undefined) return "cursor: not a cursor this server issued";
    out.before = before;
  }
  if (given("max_xact_id") || given("max_root_span_id")) {
    if (out.before !== undefined) return "pass either cursor or max_xact_id/max_root_span_id, not both";
    if (!given("max_xact_id")) return "max_root_span_id: needs max_xact_id";
    if (typeof args.max_xact_id !== "string" || !/^\d+$/.test(args.max_xact_id)) return "max_xact_id: must be a transaction id";
    if (given("max_root_span_id") && typeof args.max_root_span_id !== "string") return "max_root_span_id: must be a string";
    out.below = { xact: Number(args.max_xact_id), rootSpanId: given("max_root_span_id") ? (args.max_root_span_id as string) : undefined };
  }
  if (given("filters")) {
    const filters = parseFilters(args.filters);
    if (typeof filters === "string") return filters;
    out.filters = filters;
  }
  return out;
}

function parseFilters(value: unknown): NonNullable<FetchQuery["filters"]> | Problem {
  if (!Array.isArray(value)) return "filters: must be an array";
  const filters: NonNullable<FetchQuery["filters"]> = [];
  for (const [i, f] of value.entries()) {
    if (!isObject(f)) return `filters/${i}: must be an object`;
    if (f.type !== "path_lookup") return `${UNSUPPORTED(`filters/${i}/type ${JSON.stringify(f.type)}`)} (only "path_lookup" is)`;
    if (!Array.isArray(f.path) || f.path.length === 0 || !f.path.every((p) => typeof p === "string")) {
      return `filters/${i}/path: must be a non-empty array of strings`;
    }
    filters.push({ path: f.path as string[], value: f.value });
  }
  return filters;
}

export function encodeCursor(newest: number): string {
  return Buffer.from(JSON.stringify({ before: newest })).toString("base64url");
}

/** The position a cursor stands for, or undefined for anything this server did not issue. */
function decodeCursor(cursor: string): number | undefined {
  try {
    const { before } = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { before?: unknown };
    if (typeof before === "number" && Number.isFinite(before)) return before;
  } catch {
    // the same answer as a well-formed but foreign cursor
  }
  return undefined;
}
