// A hand-written mirror of the spec's `InsertProjectLogsEvent` (identical to
// `InsertExperimentEvent`), so the local server rejects what the real API rejects
// without shipping a schema engine: the runtime package may only depend on undici.
// One deliberate difference: `_parent_id` is refused, because it is deprecated and
// this project must never send it.
//
// Problems are reported as "JSON-pointer: message", the same shape as the
// conformance validator, so a failing test reads the same either way.

type Check = (value: unknown, path: string, problems: string[]) => void;

const SPAN_TYPES = ["llm", "score", "function", "eval", "task", "tool", "automation", "facet", "preprocessor", "classifier", "review"];
const OBJECT_TYPES = ["project_logs", "experiment", "dataset", "prompt", "function", "prompt_session"];
const TOKEN_METRICS = new Set(["prompt_tokens", "completion_tokens", "tokens"]);
const TIME_METRICS = new Set(["start", "end"]);
const FREE_METRICS = new Set(["caller_functionname", "caller_filename", "caller_lineno"]);
const UUID = /^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;
const DATE = /^(\d\d\d\d)-(\d\d)-(\d\d)$/;
const TIME = /^(\d\d):(\d\d):(\d\d(?:\.\d+)?)(z|([+-])(\d\d)(?::?(\d\d))?)$/i;
const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** RFC 3339 date-time with a mandatory zone, checked like the spec validator's "date-time" format. */
function isDateTime(text: string): boolean {
  const parts = text.split(/t|\s/i);
  if (parts.length !== 2) return false;
  const d = DATE.exec(parts[0]!);
  const t = TIME.exec(parts[1]!);
  if (!d || !t) return false;
  const [year, month, day] = [+d[1]!, +d[2]!, +d[3]!];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && leap ? 29 : DAYS[month]!)) return false;
  const [hr, min, sec, sign, tzH, tzM] = [+t[1]!, +t[2]!, +t[3]!, t[5] === "-" ? -1 : 1, +(t[6] ?? 0), +(t[7] ?? 0)];
  if (tzH > 23 || tzM > 59) return false;
  if (hr <= 23 && min <= 59 && sec < 60) return true;
  // A leap second is only valid at 23:59 UTC.
  const utcMin = min - tzM * sign;
  const utcHr = hr - tzH * sign - (utcMin < 0 ? 1 : 0);
  return (utcHr === 23 || utcHr === -1) && (utcMin === 59 || utcMin === -1) && sec < 61;
}

/** The JSON pointer of the root is "" but reads better as "/". */
const where = (path: string) => path || "/";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const anything: Check = () => {};

function typed(type: "string" | "number" | "integer" | "boolean", nullable: boolean): Check {
  return (value, path, problems) => {
    if (value === null && nullable) return;
    const ok =
      type === "integer" ? typeof value === "number" && Number.isInteger(value) : typeof value === type;
    if (!ok) problems.push(`${where(path)}: must be ${type}${nullable ? " or null" : ""}`);
  };
}

function oneOf(values: readonly string[], nullable: boolean): Check {
  return (value, path, problems) => {
    if (value === null && nullable) return;
    if (typeof value !== "string" || !values.includes(value)) {
      problems.push(`${where(path)}: must be one of ${JSON.stringify(values)}${nullable ? " or null" : ""}`);
    }
  };
}

function formatted(name: string, test: (text: string) => boolean, nullable: boolean): Check {
  return (value, path, problems) => {
    if (value === null && nullable) return;
    if (typeof value !== "string") problems.push(`${where(path)}: must be string`);
    else if (!test(value)) problems.push(`${where(path)}: must match format "${name}"`);
  };
}

function arrayOf(item: Check, nullable: boolean): Check {
  return (value, path, problems) => {
    if (value === null && nullable) return;
    if (!Array.isArray(value)) return void problems.push(`${where(path)}: must be array`);
    value.forEach((v, i) => item(v, `${path}/${i}`, problems));
  };
}

