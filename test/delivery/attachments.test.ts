// Media in every shape we map reaches the local server as an attachment: the row holds a
// reference where the bytes were, the bytes are in the object store, and the text around
// them is kept. Failures leave no row pointing at an attachment that was never stored.
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor } from "../../src/index.js";
import type { BraintrustExporterOptions } from "../../src/config/config.js";
import { type LocalBraintrust, type Row, startLocalBraintrust } from "../../src/testing/index.js";
import { watchEachTest } from "../helpers/diag.js";
import { b64, dataUrl, pdf, png, pngLike, wav } from "../helpers/media.js";
import { providerWith } from "../helpers/tracing.js";
import { scriptedServer } from "./helpers.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());
const watch = watchEachTest();

const IMAGE = png(32, 32, 7);
const AUDIO = wav(2000);
const DOC = pdf(4096);

interface Logged {
  rows: Row[];
  processor: BraintrustSpanProcessor;
}

/** Ends one span per attribute set, flushes, shuts down; the project's rows in order. */
async function logSpans(project: string, spans: Record<string, string>[], options: BraintrustExporterOptions = {}): Promise<Logged> {
  const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: project, ...options });
  const provider = providerWith(processor);
  const tracer = provider.getTracer("media-test");
  spans.forEach((attributes, i) => {
    const span = tracer.startSpan(`llm ${i}`);
    span.setAttributes({ "gen_ai.operation.name": "chat", ...attributes });
    span.end();
  });
  await processor.forceFlush();
  await provider.shutdown();
  trace.disable();
  return { rows: server.rows(project), processor };
}

const messages = (content: unknown) => JSON.stringify([{ role: "user", content }]);
const question = { type: "text", text: "What is in this picture?" };

function reference(value: unknown, contentType: string, filename?: string): string {
  expect(value).toMatchObject({ type: "braintrust_attachment", content_type: contentType, ...(filename ? { filename } : {}) });
  const { key } = value as { key: string };
  expect(typeof key).toBe("string");
  return key;
}

function storedBytes(key: string): Buffer | undefined {
  return server.attachment(key)?.bytes;
}

