// User callbacks (mask, customFilter) run synchronously inside the exporter. One declared
// `async` returns a promise instead of its answer: the answer comes too late to use, and a
// rejection nobody handles would kill the app (Node >= 15 exits on unhandledRejection).

/** True when `value` is a promise or any other thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** Handles whatever the thenable settles to, so its rejection is never unhandled. */
export function settleQuietly(value: PromiseLike<unknown>): void {
  try {
    value.then(undefined, () => {});
  } catch {
    // a thenable whose `then` throws has nothing left to reject
  }
}
