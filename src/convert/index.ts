// span → Braintrust row. The mappers run in precedence order (first writer wins):
// explicit braintrust.* first, then GenAI semconv, then vendor conventions, then plain attributes.
import { braintrustMapper } from "./braintrust.js";
import { genaiMapper } from "./genai.js";
import { genaiFallbackMapper } from "./genai-fallback.js";
import { genkitMapper } from "./genkit.js";
import { livekitMapper } from "./livekit.js";
import { googleAdkMapper } from "./google-adk.js";
import { mastraMapper } from "./mastra.js";
import { mlflowMapper } from "./mlflow.js";
import { pydanticAiMapper } from "./pydantic-ai.js";
import { ClaimedKeys, type Draft, type Mapper, hasPrefix, setMetadata, setType } from "./mapper.js";
import { openInferenceMapper } from "./openinference.js";
import { plainMapper } from "./plain.js";
import { traceloopMapper } from "./traceloop.js";
import { vercelAiMapper } from "./vercel-ai.js";
import { baseEvent } from "./span.js";
import type { Attributes, BraintrustEvent, SpanLike } from "./types.js";

export const MAPPERS: readonly Mapper[] = [braintrustMapper, genaiMapper, vercelAiMapper, openInferenceMapper, traceloopMapper, mastraMapper, genkitMapper, livekitMapper, mlflowMapper, pydanticAiMapper, googleAdkMapper, plainMapper, genaiFallbackMapper];

interface Candidate {
  readonly prefix: string;
  /** The mapper's bit. */
  readonly bit: number;
}

/** Mappers' key prefixes by their first character (an array index, cheaper than a Map per key); prefixes are ASCII. */
const PREFIXES_BY_FIRST_CHAR: Array<Candidate[] | undefined> = new Array(128).fill(undefined);
MAPPERS.forEach((mapper, i) => {
  for (const prefix of mapper.prefixes) (PREFIXES_BY_FIRST_CHAR[prefix.charCodeAt(0)] ??= []).push({ prefix, bit: 1 << i });
});

/** Bit i set when a key starts with one of MAPPERS[i]'s prefixes: one pass, a character and a prefix or two per key. */
function keyedMappers(keys: readonly string[]): number {
  let keyed = 0;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const candidates = PREFIXES_BY_FIRST_CHAR[key.charCodeAt(0)];
    if (candidates === undefined) continue;
    for (let c = 0; c < candidates.length; c++) {
      const { prefix, bit } = candidates[c]!;
      if ((keyed & bit) === 0 && hasPrefix(key, prefix)) keyed |= bit;
    }
  }
  return keyed;
}

const NO_ATTRIBUTES: Attributes = Object.freeze({});

// Every span of a provider has the same service name: whether to keep it is decided once per name.
let lastServiceName: unknown;
let lastServiceNamed = false;

/** Pure conversion of one finished span. Throws only on a span that is not span-shaped at all. */
export function toBraintrustEvent(span: SpanLike): BraintrustEvent {
  return convert(span, false);
}

/**
 * For the row pipeline: the same event, except that `input`, `output` and `expected` given
 * as valid JSON text may be that text (a RawJson), which `serializeRow` writes verbatim.
 */
export function toRowEvent(span: SpanLike): BraintrustEvent {
  return convert(span, true);
}

function convert(span: SpanLike, keepJsonText: boolean): BraintrustEvent {
  const attrs: Attributes = span.attributes ?? NO_ATTRIBUTES;
  const keys = Object.keys(attrs);
  const draft: Draft = { event: baseEvent(span), attrs, keys, claimed: new ClaimedKeys(keys), keepJsonText };

  const keyed = keyedMappers(keys);
  for (let i = 0; i < MAPPERS.length; i++) {
    const mapper = MAPPERS[i]!;
    if (mapper.applies(span, attrs, (keyed & (1 << i)) !== 0)) mapper.map(span, attrs, draft);
  }
  // A root span is a task unless a convention said what it is (an LLM call traced alone is "llm").
  if (draft.event.span_parents === undefined) setType(draft, "task");
  // Braintrust's per-span escape hatch: the attributes a mapper read stay in metadata too.
  const preserve = attrs["braintrust.otel.preserve_attributes"];
  const keepAll = preserve === true || preserve === "true";
  for (let k = 0; k < keys.length; k++) {
    if (keepAll || !draft.claimed.at(k)) setMetadata(draft, keys[k]!, attrs[keys[k]!]);
  }
  const serviceName = span.resource?.attributes?.["service.name"];
  if (serviceName !== lastServiceName) {
    lastServiceName = serviceName;
    // The SDK's placeholder for an unnamed service tells the reader nothing.
    lastServiceNamed = typeof serviceName === "string" && !serviceName.startsWith("unknown_service");
  }
  if (lastServiceNamed) setMetadata(draft, "service.name", serviceName);

  return finish(draft.event);
}

/** Derived metrics, and no empty containers on the wire. */
function finish(event: BraintrustEvent & { metadata: Record<string, unknown> }): BraintrustEvent {
  const m = event.metrics;
  if (m.tokens === undefined && (m.prompt_tokens !== undefined || m.completion_tokens !== undefined)) {
    m.tokens = (m.prompt_tokens ?? 0) + (m.completion_tokens ?? 0);
  }
  if (isEmpty(event.metadata)) delete (event as BraintrustEvent).metadata;
  return event;
}

function isEmpty(object: object): boolean {
  for (const _ in object) return false;
  return true;
}

export type { BraintrustEvent, SpanLike } from "./types.js";