describe("media in every shape becomes an attachment", () => {
  it("finds each shape, puts the reference where the bytes were, keeps the text, and stores the bytes", async () => {
    watch.start();
    const shapes: Record<string, string>[] = [
      // 0: OpenAI image_url with a data URI
      { "gen_ai.input.messages": messages([question, { type: "image_url", image_url: { url: dataUrl("image/png", IMAGE), detail: "low" } }]) },
      // 1: OpenAI input_audio
      { "gen_ai.input.messages": messages([question, { type: "input_audio", input_audio: { data: b64(AUDIO), format: "wav" } }]) },
      // 2: OpenAI file
      { "gen_ai.input.messages": messages([question, { type: "file", file: { file_data: dataUrl("application/pdf", DOC), filename: "report.pdf" } }]) },
      // 3: Anthropic source
      { "gen_ai.input.messages": messages([{ type: "image", source: { type: "base64", media_type: "image/png", data: b64(IMAGE) } }, question]) },
      // 4: Gemini inlineData, and 5: inline_data
      { "gen_ai.input.messages": messages([question, { inlineData: { mimeType: "image/png", data: b64(IMAGE) } }]) },
      { "gen_ai.input.messages": messages([question, { inline_data: { mime_type: "audio/wav", data: b64(AUDIO) } }]) },
      // 6: Bedrock Converse document
      { "gen_ai.input.messages": messages([question, { document: { format: "pdf", name: "contract", source: { bytes: b64(DOC) } } }]) },
      // 7: AI SDK file part
      { "gen_ai.input.messages": messages([question, { type: "file", data: b64(IMAGE), mediaType: "image/png" }]) },
      // 8: GenAI semconv blob part
      { "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Describe" }, { type: "blob", modality: "image", mime_type: "image/png", content: b64(IMAGE) }] }]) },
      // 9: OpenInference image URL (flattened attributes)
      {
        "openinference.span.kind": "LLM",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.contents.0.message_content.type": "text",
        "llm.input_messages.0.message.contents.0.message_content.text": "What is this?",
        "llm.input_messages.0.message.contents.1.message_content.type": "image",
        "llm.input_messages.0.message.contents.1.message_content.image.image.url": dataUrl("image/png", IMAGE),
      },
      // 10: media in the output: an audio answer, and a whole-value data URI in any field
      {
        "gen_ai.input.messages": messages("Say hi"),
        "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "Hi" }, { type: "blob", modality: "audio", mime_type: "audio/wav", content: b64(AUDIO) }] }]),
      },
      // 11: a data URI inside prose stays text
      { "gen_ai.input.messages": messages(`see this: ${dataUrl("image/png", IMAGE)} thanks`) },
      // 12: AI SDK image part (raw base64, type from the bytes)
      { "ai.prompt.messages": JSON.stringify([{ role: "user", content: [{ type: "text", text: "Look" }, { type: "image", image: b64(IMAGE) }] }]), "ai.operationId": "ai.generateText.doGenerate" },
    ];
    const { rows } = await logSpans("media-shapes", shapes);
    expect(rows).toHaveLength(shapes.length);
    const byName = (i: number) => rows.find((r) => r.span_attributes?.name === `llm ${i}`)!;
    const content = (i: number) => (byName(i).input as { content: unknown[] }[])[0]!.content as Record<string, any>[];

    const keys: string[] = [];
    keys.push(reference(content(0)[1]!.image_url.url, "image/png", "image.png"));
    expect(content(0)[1]!.image_url.detail).toBe("low");
    keys.push(reference(content(1)[1]!.input_audio.data, "audio/wav", "audio.wav"));
    expect(content(1)[1]!.input_audio.format).toBe("wav");
    keys.push(reference(content(2)[1]!.file.file_data, "application/pdf", "report.pdf"));
    keys.push(reference(content(3)[0]!.source.data, "image/png", "image.png"));
    expect(content(3)[0]!.source).toMatchObject({ type: "base64", media_type: "image/png" });
    keys.push(reference(content(4)[1]!.inlineData.data, "image/png"));
    keys.push(reference(content(5)[1]!.inline_data.data, "audio/wav"));
    keys.push(reference(content(6)[1]!.document.source.bytes, "application/pdf", "contract.pdf"));
    keys.push(reference(content(7)[1]!.data, "image/png"));
    keys.push(reference(content(8)[1]!.content, "image/png"));
    keys.push(reference(content(9)[1]!.image_url.url, "image/png"));
    const answer = (byName(10).output as { content: Record<string, any>[] }[])[0]!.content;
    keys.push(reference(answer[1]!.content, "audio/wav", "audio.wav"));
    keys.push(reference(content(12)[1]!.image, "image/png"));

    // Every text part is kept.
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7]) expect(content(i)).toContainEqual(question);
    expect(content(8)[0]).toEqual({ type: "text", text: "Describe" });
    expect(content(9)[0]).toMatchObject({ text: "What is this?" });
    expect(answer[0]).toEqual({ type: "text", text: "Hi" });
    // Prose keeps its data URI as text.
    expect((byName(11).input as { content: string }[])[0]!.content).toBe(`see this: ${dataUrl("image/png", IMAGE)} thanks`);

    // The same image sent in eight shapes was uploaded once; every key's bytes are stored, status done.
    const expected = [IMAGE, AUDIO, DOC, IMAGE, IMAGE, AUDIO, DOC, IMAGE, IMAGE, IMAGE, AUDIO, IMAGE];
    keys.forEach((key, i) => {
      expect(storedBytes(key)?.equals(expected[i]!)).toBe(true);
      expect(server.attachment(key)!.meta.status).toEqual({ upload_status: "done" });
    });
    expect(new Set(keys).size).toBe(3);
    const puts = server.requests.filter((r) => r.method === "PUT" && r.path.startsWith("/attachment/upload/"));
    expect(puts).toHaveLength(3);
    // The key goes to the API, never to the object store.
    for (const put of puts) expect(put.headers.authorization).toBeUndefined();
    const project = server.projects().find((p) => p.name === "media-shapes")!;
    for (const asked of server.requests.filter((r) => r.path === "/attachment" && r.method === "POST")) {
      expect(asked.headers.authorization).toBe("Bearer ***");
      expect((asked.body as { org_id: string }).org_id).toBe(project.org_id);
    }
  });

  it("a chat history that resends the same image uploads it once", async () => {
    watch.start();
    const image = png(40, 40, 11);
    const turn = (n: number) => ({ "gen_ai.input.messages": messages([{ type: "text", text: `turn ${n}` }, { type: "image_url", image_url: { url: dataUrl("image/png", image) } }]) });
    const before = server.requests.length;
    const { rows } = await logSpans("media-repeat", [turn(1), turn(2), turn(3), turn(4)]);
    const keys = rows.map((r) => ((r.input as { content: any[] }[])[0]!.content[1].image_url.url as { key: string }).key);
    expect(new Set(keys).size).toBe(1);
    const puts = server.requests.slice(before).filter((r) => r.method === "PUT");
    expect(puts).toHaveLength(1);
    expect(storedBytes(keys[0]!)?.equals(image)).toBe(true);
  });

  it("the same bytes in either base64 alphabet, padded or not, are one upload", async () => {
    watch.start();
    const image = png(40, 40, 12);
    const before = server.requests.length;
    const { rows } = await logSpans("media-alphabets", [
      { "gen_ai.input.messages": messages([question, { type: "image", source: { type: "base64", media_type: "image/png", data: image.toString("base64") } }]) },
      { "gen_ai.input.messages": messages([question, { type: "image", source: { type: "base64", media_type: "image/png", data: image.toString("base64url") } }]) },
    ]);
    const keys = rows.map((r) => reference((r.input as { content: any[] }[])[0]!.content[1].source.data, "image/png"));
    expect(keys[1]).toBe(keys[0]);
    expect(server.requests.slice(before).filter((r) => r.method === "PUT")).toHaveLength(1);
    expect(storedBytes(keys[0]!)?.equals(image)).toBe(true);
  });

  it("a 6 MB image with a one-line question: the question survives and the image is an attachment", async () => {
    watch.start();
    const big = pngLike(6_000_000, 5);
    const { rows, processor } = await logSpans("media-big", [{ "gen_ai.input.messages": messages([{ type: "text", text: "Is this a cat?" }, { type: "image_url", image_url: { url: dataUrl("image/png", big) } }]) }]);
    expect(rows).toHaveLength(1);
    const content = (rows[0]!.input as { content: any[] }[])[0]!.content;
    expect(content[0]).toEqual({ type: "text", text: "Is this a cat?" });
    const key = reference(content[1].image_url.url, "image/png");
    expect(storedBytes(key)?.equals(big)).toBe(true);
    expect(processor.stats().dropped.tooLarge).toBe(0);
  });

  it("small media (an icon) stays inline, below attachmentMinBytes", async () => {
    watch.start();
    const icon = png(4, 4, 3);
    const url = dataUrl("image/png", icon);
    const { rows } = await logSpans("media-icon", [{ "gen_ai.input.messages": messages([{ type: "image_url", image_url: { url } }]) }]);
    expect((rows[0]!.input as { content: any[] }[])[0]!.content[0].image_url.url).toBe(url);
  });

  it("attachments: false and BRAINTRUST_ATTACHMENTS=false keep media inline", async () => {
    watch.start();
    const url = dataUrl("image/png", IMAGE);
    const span = { "gen_ai.input.messages": messages([{ type: "image_url", image_url: { url } }]) };
    const off = await logSpans("media-off", [span], { attachments: false });
    const env = await logSpans("media-off-env", [span], { env: { BRAINTRUST_ATTACHMENTS: "false" } });
    for (const { rows } of [off, env]) expect((rows[0]!.input as { content: any[] }[])[0]!.content[0].image_url.url).toBe(url);
  });

  it("the mask sees the row with its references", async () => {
    watch.start();
    const seen: unknown[] = [];
    const { rows } = await logSpans("media-mask", [{ "gen_ai.input.messages": messages([{ type: "image_url", image_url: { url: dataUrl("image/png", IMAGE) } }]) }], {
      mask: (event) => {
        seen.push(structuredClone(event.input));
        return event;
      },
    });
    const url = (seen[0] as { content: any[] }[])[0]!.content[0].image_url.url;
    expect(url).toMatchObject({ type: "braintrust_attachment", content_type: "image/png" });
    expect((rows[0]!.input as { content: any[] }[])[0]!.content[0].image_url.url).toEqual(url);
  });
});

