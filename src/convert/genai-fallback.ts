// The last resort for a GenAI span's provider: when `gen_ai.system` names the agent framework
// (`strands-agents`, `gcp.vertex.agent`) and no convention named a vendor, the framework is
// still better than nothing. Runs after every other mapper, so any real vendor wins.
import { FRAMEWORK_SYSTEMS } from "./genai.js";
import { type Mapper, setMetadata } from "./mapper.js";

const KEYS = ["gen_ai.provider.name", "gen_ai.system"] as const;

export const genaiFallbackMapper: Mapper = {
  name: "genai-fallback",
  prefixes: ["gen_ai.provider.name", "gen_ai.system"],
  applies: (_span, attrs, keyed) => keyed && (FRAMEWORK_SYSTEMS.has(attrs[KEYS[0]] as string) || FRAMEWORK_SYSTEMS.has(attrs[KEYS[1]] as string)),
  map(_span, attrs, draft) {
    for (const key of KEYS) {
      const value = attrs[key];
      if (typeof value === "string" && value !== "") return setMetadata(draft, "provider", value);
    }
  },
};
