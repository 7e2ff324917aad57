// The API's object lists (`GET /v1/project`, `GET /v1/experiment`): newest first,
// `ids` to pick some, `limit`, and `starting_after` / `ending_before` naming the id
// at the edge of the previous page, which is what the official client's
// auto-pagination sends until a page comes back empty.

/** The page to answer, or a problem for a 400 ("Invalid request: …"). */
export function listPage<T extends { id: string }>(
  items: readonly T[],
  query: URLSearchParams,
  defaultLimit?: number,
): { objects: T[] } | string {
  const ids = query.getAll("ids");
  let chosen = ids.length > 0 ? items.filter((item) => ids.includes(item.id)) : [...items];

  const after = query.get("starting_after");
  const before = query.get("ending_before");
  if (after !== null && before !== null) return "pass only one of starting_after and ending_before";

  let limit = defaultLimit;
  const rawLimit = query.get("limit");
  if (rawLimit !== null && rawLimit !== "") {
    limit = Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 0) return "limit: must be an integer >= 0";
  }

  if (after !== null) {
    const at = chosen.findIndex((item) => item.id === after);
    if (at < 0) return `starting_after: no object with id ${after} in this list`;
    chosen = chosen.slice(at + 1);
  }
  if (before !== null) {
    const at = chosen.findIndex((item) => item.id === before);
    if (at < 0) return `ending_before: no object with id ${before} in this list`;
    // The page just before that id: the `limit` items closest to it.
    chosen = chosen.slice(limit === undefined ? 0 : Math.max(0, at - limit), at);
    return { objects: chosen };
  }
  return { objects: limit === undefined ? chosen : chosen.slice(0, limit) };
}
