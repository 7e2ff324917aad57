// Time to first token is seconds in GenAI semconv, but not every emitter agrees: Strands
// writes `gen_ai.server.time_to_first_token` in milliseconds. The unit is not on the wire, so
// the span's own duration decides.
import { toNumber } from "./mapper.js";

/**
 * A value is read as seconds, unless it cannot be: the first token cannot come after the span
 * ended, so a value longer than the span that fits inside it once read as milliseconds is
 * divided by 1000. When the duration is unknown, or neither reading fits, the spec's unit stands.
 */
export function firstTokenSeconds(value: unknown, metrics: Readonly<Record<string, number>>): number | undefined {
  const n = toNumber(value);
  if (n === undefined || n < 0) return undefined;
  const { start, end } = metrics;
  if (start === undefined || end === undefined) return n;
  const duration = end - start;
  // The span's times and the emitter's clock round differently; allow a little slack.
  const slack = duration * 0.01;
  return n > duration + slack && n / 1000 <= duration + slack ? n / 1000 : n;
}
