// Braintrust's `_is_merge` semantics: objects merge key by key, recursively; any
// other value (arrays included) replaces what was there. `_merge_paths` stops the
// recursion at the listed paths (the value there is replaced whole), and
// `_array_delete` removes given values from array fields afterwards.

type Json = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** `incoming` deep-merged into `existing`; neither argument is modified. */
export function deepMerge(existing: Json, incoming: Json, mergePaths: readonly (readonly string[])[] = []): Json {
  const stops = new Set(mergePaths.map((p) => JSON.stringify(p)));
  const merge = (base: Json, update: Json, path: string[]): Json => {
    const out: Json = { ...base };
    for (const [key, value] of Object.entries(update)) {
      const here = [...path, key];
      const prior = out[key];
      out[key] =
        isPlainObject(prior) && isPlainObject(value) && !stops.has(JSON.stringify(here))
          ? merge(prior, value, here)
          : value;
    }
    return out;
  };
  return merge(existing, incoming, []);
}

/** Removes `remove`'s values (compared as JSON) from the array at `path`, when there is one. */
export function deleteFromArray(row: Json, path: readonly string[], remove: readonly unknown[]): Json {
  if (path.length === 0) return row;
  const [head, ...rest] = path as [string, ...string[]];
  const child = row[head];
  if (rest.length > 0) return isPlainObject(child) ? { ...row, [head]: deleteFromArray(child, rest, remove) } : row;
  if (!Array.isArray(child)) return row;
  const unwanted = new Set(remove.map((v) => JSON.stringify(v)));
  return { ...row, [head]: child.filter((v) => !unwanted.has(JSON.stringify(v))) };
}
