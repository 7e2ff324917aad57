// Bare `input` / `output` attributes, as the simplest tracing examples write them.
import { type Mapper, claim, parseMaybeJson, setField } from "./mapper.js";

export const plainMapper: Mapper = {
  name: "plain",
  prefixes: ["input", "output"],
  applies: (_span, attrs, keyed) => keyed && (attrs.input !== undefined || attrs.output !== undefined),
  map(_span, attrs, draft) {
    if (attrs.input !== undefined) {
      setField(draft, "input", parseMaybeJson(attrs.input));
      claim(draft, "input");
    }
    if (attrs.output !== undefined) {
      setField(draft, "output", parseMaybeJson(attrs.output));
      claim(draft, "output");
    }
  },
};
