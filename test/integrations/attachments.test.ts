// Images sent through real instrumentations become attachments: the AI SDK (v6, its mock
// model) with an image in the prompt, and the openai client wrapped by OpenInference's
// instrumentation with an image message, through the processor to the local server.
import { trace } from "@opentelemetry/api";
import * as ai from "ai";
import { MockLanguageModelV3 } from "ai/test";
import OpenAI from "openai";
import { OpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor } from "braintrust-otel-exporter";
import { type LocalBraintrust, type Row, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { dataUrl, png } from "../helpers/media.js";
import { providerWith } from "../helpers/tracing.js";
import { startFakeOpenAI } from "./fake-openai.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

const IMAGE = png(64, 48, 21);

/** Every attachment reference in a row, with the path it sits at. */
function references(value: unknown, path = "", out: { path: string; ref: { key: string; content_type: string } }[] = []) {
  if (typeof value !== "object" || value === null) return out;
  const v = value as Record<string, unknown>;
  if (v.type === "braintrust_attachment") {
    out.push({ path, ref: v as never });
    return out;
  }
  for (const [k, child] of Object.entries(v)) references(child, `${path}.${k}`, out);
  return out;
}

function expectImageAttached(row: Row, text: string): void {
  const refs = references(row.input);
  expect(refs.length).toBeGreaterThan(0);
  for (const { ref } of refs) {
    expect(ref.content_type).toBe("image/png");
    expect(server.attachment(ref.key)?.bytes?.equals(IMAGE)).toBe(true);
  }
  const json = JSON.stringify(row.input);
  expect(json).toContain(text);
  expect(json).not.toContain(IMAGE.toString("base64").slice(0, 200));
}

describe("images through real instrumentations", () => {
  it("the AI SDK with an image in the prompt: the llm row's image part holds a reference", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "media-ai-sdk" });
    const provider = providerWith(processor);
    const model = new MockLanguageModelV3({
      provider: "mock-provider.chat",
      modelId: "mock-vision",
      doGenerate: {
        content: [{ type: "text", text: "A test pattern." }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: { inputTokens: { total: 90, noCache: 90, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 4, text: 4, reasoning: 0 } },
        warnings: [],
      } as never,
    });
    await ai.generateText({
      model,
      messages: [{ role: "user", content: [{ type: "text", text: "What is in this image?" }, { type: "image", image: IMAGE, mediaType: "image/png" }] }],
      experimental_telemetry: { isEnabled: true, tracer: provider.getTracer("ai") },
    });
    await processor.forceFlush();
    await provider.shutdown();
    trace.disable();
    const llm = server.rows("media-ai-sdk").find((r) => r.span_attributes?.name === "ai.generateText.doGenerate")!;
    expect(llm).toBeDefined();
    expectImageAttached(llm, "What is in this image?");
    // Where the AI SDK put the bytes (a file part's `data`), the reference now is.
    expect(references(llm.input).map((r) => r.path)).toEqual([expect.stringMatching(/^\.0\.content\.1\.(data|image)$/)]);
  });

  it("OpenInference's OpenAI instrumentation with an image message: image_url.url holds a reference", async () => {
    const openai = await startFakeOpenAI();
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "media-openai" });
    const provider = providerWith(processor);
    const saved = Object.getOwnPropertyDescriptor(OpenAI.Chat.Completions.prototype, "create")!;
    const instrumentation = new OpenAIInstrumentation({ tracerProvider: provider, instrumentationConfig: { enabled: false } } as never);
    instrumentation.manuallyInstrument({ OpenAI } as never);
    try {
      const client = new OpenAI({ apiKey: "sk-fake-key", baseURL: openai.baseURL, maxRetries: 0 });
      await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: [{ type: "text", text: "Describe this picture." }, { type: "image_url", image_url: { url: dataUrl("image/png", IMAGE) } }] }],
      });
      await processor.forceFlush();
    } finally {
      instrumentation.disable();
      Object.defineProperty(OpenAI.Chat.Completions.prototype, "create", saved);
      await provider.shutdown();
      trace.disable();
      await openai.close();
    }
    const [row] = server.rows("media-openai");
    expect(row?.span_attributes?.type).toBe("llm");
    expectImageAttached(row!, "Describe this picture.");
    expect(references(row!.input).map((r) => r.path)).toContain(".0.content.1.image_url.url");
  });
});
