// OpenInference: golden spans from @arizeai/openinference-instrumentation-openai around the
// real openai client, plus hand-made spans for the other span kinds and attributes.
import { describe, expect, it } from "vitest";
import { convert, functionCall, SYSTEM_MESSAGE as SYSTEM, USER_MESSAGE as USER, WEATHER_QUESTION, WEATHER_RESULT } from "../fixtures/expected.js";
import { fixtureEvent, fixtureEvents } from "../fixtures/span-json.js";

const OI = "openinference-openai";
const REPLY = { role: "assistant", content: "Paris is the capital of France." };

describe("OpenInference spans from the OpenAI instrumentation", () => {
  it("maps a chat completion to an llm row with messages, model, provider, parameters and tokens", () => {
    const llm = fixtureEvent(OI, "chat", "OpenAI Chat Completions");
    // Traced with no parent span: a root LLM call is still llm.
    expect(llm.span_parents).toBeUndefined();
    expect(llm.span_attributes.type).toBe("llm");
    expect(llm.input).toEqual([SYSTEM, USER]);
    expect(llm.output).toEqual([REPLY]);
    expect(llm.metadata).toMatchObject({
      model: "gpt-4o-mini-2025-01-01",
      provider: "openai",
      temperature: 0.2,
      max_tokens: 64,
      finish_reasons: ["stop"],
    });
    // From the fake server's usage: 19 + 7, 4 cached, 2 reasoning.
    expect(llm.metrics).toMatchObject({ prompt_tokens: 19, completion_tokens: 7, tokens: 26, prompt_cached_tokens: 4, completion_reasoning_tokens: 2 });
    expect(llm.metrics).not.toHaveProperty("prompt_cache_creation_tokens");
  });

  it("does not keep the raw request and response bodies once the messages are mapped", () => {
    const keys = Object.keys(fixtureEvent(OI, "chat", "OpenAI Chat Completions").metadata ?? {});
    for (const consumed of ["input.value", "output.value", "llm.invocation_parameters", "llm.input_messages.0.message.role", "llm.token_count.prompt", "llm.model_name", "openinference.span.kind"]) {
      expect(keys).not.toContain(consumed);
    }
  });

  it("maps a streamed completion, and makes up no tokens when the stream reported none", () => {
    const llm = fixtureEvent(OI, "stream", "OpenAI Chat Completions");
    expect(llm.span_attributes.type).toBe("llm");
    expect(llm.input).toEqual([SYSTEM, USER]);
    expect(llm.output).toEqual([REPLY]);
    expect(llm.metadata).toMatchObject({ model: "gpt-4o-mini", stream: true });
    expect(Object.keys(llm.metrics).sort()).toEqual(["end", "start"]);
  });

  it("rebuilds tool calls and tool messages from the indexed message attributes", () => {
    const [first, second] = fixtureEvents(OI, "tool-call", "OpenAI Chat Completions");
    const call = functionCall("call_fake_1", "get_weather");
    expect(first!.output).toEqual([{ role: "assistant", tool_calls: [call], content: null }]);
    expect(first!.metadata?.tools).toEqual([expect.objectContaining({ type: "function", function: expect.objectContaining({ name: "get_weather" }) })]);
    expect(second!.input).toEqual([
      WEATHER_QUESTION,
      { role: "assistant", tool_calls: [call], content: null },
      { role: "tool", content: WEATHER_RESULT, tool_call_id: "call_fake_1" },
    ]);
  });
});

