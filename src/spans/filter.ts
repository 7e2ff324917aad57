// Which spans become rows. `customFilter` returning true keeps and false drops; undefined
// defers to `filterAISpans`, which keeps AI spans, as `@braintrust/otel` does. Unlike there,
// `customFilter` also works alone: with it and no `filterAISpans`, undefined keeps the span.
// A trace root gets no exception; what a kept span names as its parent is judge.ts's part.
import type { ExporterConfig } from "../config/config.js";
import { quotedName } from "../convert/span.js";
import type { SpanLike } from "../convert/types.js";
import { isThenable, settleQuietly } from "../config/callbacks.js";
import { errorMessage, log } from "../log.js";

const AI_PREFIX = /^(?:gen_ai|braintrust|llm|ai|traceloop)\./;
// Routing and context that any span may carry: on their own they say nothing about AI.
const NOT_AI_BY_ITSELF: ReadonlySet<string> = new Set(["braintrust.parent", "braintrust.context_json"]);

/** True when the span's name or any attribute key starts with gen_ai., braintrust., llm., ai. or traceloop. */
export function isAISpan(span: SpanLike): boolean {
  if (typeof span.name === "string" && AI_PREFIX.test(span.name)) return true;
  const attrs = span.attributes;
  if (attrs) {
    for (const key in attrs) {
      if (AI_PREFIX.test(key) && !NOT_AI_BY_ITSELF.has(key)) return true;
    }
  }
  return false;
}

export type SpanFilter = (span: SpanLike) => boolean;

/** undefined when nothing is filtered, so the hot path skips filtering entirely. */
export function createSpanFilter(config: Pick<ExporterConfig, "filterAISpans" | "customFilter">): SpanFilter | undefined {
  const { filterAISpans, customFilter } = config;
  if (!customFilter) return filterAISpans ? isAISpan : undefined;
  return (span) => {
    const verdict = askCustomFilter(customFilter, span);
    if (verdict !== undefined) return verdict;
    return filterAISpans ? isAISpan(span) : true;
  };
}

function askCustomFilter(customFilter: (span: SpanLike) => boolean | undefined, span: SpanLike): boolean | undefined {
  try {
    const verdict: unknown = customFilter(span);
    if (isThenable(verdict)) {
      settleQuietly(verdict);
      log("error", "custom-filter-async", "customFilter returned a promise: it must be synchronous (return true, false or undefined); its answer counts as undefined, so the default rule decides");
      return undefined;
    }
    return verdict === true || verdict === false ? verdict : undefined;
  } catch (err) {
    log("warn", "custom-filter-threw", `customFilter threw on span ${quotedName(span)} (${errorMessage(err)}); the default rule decided instead`);
    return undefined;
  }
}
