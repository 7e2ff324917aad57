// Finding media in a row's messages: the pure step (each shape, what stays, what is not
// touched), and, through the processor and the local server, the property that no long
// base64 run is left in any row while attachments are on.
import { trace } from "@opentelemetry/api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor } from "../../src/index.js";
import { type FoundMedia, mayHoldMedia, replaceMedia } from "../../src/rows/media.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { b64, dataUrl, png, wav } from "../helpers/media.js";
import { providerWith } from "../helpers/tracing.js";

const IMAGE = png(16, 16, 9);

/** Replaces every piece with a reference whose key says what was found. */
function collect(value: unknown): { out: unknown; found: FoundMedia[] } {
  const found: FoundMedia[] = [];
  const out = replaceMedia(value, (media) => {
    found.push(media);
    return { type: "braintrust_attachment", key: `k${found.length}`, filename: media.filename, content_type: media.contentType };
  });
  return { out, found };
}

describe("replaceMedia", () => {
  it("leaves a value without media as the same object", () => {
    const value = [{ role: "user", content: [{ type: "text", text: "hello" }] }];
    expect(collect(value).out).toBe(value);
  });

  it("never writes to the value it was given", () => {
    const value = [{ role: "user", content: [{ type: "image_url", image_url: { url: dataUrl("image/png", IMAGE) } }] }];
    const before = structuredClone(value);
    const { out } = collect(value);
    expect(value).toEqual(before);
    expect(out).not.toEqual(before);
  });

  it("reads the type from the bytes when the message does not say, and names the file after it", () => {
    const { found } = collect({ type: "image", image: b64(IMAGE) });
    expect(found).toEqual([{ base64: b64(IMAGE), contentType: "image/png", filename: "image.png", bytes: IMAGE.length }]);
    expect(collect({ type: "file", data: b64(wav(100)) }).found[0]).toMatchObject({ contentType: "audio/wav", filename: "audio.wav" });
  });

  it("keeps Bedrock's type from the block and the format, and a name from the block", () => {
    const { out, found } = collect({ image: { format: "jpeg", source: { bytes: b64(IMAGE) } } });
    expect(found[0]).toMatchObject({ contentType: "image/jpeg", filename: "image.jpg" });
    expect(out).toEqual({ image: { format: "jpeg", source: { bytes: { type: "braintrust_attachment", key: "k1", filename: "image.jpg", content_type: "image/jpeg" } } } });
  });

  it("takes a data URI's name parameter as the file name", () => {
    const { found } = collect(`data:application/pdf;name=q3%20report.pdf;base64,${b64(Buffer.from("%PDF-1.4 hello"))}`);
    expect(found[0]).toMatchObject({ contentType: "application/pdf", filename: "q3 report.pdf" });
  });

  it("leaves data URIs inside prose, URLs and text that is not base64 alone", () => {
    const values = [
      `look: ${dataUrl("image/png", IMAGE)}`,
      { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
      { type: "file", data: "https://example.com/report.pdf", mediaType: "application/pdf" },
      { source: { type: "url", url: "https://example.com/a.png" } },
      "data:text/plain,hello",
    ];
    for (const value of values) expect(collect(value).found).toEqual([]);
  });

  it("keeps a marker or inline value as the place callback decides", () => {
    const value = [{ type: "image_url", image_url: { url: dataUrl("image/png", IMAGE) } }];
    expect(replaceMedia(value, () => undefined)).toBe(value);
    expect(replaceMedia(value, () => "[image/png 1 KB not uploaded: attachment budget full]")).toEqual([
      { type: "image_url", image_url: { url: "[image/png 1 KB not uploaded: attachment budget full]" } },
    ]);
  });
});

describe("mayHoldMedia", () => {
  it("is false for prose and short runs, true for a long base64 run anywhere", () => {
    expect(mayHoldMedia("The quick brown fox ".repeat(500), 1366)).toBe(false);
    expect(mayHoldMedia(`{"a":"${"x".repeat(1365)}"}`, 1366)).toBe(false);
    expect(mayHoldMedia(`{"a":"${b64(png(32, 32))}"}`, 1366)).toBe(true);
  });
});

describe("no base64 run of 2 KB or more is left in any row when attachments are on", () => {
  let server: LocalBraintrust;
  beforeAll(async () => {
    server = await startLocalBraintrust();
  });
  afterAll(() => server.close());

  const text = fc.string({ maxLength: 40 }).map((t) => ({ type: "text", text: t }));
  const media = fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 6000, size: "max" }), fc.integer({ min: 0, max: 9 }), fc.boolean()).map(([bytes, shape, typed]) => {
    const data = Buffer.from(bytes).toString("base64");
    const type = typed ? "image/png" : undefined;
    switch (shape) {
      case 0:
        return { type: "image_url", image_url: { url: `data:image/png;base64,${data}` } };
      case 1:
        return { type: "input_audio", input_audio: { data, format: "wav" } };
      case 2:
        return { type: "file", file: { file_data: `data:application/pdf;base64,${data}`, filename: "a.pdf" } };
      case 3:
        return { type: "image", source: { type: "base64", media_type: "image/png", data } };
      case 4:
        return { inlineData: { mimeType: "image/png", data } };
      case 5:
        return { image: { format: "png", source: { bytes: data } } };
      case 6:
        return { type: "image", image: data, ...(type ? { mediaType: type } : {}) };
      case 7:
        return { type: "file", data, mediaType: "application/pdf" };
      case 8:
        return { type: "blob", modality: "image", content: data, ...(type ? { mime_type: type } : {}) };
      default:
        return { text: "x", attachment: `data:audio/wav;base64,${data}` };
    }
  });
  const messages = fc.array(fc.record({ role: fc.constantFrom("user", "assistant"), content: fc.array(fc.oneof(text, media), { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 3 });

  it("holds for random messages mixing text and media of every shape and size", async () => {
    const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "media-property" });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("property");
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(messages, async (input) => {
          const name = `span ${n++}`;
          const span = tracer.startSpan(name);
          span.setAttribute("gen_ai.input.messages", JSON.stringify(input));
          span.end();
          await processor.forceFlush();
          const row = server.rows("media-property").find((r) => r.span_attributes?.name === name);
          expect(row).toBeDefined();
          expect(JSON.stringify(row)).not.toMatch(/[A-Za-z0-9+/]{2048}/);
        }),
        // Each run is a span through the server: a failure is reported as found, not shrunk.
        { numRuns: 40, seed: 22, endOnFailure: true },
      );
    } finally {
      await provider.shutdown();
      trace.disable();
    }
  });
});