describe("OpenInference, hand-made spans", () => {
  it("types each span kind", () => {
    const kinds: Record<string, string> = { LLM: "llm", EMBEDDING: "llm", TOOL: "tool", CHAIN: "task", AGENT: "task", RETRIEVER: "task", EVALUATOR: "score" };
    for (const [kind, type] of Object.entries(kinds)) {
      expect(convert({ "openinference.span.kind": kind }).span_attributes.type, kind).toBe(type);
    }
  });

  it("maps a tool span's input and output values by mime type", () => {
    const event = convert({
      "openinference.span.kind": "TOOL",
      "tool.name": "get_weather",
      "input.value": '{"city":"Paris"}',
      "input.mime_type": "application/json",
      "output.value": "sunny, 21°C",
      "output.mime_type": "text/plain",
    });
    expect(event.input).toEqual({ city: "Paris" });
    expect(event.output).toBe("sunny, 21°C");
    expect(event.metadata).toMatchObject({ tool_name: "get_weather" });
    // Plain text that looks like JSON stays text when the mime type says so.
    expect(convert({ "openinference.span.kind": "CHAIN", "input.value": "[draft]", "input.mime_type": "text/plain" }).input).toBe("[draft]");
  });

  it("spreads metadata and invocation parameters, and maps tags, session and user", () => {
    const event = convert({
      "openinference.span.kind": "LLM",
      "llm.model_name": "claude-sonnet-4",
      "llm.provider": "anthropic",
      "llm.system": "anthropic",
      "llm.invocation_parameters": '{"temperature":0.1,"max_tokens":512}',
      metadata: '{"experiment":"a/b","run":3}',
      "tag.tags": ["prod", "beta"],
      "session.id": "s-1",
      "user.id": "u-1",
      "llm.token_count.prompt": 1000,
      "llm.token_count.completion": 50,
      "llm.token_count.prompt_details.cache_read": 800,
      "llm.token_count.prompt_details.cache_write": 100,
    });
    expect(event.metadata).toMatchObject({
      model: "claude-sonnet-4",
      provider: "anthropic",
      temperature: 0.1,
      max_tokens: 512,
      experiment: "a/b",
      run: 3,
      session_id: "s-1",
      user_id: "u-1",
    });
    expect(event.tags).toEqual(["prod", "beta"]);
    expect(event.metrics).toMatchObject({ prompt_tokens: 1000, completion_tokens: 50, tokens: 1050, prompt_cached_tokens: 800, prompt_cache_creation_tokens: 100 });
    expect(event.metadata).not.toHaveProperty("metadata");
    expect(event.metadata).not.toHaveProperty("tag.tags");
  });

  it("maps multimodal message contents to OpenAI content parts", () => {
    const event = convert({
      "openinference.span.kind": "LLM",
      "llm.input_messages.0.message.role": "user",
      "llm.input_messages.0.message.contents.0.message_content.type": "text",
      "llm.input_messages.0.message.contents.0.message_content.text": "What is this?",
      "llm.input_messages.0.message.contents.1.message_content.type": "image",
      "llm.input_messages.0.message.contents.1.message_content.image.image.url": "https://example.com/cat.png",
    });
    expect(event.input).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
        ],
      },
    ]);
  });

  it("maps retrieved documents and embedding texts", () => {
    const retriever = convert({
      "openinference.span.kind": "RETRIEVER",
      "input.value": "capital of France",
      "retrieval.documents.0.document.id": "d1",
      "retrieval.documents.0.document.content": "Paris is the capital.",
      "retrieval.documents.0.document.score": 0.9,
    });
    expect(retriever.input).toBe("capital of France");
    expect(retriever.output).toEqual([{ id: "d1", content: "Paris is the capital.", score: 0.9 }]);

    const embedding = convert({
      "openinference.span.kind": "EMBEDDING",
      "embedding.model_name": "text-embedding-3-small",
      "embedding.embeddings.0.embedding.text": "hello",
      "embedding.embeddings.0.embedding.vector": [0.1, 0.2],
    });
    expect(embedding.metadata?.model).toBe("text-embedding-3-small");
    expect(embedding.input).toEqual(["hello"]);
    expect(embedding.output).toEqual([[0.1, 0.2]]);
  });

  it("loses to GenAI semconv when a span carries both", () => {
    const event = convert({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "semconv-model",
      "gen_ai.usage.input_tokens": 5,
      "openinference.span.kind": "LLM",
      "llm.model_name": "oi-model",
      "llm.token_count.prompt": 9,
    });
    expect(event.metadata?.model).toBe("semconv-model");
    expect(event.metrics.prompt_tokens).toBe(5);
    expect(event.metadata).not.toHaveProperty("llm.model_name");
  });

  it("maps input.value and output.value on spans that carry no span kind", () => {
    const event = convert({ "input.value": '{"question":"Where?"}', "input.mime_type": "application/json", "output.value": "Paris" });
    expect(event.input).toEqual({ question: "Where?" });
    expect(event.output).toBe("Paris");
    expect(event.metadata ?? {}).not.toHaveProperty("input.value");
  });
});