describe("bounded", () => {
  it("media past maxAttachmentBytes becomes a marker naming its type and size; the row goes with its text, said once", async () => {
    const { messages: said } = watch.start();
    const image = png(64, 64, 13); // about 12 KB: more than the 4 KiB budget holds
    const spans = [1, 2].map((n) => ({ "gen_ai.input.messages": messages([{ type: "text", text: `question ${n}` }, { type: "image_url", image_url: { url: dataUrl("image/png", image) } }]) }));
    const before = server.requests.length;
    const { rows } = await logSpans("media-budget", spans, { maxAttachmentBytes: 4096 });
    expect(rows).toHaveLength(2);
    for (const [i, row] of rows.entries()) {
      const content = (row.input as { content: any[] }[])[0]!.content;
      expect(content[0]).toEqual({ type: "text", text: `question ${i + 1}` });
      expect(content[1].image_url.url).toBe("[image/png 12.4 KB not uploaded: attachment budget full]");
    }
    expect(server.requests.slice(before).filter((r) => r.path.startsWith("/attachment"))).toEqual([]);
    expect(said.filter((m) => m.includes("maxAttachmentBytes"))).toHaveLength(1);
  });

  it("the budget counts the decoded bytes held, not their base64 as well", async () => {
    watch.start();
    const [a, b] = [png(64, 64, 21), png(64, 64, 22)];
    // Room for both images' bytes and their row; their base64 as well would not fit.
    const budget = a.length + b.length + 4096;
    expect(b64(a).length + a.length + b.length).toBeGreaterThan(budget);
    const content = [question, { type: "image_url", image_url: { url: dataUrl("image/png", a) } }, { type: "image_url", image_url: { url: dataUrl("image/png", b) } }];
    const { rows } = await logSpans("media-budget-bytes", [{ "gen_ai.input.messages": messages(content) }], { maxAttachmentBytes: budget });
    const parts = (rows[0]!.input as { content: any[] }[])[0]!.content;
    expect(storedBytes(reference(parts[1].image_url.url, "image/png"))?.equals(a)).toBe(true);
    expect(storedBytes(reference(parts[2].image_url.url, "image/png"))?.equals(b)).toBe(true);
  });
});

