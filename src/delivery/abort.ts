// One 'abort' listener per signal, however many waits share it. Every retry wait and every
// request listens to the same shutdown signal; a listener each would pass Node's limit of
// ten per target at eleven waiting retries and print MaxListenersExceededWarning on the
// application's stderr.
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `wake` once when `signal` aborts; the returned function stops that (call it when done). */
export function whenAborted(signal: AbortSignal, wake: () => void): () => void {
  if (signal.aborted) {
    wake();
    return noop;
  }
  let wakes = waiting.get(signal);
  if (!wakes) {
    const set = new Set<() => void>();
    wakes = set;
    waiting.set(signal, set);
    signal.addEventListener(
      "abort",
      () => {
        waiting.delete(signal);
        for (const fn of set) fn();
        set.clear();
      },
      { once: true },
    );
  }
  const set = wakes;
  set.add(wake);
  return () => set.delete(wake);
}

function noop(): void {}

/** `promise`'s value, or undefined once `signal` aborts (or `promise` rejects), whichever comes first. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  return new Promise((resolve) => {
    const stop = whenAborted(signal, () => resolve(undefined));
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      () => {
        stop();
        resolve(undefined);
      },
    );
  });
}
