// `tail` shows an attachment as its type and size, where it was in the message.
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { BraintrustSpanProcessor } from "../../src/index.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { dataUrl, png } from "../helpers/media.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

it("tail prints [image/png 293 KB] for an image sent as an attachment", async () => {
  const image = png(312, 313, 8); // about 293,300 bytes of noise
  const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName: "tail-media" });
  const provider = providerWith(processor);
  const span = provider.getTracer("t").startSpan("chat");
  span.setAttribute("gen_ai.input.messages", JSON.stringify([{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: dataUrl("image/png", image) } }] }]));
  span.end();
  await provider.shutdown();
  trace.disable();

  let stdout = "";
  const out = { write: (t: string) => void (stdout += t), note: () => {}, width: 200, color: false };
  const code = await main(["tail", "--project", "tail-media"], { BRAINTRUST_API_URL: server.url, BRAINTRUST_API_KEY: server.apiKey }, out, new AbortController().signal);
  expect(code).toBe(0);
  expect(image.length).toBeGreaterThan(292_500);
  expect(image.length).toBeLessThan(293_500);
  expect(stdout).toContain("What is this?\\n[image/png 293 KB]");
});
