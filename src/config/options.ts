// The shape of the options object itself: names the exporter does not know (a typo such as
// `projetName` would otherwise be ignored, and the rows go to the default project), and
// values of the wrong type. Each mistake becomes one warning that names the option, what
// was given (with its type: `"500"` is a string, not 500) and what is used instead.

/** Every option of the processor and the exporter. */
const EXPORTER_OPTIONS: readonly string[] = [
  "apiKey", "apiUrl", "projectName", "projectId", "orgName", "parent", "headers", "impersonateUser",
  "maxQueueSize", "maxQueueBytes", "maxExportBatchSize", "maxBatchBytes", "scheduledDelayMillis",
  "exportTimeoutMillis", "maxConcurrentRequests", "flushOnExit", "flushOnRootEnd", "compression",
  "filterAISpans", "customFilter", "mask", "logSpanStart", "environment", "dispatcher", "env",
  "attachments", "attachmentMinBytes", "maxAttachmentBytes",
];

/** Options only register() takes; register() removes them before the processor sees the rest. */
const REGISTER_ONLY_OPTIONS: readonly string[] = [
  "handleSignals", "spanProcessors", "resource", "sampler", "spanLimits", "idGenerator",
];

const BOOLEANS = ["flushOnExit", "flushOnRootEnd", "filterAISpans", "logSpanStart", "attachments"] as const;
const FUNCTIONS = ["customFilter", "mask"] as const;
// projectName, projectId and parent of another type are config errors (config.ts): the rows would go elsewhere.
const STRINGS = ["apiKey", "apiUrl", "orgName", "impersonateUser"] as const;

/** A value as a message shows it: a number as is, anything else with its type, so `"500" (a string)` is not read as 500. Never throws. */
export function shown(value: unknown): string {
  try {
    if (value === null) return "null";
    switch (typeof value) {
      case "string":
        return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)} (a string)`;
      case "number":
        return String(value);
      case "boolean":
        return `${String(value)} (a boolean)`;
      case "bigint":
        return `${String(value)}n (a bigint)`;
      case "function":
        return "a function";
      case "undefined":
        return "undefined";
      case "symbol":
        return "a symbol";
      default:
        return Array.isArray(value) ? "an array" : "an object";
    }
  } catch {
    return "a value that cannot be printed";
  }
}

/**
 * Warnings for option names no one reads and for values of the wrong type (besides the
 * numbers, checked with their ranges in validate.ts). `who` names the receiver in messages.
 */
export function checkOptionShapes(options: object, warnings: string[], who = "BraintrustSpanProcessor / BraintrustExporter"): void {
  let names: string[];
  try {
    names = Object.keys(options);
  } catch {
    return;
  }
  for (const name of names) {
    if (EXPORTER_OPTIONS.includes(name)) continue;
    if (REGISTER_ONLY_OPTIONS.includes(name)) {
      warnings.push(`\`${name}\` is an option of register(), not of ${who}; it is ignored here`);
      continue;
    }
    const near = nearestName(name, [...EXPORTER_OPTIONS, ...REGISTER_ONLY_OPTIONS]);
    warnings.push(`unknown option \`${name}\` is ignored${near ? `; did you mean \`${near}\`?` : ""}`);
  }
  const values = options as Record<string, unknown>;
  for (const name of BOOLEANS) {
    const value = values[name];
    if (value !== undefined && typeof value !== "boolean") warnings.push(`\`${name}\` must be true or false, got ${shown(value)}; it is ignored`);
  }
  for (const name of FUNCTIONS) {
    const value = values[name];
    if (value !== undefined && typeof value !== "function") warnings.push(`\`${name}\` must be a function, got ${shown(value)}; it is ignored`);
  }
  for (const name of STRINGS) {
    const value = values[name];
    // An empty string is "not set" (the environment variable is read instead), as documented.
    if (value !== undefined && typeof value !== "string") warnings.push(`\`${name}\` must be a string, got ${shown(value)}; it is ignored`);
  }
  const environment = values.environment;
  if (environment !== undefined && environment !== null && (typeof environment !== "object" || Array.isArray(environment))) {
    warnings.push(`\`environment\` must be an object such as { type: "server", name: "production" } or null, got ${shown(environment)}; it is ignored`);
  }
}

/** The known name closest to `name` (case aside, a few edits at most), if any is close enough. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Up to a third of the name may differ (at least 2 edits): `projetName`, `apikey`, `maxQueueSise`.
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Levenshtein distance, with a transposition counted as one edit; the names are short. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]![j] = j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
