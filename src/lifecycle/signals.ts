// SIGTERM and SIGINT under register(): every container deploy sends SIGTERM, and without a
// listener Node dies at once with the queue in memory. Ours flushes within a bounded
// deadline, then lets the process end the way it would have: when the app listens for the
// signal too, ending is the app's call (its listener already ran); otherwise the signal is
// raised again with ours removed, so the default action ends the process with the signal's
// own status. A second signal during the flush is raised again at once.
import { log } from "../log.js";
import { EXIT_FLUSH_MS, flushForExit } from "./exit.js";

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** Installs the listeners; returns a function that removes them. */
export function handleSignals(): () => void {
  let flushing = false;
  const listeners = new Map<NodeJS.Signals, () => void>();
  const remove = () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
    listeners.clear();
  };
  for (const signal of SIGNALS) {
    const listener = () => {
      const appListens = process.listeners(signal).some((l) => l !== listener);
      if (flushing) {
        if (!appListens) reraise(signal, remove);
        return;
      }
      flushing = true;
      void flushForExit(EXIT_FLUSH_MS)
        .catch((err) => log("error", "signal-flush", `flush on ${signal} failed: ${String(err)}`))
        .finally(() => {
          flushing = false;
          // Counted afresh: the app may have removed its listener meanwhile.
          if (!process.listeners(signal).some((l) => l !== listener)) reraise(signal, remove);
        });
    };
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
  return remove;
}

function reraise(signal: NodeJS.Signals, remove: () => void): void {
  remove();
  try {
    process.kill(process.pid, signal);
  } catch {
    process.exit(signal === "SIGINT" ? 130 : 143);
  }
}
