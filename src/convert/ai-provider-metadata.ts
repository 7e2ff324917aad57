// The AI SDK reports cache and reasoning counts that its own `ai.usage.*` lacks (before v5,
// and for some providers still) inside `ai.response.providerMetadata`, one object per
// provider. [metric, path inside that object], as each @ai-sdk provider names them.
import { isPlainObject, parseMaybeJson } from "./mapper.js";

const FIELDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["prompt_cache_creation_tokens", ["anthropic", "cacheCreationInputTokens"]],
  ["prompt_cached_tokens", ["anthropic", "cacheReadInputTokens"]],
  ["prompt_cached_tokens", ["openai", "cachedPromptTokens"]],
  ["completion_reasoning_tokens", ["openai", "reasoningTokens"]],
  ["prompt_cache_creation_tokens", ["bedrock", "usage", "cacheWriteInputTokens"]],
  ["prompt_cached_tokens", ["bedrock", "usage", "cacheReadInputTokens"]],
  ["prompt_cached_tokens", ["google", "usageMetadata", "cachedContentTokenCount"]],
  ["completion_reasoning_tokens", ["google", "usageMetadata", "thoughtsTokenCount"]],
  ["prompt_cached_tokens", ["vertex", "usageMetadata", "cachedContentTokenCount"]],
  ["completion_reasoning_tokens", ["vertex", "usageMetadata", "thoughtsTokenCount"]],
  ["prompt_cached_tokens", ["deepseek", "promptCacheHitTokens"]],
];

/** [metric, value] pairs found in the attribute (JSON text or an object); nothing for anything else. */
export function providerMetadataMetrics(raw: unknown): Array<readonly [string, unknown]> {
  const metadata = parseMaybeJson(raw);
  if (!isPlainObject(metadata)) return [];
  const found: Array<readonly [string, unknown]> = [];
  for (const [metric, path] of FIELDS) {
    let value: unknown = metadata;
    for (const step of path) value = isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, step) ? value[step] : undefined;
    if (value !== undefined && value !== null) found.push([metric, value]);
  }
  return found;
}
