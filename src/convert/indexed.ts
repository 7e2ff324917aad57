// Indexed attribute forms (`prefix.0.role`, `prefix.0.tool_calls.1.name`, …), which
// conventions use because OTel attributes cannot hold objects, rebuilt as arrays of records.
import { type Draft, hasPrefix, setOwn } from "./mapper.js";
import type { Attributes } from "./types.js";

/** Arrays get at most this many elements, so a hostile index cannot allocate much. */
const MAX_INDEX = 10_000;
/** Records nest at most this deep, so a key with thousands of dots cannot exhaust the stack. */
const MAX_DEPTH = 16;

interface Node {
  value?: unknown;
  children?: Map<string, Node>;
}

/**
 * Sorts attribute keys into the given prefixes in one pass (the first matching prefix wins),
 * so a mapper looking for several indexed families scans the keys once.
 */
export function keysByPrefix(draft: Draft, prefixes: readonly string[]): Array<string[] | undefined> {
  const groups: Array<string[] | undefined> = new Array(prefixes.length);
  const keys = draft.keys;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    for (let i = 0; i < prefixes.length; i++) {
      if (!hasPrefix(key, prefixes[i]!)) continue;
      (groups[i] ??= []).push(key);
      break;
    }
  }
  return groups;
}

/**
 * Rebuilds `prefix.0.role`, `prefix.0.tool_calls.1.name`, … (from `keys`, all under `prefix`)
 * into an array ordered by index. Returns the keys used, to claim, or undefined when none is
 * indexed.
 */
export function rebuildIndexed(attrs: Attributes, keys: readonly string[] | undefined, prefix: string): { value: unknown[]; keys: string[] } | undefined {
  if (!keys) return undefined;
  let root: Node | undefined;
  let used: string[] | undefined;
  for (const key of keys) {
    const path = pathOf(key.slice(prefix.length));
    if (!isIndex(path[0]!)) continue;
    root ??= {};
    (used ??= []).push(key);
    insert(root, path, attrs[key]);
  }
  if (!root || !used) return undefined;
  const value = build(root);
  return { value: Array.isArray(value) ? value : [value], keys: used };
}

/** Dot-separated segments, at most MAX_DEPTH of them (the rest stays one segment), so nesting is bounded. */
function pathOf(rest: string): string[] {
  const path = rest.split(".");
  if (path.length <= MAX_DEPTH) return path;
  return [...path.slice(0, MAX_DEPTH - 1), path.slice(MAX_DEPTH - 1).join(".")];
}

function isIndex(segment: string): boolean {
  if (segment === "" || segment.length > 5) return false;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return Number(segment) < MAX_INDEX;
}

function insert(root: Node, path: string[], value: unknown): void {
  let node = root;
  for (const segment of path) {
    node.children ??= new Map();
    let next = node.children.get(segment);
    if (!next) node.children.set(segment, (next = {}));
    node = next;
  }
  node.value = value;
}

function build(node: Node): unknown {
  const children = node.children;
  if (!children || children.size === 0) return node.value;
  let allIndexes = true;
  for (const key of children.keys()) if (!isIndex(key)) allIndexes = false;
  if (allIndexes) {
    return [...children.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([, child]) => build(child));
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of children) setOwn(out, key, build(child));
  return out;
}