/** An object with known properties; `rest` checks every other key. */
function objectOf(known: Record<string, Check>, rest: Check, options: { nullable: boolean; required?: string[] }): Check {
  return (value, path, problems) => {
    if (value === null && options.nullable) return;
    if (!isObject(value)) return void problems.push(`${where(path)}: must be object`);
    for (const key of options.required ?? []) {
      if (!(key in value)) problems.push(`${where(path)}: must have required property '${key}'`);
    }
    for (const [key, v] of Object.entries(value)) {
      (Object.hasOwn(known, key) ? known[key]! : rest)(v, `${path}/${escapePointer(key)}`, problems);
    }
  };
}

function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

const nullableString = typed("string", true);
const stringList = arrayOf(typed("string", false), true);

/** Metric keys outside the known ones must be plain numbers: the API rejects null there. */
const metricValue = (key: string): Check => {
  if (TOKEN_METRICS.has(key)) return typed("integer", true);
  if (TIME_METRICS.has(key)) return typed("number", true);
  if (FREE_METRICS.has(key)) return anything;
  return typed("number", false);
};

const metrics: Check = (value, path, problems) => {
  if (value === null) return;
  if (!isObject(value)) return void problems.push(`${where(path)}: must be object`);
  for (const [key, v] of Object.entries(value)) metricValue(key)(v, `${path}/${escapePointer(key)}`, problems);
};

const score: Check = (value, path, problems) => {
  if (value === null) return;
  if (typeof value !== "number") problems.push(`${where(path)}: must be number or null`);
  else if (value < 0 || value > 1) problems.push(`${where(path)}: must be between 0 and 1`);
};

const parentIdRefused: Check = (_value, path, problems) => {
  problems.push(`${where(path)}: is deprecated and not accepted; log span_id, root_span_id and span_parents instead`);
};

const EVENT_FIELDS: Record<string, Check> = {
  input: anything,
  output: anything,
  expected: anything,
  error: anything,
  scores: objectOf({}, score, { nullable: true }),
  metadata: objectOf({ model: nullableString }, anything, { nullable: true }),
  tags: stringList,
  metrics,
  context: objectOf(
    { caller_functionname: nullableString, caller_filename: nullableString, caller_lineno: typed("integer", true) },
    anything,
    { nullable: true },
  ),
  span_attributes: objectOf(
    { name: nullableString, type: oneOf(SPAN_TYPES, true), purpose: oneOf(["scorer"], true) },
    anything,
    { nullable: true },
  ),
  id: nullableString,
  created: formatted("date-time", isDateTime, true),
  origin: objectOf(
    {
      object_type: oneOf(OBJECT_TYPES, false),
      object_id: formatted("uuid", (text) => UUID.test(text), false),
      id: typed("string", false),
      _xact_id: nullableString,
      created: nullableString,
    },
    anything,
    { nullable: true, required: ["object_type", "object_id", "id"] },
  ),
  facets: objectOf({}, nullableString, { nullable: true }),
  _object_delete: typed("boolean", true),
  _is_merge: typed("boolean", true),
  _merge_paths: arrayOf(arrayOf(typed("string", false), false), true),
  _array_delete: arrayOf(
    objectOf({ path: arrayOf(typed("string", false), false), delete: arrayOf(anything, false) }, anything, {
      nullable: false,
      required: ["path", "delete"],
    }),
    true,
  ),
  _parent_id: parentIdRefused,
  span_id: nullableString,
  root_span_id: nullableString,
  span_parents: stringList,
};

const event = objectOf(EVENT_FIELDS, anything, { nullable: false });

/** Problems with one insert event, each "path: message"; empty when valid. */
export function validateInsertEvent(value: unknown): string[] {
  const problems: string[] = [];
  event(value, "", problems);
  return problems;
}

/** Problems with a whole `{events: [...]}` insert body; empty when valid. */
export function validateInsertRequest(body: unknown): string[] {
  if (!isObject(body)) return ["/: must be object"];
  if (!("events" in body)) return ["/: must have required property 'events'"];
  if (!Array.isArray(body.events)) return ["/events: must be array"];
  const problems: string[] = [];
  body.events.forEach((e, i) => event(e, `/events/${i}`, problems));
  return problems;
}