describe("uploads that fail leave no dangling reference", () => {
  for (const [route, cause] of [
    ["attachment", "the API refused it"],
    ["object-store", "the object store refused it"],
  ] as const) {
    it(`refused by ${route === "attachment" ? "POST /attachment" : "the object store"}: rows arrive with their text and a marker, said once`, async () => {
      const { messages: said } = watch.start();
      server.setFault({ routes: [route], failStatuses: [403] });
      try {
        const spans = [1, 2].map((n) => ({
          "gen_ai.input.messages": messages([{ type: "text", text: `question ${n}` }, { type: "image_url", image_url: { url: dataUrl("image/png", png(24, 24, 100 + n)) } }]),
        }));
        const { rows } = await logSpans(`media-refused-${route}`, spans);
        expect(rows).toHaveLength(2);
        for (const [i, row] of rows.entries()) {
          const content = (row.input as { content: any[] }[])[0]!.content;
          expect(content[0]).toEqual({ type: "text", text: `question ${i + 1}` });
          expect(content[1].image_url.url).toMatch(new RegExp(`^\\[image/png [\\d.]+ KB not uploaded: ${cause}\\]$`));
          expect(JSON.stringify(row)).not.toContain("braintrust_attachment");
        }
        const failures = said.filter((m) => m.includes(route === "attachment" ? "refused to store an attachment" : "object store refused"));
        expect(failures).toHaveLength(1);
        expect(failures[0]).toContain("403");
      } finally {
        server.setFault(undefined);
      }
    });
  }
});

