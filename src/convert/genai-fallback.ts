// Last resorts for GenAI spans, after every other mapper, so a convention that knows the
// span better wins:
// - the type guessed from what a span without `gen_ai.operation.name` carries (a model: llm;
//   a tool name: tool), since a framework may use `gen_ai.request.model` on a speech-to-text
//   turn or an agent step;
// - the provider, when `gen_ai.system` names the agent framework (`strands-agents`,
//   `gcp.vertex.agent`) and no convention named a vendor.
import { FRAMEWORK_SYSTEMS, operationType } from "./genai.js";
import { type Mapper, setMetadata, setType } from "./mapper.js";

const PROVIDER_KEYS = ["gen_ai.provider.name", "gen_ai.system"] as const;

export const genaiFallbackMapper: Mapper = {
  name: "genai-fallback",
  prefixes: ["gen_ai."],
  applies: (_span, _attrs, keyed) => keyed,
  map(_span, attrs, draft) {
    setType(draft, operationType(attrs));
    for (const key of PROVIDER_KEYS) {
      const value = attrs[key];
      if (typeof value === "string" && FRAMEWORK_SYSTEMS.has(value)) return setMetadata(draft, "provider", value);
    }
  },
};
