// Reads a V8 .cpuprofile and lists where the time went: self time per function, and
// total (inclusive) time for the library's own functions. Usable on its own too:
//   npx tsx bench/profile.ts path/to/file.cpuprofile [top]
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const IDLE = new Set(["(idle)", "(program)"]);

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? basename(url.replace(/^file:\/\//, "")) : "";
  return `${functionName || "(anonymous)"}${file ? ` ${file}:${lineNumber + 1}` : ""}`;
}

/** `window`: only samples in [start, end] µs on the monotonic clock count (the measured part of the run). */
export function summarizeProfile(path: string, top = 20, ownFile = "lib.mjs", window?: [number, number]): string {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // A sample's duration is the delta to the next sample.
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  let own = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    if (window && (at < window[0] || at > window[1])) continue;
    const node = byId.get(profile.samples[i]!)!;
    const micros = profile.timeDeltas[i + 1] ?? 0;
    if (IDLE.has(node.callFrame.functionName)) continue;
    busy += micros;
    self.set(label(node), (self.get(label(node)) ?? 0) + micros);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (!n.callFrame.url.endsWith(ownFile)) continue;
      const l = label(n);
      if (!seen.has(l)) {
        seen.add(l);
        total.set(l, (total.get(l) ?? 0) + micros);
      }
    }
    if (seen.size > 0) own += micros;
  }
  const pct = (micros: number) => `${((micros / busy) * 100).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([l, us]) => `  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${l}`);
  const scope = window ? "the measured window" : "the whole process (startup and warm-up included)";
  return [
    `busy (non-idle) main-thread time in ${scope}: ${(busy / 1000).toFixed(0)} ms, ` +
      `of which ${pct(own).trim()} under ${ownFile} functions; shares below are of busy time`,
    `top ${top} by self time:`,
    ...list(self),
    `top ${top} functions of ${ownFile} by total (inclusive) time:`,
    ...list(total),
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(summarizeProfile(process.argv[2]!, Number(process.argv[3] ?? 20)));
}