describe("the org an attachment is stored under", () => {
  it("rows routed to an experiment in another org upload with that org's id, looked up once per experiment", async () => {
    watch.start();
    const api = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${server.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
    const other = await api("/v1/project", { name: "media-other-org", org_name: "another-org" });
    const experiment = await api("/v1/experiment", { project_id: other.id, name: "media-experiment" });
    const image = (seed: number) => ({ "gen_ai.input.messages": messages([question, { type: "image_url", image_url: { url: dataUrl("image/png", png(24, 24, seed)) } }]) });
    const before = server.requests.length;
    await logSpans("media-default-org", [
      { ...image(301), "braintrust.parent": `experiment_id:${experiment.id}` },
      { ...image(302), "braintrust.parent": `experiment_id:${experiment.id}` },
      image(303),
    ]);
    const own = server.projects().find((p) => p.name === "media-default-org")!;
    expect(other.org_id).not.toBe(own.org_id);
    const rows = server.experimentRows(experiment.id);
    expect(rows).toHaveLength(2);
    const keys = rows.map((r) => reference((r.input as { content: any[] }[])[0]!.content[1].image_url.url, "image/png"));
    const asked = server.requests.slice(before).filter((r) => r.path === "/attachment" && r.method === "POST");
    const orgOf = (key: string) => (asked.find((r) => (r.body as { key: string }).key === key)!.body as { org_id: string }).org_id;
    for (const key of keys) {
      expect(orgOf(key)).toBe(other.org_id);
      expect(storedBytes(key)).toBeDefined();
    }
    const [logged] = server.rows("media-default-org");
    expect(orgOf(reference((logged!.input as { content: any[] }[])[0]!.content[1].image_url.url, "image/png"))).toBe(own.org_id);
    expect(server.requests.slice(before).filter((r) => r.method === "GET" && r.path === `/v1/experiment/${experiment.id}`)).toHaveLength(1);
  });
});

describe("shutdown", () => {
  it("a project lookup that never answers does not hold shutdown: it ends by its deadline and the row is counted", async () => {
    watch.start();
    const silent = await scriptedServer(() => new Promise<void>(() => {}));
    try {
      const processor = new BraintrustSpanProcessor({ apiKey: "sk-silent-key", apiUrl: silent.url, projectName: "never-answers", exportTimeoutMillis: 1000 });
      const provider = providerWith(processor);
      const span = provider.getTracer("media-test").startSpan("llm");
      span.setAttributes({ "gen_ai.operation.name": "chat", "gen_ai.input.messages": messages([question, { type: "image_url", image_url: { url: dataUrl("image/png", png(24, 24, 200)) } }]) });
      span.end();
      // Held forever, this would end the test by its timeout instead.
      await provider.shutdown();
      trace.disable();
      expect(processor.stats()).toMatchObject({ sent: 0, dropped: { shutdown: 1 } });
    } finally {
      await silent.close();
    }
  });
});
