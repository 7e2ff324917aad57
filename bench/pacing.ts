// Work offered at a steady rate, as a server under load ends it: a few items per event-loop
// turn, the loop yielding between turns and sleeping whenever it is ahead of the clock.
// Shared by the slow-API scenarios (spans through the SDK, and rows straight to the delivery).
import { request } from "node:http";
import { performance } from "node:perf_hooks";
import { setImmediate as yieldToLoop } from "node:timers/promises";

const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `emit(first, count)` for `rate` items per second over `durationMs`, at most `perTurn`
 * items per turn; returns how many were offered.
 */
export async function offerAt(rate: number, durationMs: number, perTurn: number, emit: (first: number, count: number) => void): Promise<number> {
  const t0 = performance.now();
  let sent = 0;
  for (;;) {
    const elapsed = performance.now() - t0;
    if (elapsed >= durationMs) break;
    const due = Math.floor((elapsed * rate) / 1000);
    if (sent >= due) {
      await sleepMs(1);
      continue;
    }
    const n = Math.min(perTurn, due - sent);
    emit(sent, n);
    sent += n;
    await yieldToLoop();
  }
  return sent;
}

/** Tells the sink to answer inserts (and OTLP) after `ms` from now on. */
export async function setSinkDelay(sink: string, ms: number): Promise<void> {
  await askSink(sink, `/_bench/delay?ms=${ms}`);
}

/** Rows the sink has counted so far (bodies of the last few ms may not be counted yet). */
export async function sinkRows(sink: string): Promise<number> {
  return (JSON.parse(await askSink(sink, "/_bench/rows")) as { rows: number }).rows;
}

function askSink(sink: string, path: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    request(`${sink}${path}`, { method: "POST" }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve(text));
    }).on("error", reject).end();
  });
}
