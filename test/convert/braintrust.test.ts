import { afterEach, describe, expect, it } from "vitest";
import { toBraintrustEvent } from "../../src/convert/index.js";
import { resetLogState } from "../../src/log.js";
import { captureDiag } from "../helpers/diag.js";
import { oneSpan } from "../helpers/spans.js";

const SERVICE = { "service.name": "test-service" };

function convert(attributes: Record<string, unknown>, root = false) {
  return toBraintrustEvent(oneSpan(attributes as never, { root }));
}

let diagnostics: ReturnType<typeof captureDiag> | undefined;
afterEach(() => {
  diagnostics?.stop();
  resetLogState();
});

describe("braintrust.* attributes", () => {
  it("parses the JSON content attributes into values, never JSON-in-JSON", () => {
    const event = convert({
      "braintrust.input_json": JSON.stringify([{ role: "user", content: "hi" }]),
      "braintrust.output_json": JSON.stringify({ answer: 42 }),
      "braintrust.expected_json": JSON.stringify("42"),
    });
    expect(event.input).toEqual([{ role: "user", content: "hi" }]);
    expect(event.output).toEqual({ answer: 42 });
    expect(event.expected).toBe("42");
    expect(event.metadata).toEqual(SERVICE);
  });

  it("maps the legacy input/output/expected names the same way, keeping plain text as text", () => {
    const event = convert({ "braintrust.input": '{"q":1}', "braintrust.output": "plain answer", "braintrust.expected": "[1,2]" });
    expect(event.input).toEqual({ q: 1 });
    expect(event.output).toBe("plain answer");
    expect(event.expected).toEqual([1, 2]);
  });

  it("prefers the _json form over the legacy one", () => {
    expect(convert({ "braintrust.input_json": '"new"', "braintrust.input": "old" }).input).toBe("new");
  });

  it("keeps invalid JSON in metadata under its own key, as Braintrust's server does, and says so through diag", () => {
    diagnostics = captureDiag();
    const event = convert({ "braintrust.input_json": "{not json" });
    expect(event.input).toBeUndefined();
    expect(event.metadata).toMatchObject({ "braintrust.input_json": "{not json" });
    expect(diagnostics.messages.some((l) => l.includes("braintrust.input_json") && l.includes("not valid JSON"))).toBe(true);
    // The field is then left to the other conventions.
    expect(convert({ "braintrust.output_json": "{not json", output: "plain" }).output).toBe("plain");
  });

  it("keeps every attribute it read in metadata too when braintrust.otel.preserve_attributes is true", () => {
    const attrs = { "braintrust.input_json": '"in"', "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 3 };
    for (const flag of [true, "true"]) {
      const event = convert({ ...attrs, "braintrust.otel.preserve_attributes": flag });
      expect(event.input).toBe("in");
      expect(event.metrics.prompt_tokens).toBe(3);
      expect(event.metadata).toMatchObject({ "braintrust.input_json": '"in"', "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 3 });
    }
    expect(convert(attrs).metadata).not.toHaveProperty("gen_ai.usage.input_tokens");
  });

  it("maps metadata, metrics, scores, tags, origin and context", () => {
    const event = convert({
      "braintrust.metadata": JSON.stringify({ user: "u1", nested: { a: 1 } }),
      "braintrust.metrics": JSON.stringify({ prompt_tokens: 10.6, completion_tokens: 5, latency: 0.25, bad: null, worse: "x" }),
      "braintrust.scores": JSON.stringify({ accuracy: 0.9, missing: null, out_of_range: 3 }),
      "braintrust.tags": ["a", "b"],
      "braintrust.origin": JSON.stringify({ object_type: "dataset", object_id: "d1", id: "r1" }),
      "braintrust.context_json": JSON.stringify({ request_id: "req-1" }),
      "code.function.name": "handler",
      "code.file.path": "/app/handler.ts",
      "code.line.number": 42,
    });
    expect(event.metadata).toEqual({ user: "u1", nested: { a: 1 }, ...SERVICE });
    expect(event.metrics).toMatchObject({ prompt_tokens: 11, completion_tokens: 5, tokens: 16, latency: 0.25 });
    expect(event.metrics).not.toHaveProperty("bad");
    expect(event.metrics).not.toHaveProperty("worse");
    expect(event.scores).toEqual({ accuracy: 0.9, missing: null });
    expect(event.tags).toEqual(["a", "b"]);
    expect(event.origin).toEqual({ object_type: "dataset", object_id: "d1", id: "r1" });
    expect(event.context).toEqual({
      request_id: "req-1",
      caller_functionname: "handler",
      caller_filename: "/app/handler.ts",
      caller_lineno: 42,
    });
  });

  it("lets span_attributes set the type and name, and rejects unknown types", () => {
    expect(convert({ "braintrust.span_attributes": '{"type":"llm","name":"chat"}' }).span_attributes).toEqual({ name: "chat", type: "llm" });
    expect(convert({ "braintrust.span_attributes": '{"type":"banana"}' }, true).span_attributes.type).toBe("task");
    expect(convert({ "braintrust.span_attributes": '{"type":"tool"}' }, true).span_attributes.type).toBe("tool");
  });

  it("does not copy the routing attribute into metadata", () => {
    expect(convert({ "braintrust.parent": "project_name:other" }).metadata).toEqual(SERVICE);
  });

  it("keeps a non-object metadata attribute under its own key rather than losing it", () => {
    expect(convert({ "braintrust.metadata": "[1,2]" }).metadata).toEqual({ "braintrust.metadata": "[1,2]", ...SERVICE });
  });
});

describe("plain attributes and metadata", () => {
  it("maps plain input/output attributes", () => {
    const event = convert({ input: "What is 2+2?", output: '{"result":4}' });
    expect(event.input).toBe("What is 2+2?");
    expect(event.output).toEqual({ result: 4 });
  });

  it("puts unclaimed attributes into metadata under their own keys, plus the service name", () => {
    const event = convert({ user_id: "u-7", "http.method": "GET", flags: [true, false] });
    expect(event.metadata).toEqual({ user_id: "u-7", "http.method": "GET", flags: [true, false], ...SERVICE });
  });

  it("never lets a __proto__ key reach a prototype", () => {
    const event = convert({ "braintrust.metadata": '{"__proto__":{"polluted":true},"constructor":"c"}' });
    expect(Object.getPrototypeOf(event.metadata)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(event.metadata)).toBe('{"__proto__":{"polluted":true},"constructor":"c","service.name":"test-service"}');
  });

  it("leaves out metric values that are not finite numbers", () => {
    const event = convert({ "braintrust.metrics": '{"a":1,"b":1e999,"c":"NaN","d":null}' });
    expect(event.metrics).toMatchObject({ a: 1 });
    expect(Object.keys(event.metrics).sort()).toEqual(["a", "end", "start"]);
  });

  it("leaves out the SDK's unknown_service placeholder", () => {
    const event = toBraintrustEvent(oneSpan({ x: 1 }, {}, { "service.name": "unknown_service:node" }));
    expect(event.metadata).toEqual({ x: 1 });
  });
});
