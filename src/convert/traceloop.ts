// Traceloop / OpenLLMetry. Its LLM spans mostly speak GenAI semconv (genai.ts takes those,
// including the indexed gen_ai.prompt.{i}.* forms); this adds its own workflow attributes
// and the `llm.*` names of older releases.
import { keysByPrefix, rebuildIndexed } from "./indexed.js";
import {
  type Draft,
  type Mapper,
  claim,
  claimAll,
  hasAny,
  isPlainObject,
  parseJsonAttr,
  setField,
  setMetadata,
  setMetric,
  setType,
} from "./mapper.js";
import { indexedMessages } from "./messages.js";
import type { Attributes, SpanType } from "./types.js";

const KIND_TYPES: Readonly<Record<string, SpanType>> = {
  workflow: "task",
  task: "task",
  agent: "task",
  tool: "tool",
};

const REQUEST_TYPES: ReadonlySet<string> = new Set(["chat", "completion", "embedding", "rerank"]);

const METRICS: ReadonlyArray<readonly [string, string]> = [
  ["prompt_tokens", "llm.usage.prompt_tokens"],
  ["completion_tokens", "llm.usage.completion_tokens"],
  ["tokens", "llm.usage.total_tokens"],
];

const ASSOCIATION_PREFIX = "traceloop.association.properties.";
const PROMPTS_PREFIX = "llm.prompts.";
const COMPLETIONS_PREFIX = "llm.completions.";
const FUNCTIONS_PREFIX = "llm.request.functions.";
const PREFIXES = [PROMPTS_PREFIX, COMPLETIONS_PREFIX, FUNCTIONS_PREFIX, ASSOCIATION_PREFIX];

const MARKERS = [
  "traceloop.span.kind",
  "traceloop.entity.input",
  "traceloop.entity.output",
  "traceloop.entity.name",
  "traceloop.workflow.name",
  "llm.request.type",
  "llm.usage.total_tokens",
  "llm.prompts.0.role",
  "llm.prompts.0.content",
];

export const traceloopMapper: Mapper = {
  name: "traceloop",
  prefixes: ["traceloop.", "llm."],
  applies: (_span, attrs, keyed) => keyed && hasAny(attrs, MARKERS),
  map(_span, attrs, draft) {
    const [prompts, completions, functionKeys, associations] = keysByPrefix(draft, PREFIXES);
    mapType(attrs, draft);
    for (const side of ["input", "output"] as const) {
      const key = `traceloop.entity.${side}`;
      if (attrs[key] === undefined) continue;
      setField(draft, side, parseJsonAttr(attrs[key], key));
      claim(draft, key);
    }
    // OpenLLMetry before the gen_ai rename.
    mapIndexed(rebuildIndexed(attrs, prompts, PROMPTS_PREFIX), "input", draft);
    mapIndexed(rebuildIndexed(attrs, completions, COMPLETIONS_PREFIX), "output", draft);
    const model = attrs["llm.response.model"] ?? attrs["llm.request.model"];
    if (typeof model === "string" && model !== "") setMetadata(draft, "model", model);
    if (typeof attrs["llm.vendor"] === "string") setMetadata(draft, "provider", attrs["llm.vendor"]);
    claim(draft, "llm.response.model", "llm.request.model", "llm.vendor");

    for (const [metric, key] of METRICS) {
      if (attrs[key] === undefined) continue;
      setMetric(draft, metric, attrs[key]);
      claim(draft, key);
    }
    for (const key of associations ?? []) {
      setMetadata(draft, key.slice(ASSOCIATION_PREFIX.length), attrs[key]);
      claim(draft, key);
    }
    const functions = rebuildIndexed(attrs, functionKeys, FUNCTIONS_PREFIX);
    if (functions) {
      setMetadata(draft, "tools", functions.value.map(toolDefinition));
      claimAll(draft, functions.keys);
    }
  },
};

function mapType(attrs: Attributes, draft: Draft): void {
  const kind = attrs["traceloop.span.kind"];
  if (typeof kind === "string" && KIND_TYPES[kind]) setType(draft, KIND_TYPES[kind]);
  claim(draft, "traceloop.span.kind");
  const requestType = attrs["llm.request.type"];
  if (typeof requestType === "string") {
    if (REQUEST_TYPES.has(requestType)) setType(draft, "llm");
    setMetadata(draft, "operation", requestType);
    claim(draft, "llm.request.type");
  }
}

function mapIndexed(indexed: ReturnType<typeof rebuildIndexed>, field: "input" | "output", draft: Draft): void {
  if (!indexed) return;
  setField(draft, field, indexedMessages(indexed.value));
  claimAll(draft, indexed.keys);
}

/** `{name, description, arguments}` (the JSON schema, as a string) → `{name, description, parameters}`. */
function toolDefinition(entry: unknown): unknown {
  if (!isPlainObject(entry)) return entry;
  const { arguments: schema, ...rest } = entry;
  return schema === undefined ? rest : { ...rest, parameters: parseJsonAttr(schema, "llm.request.functions.*.arguments") };
}
