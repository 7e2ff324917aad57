// The web viewer in a real browser: Debian's Chromium, driven headless by playwright-core.
// A real processor logs an agent trace (LLM calls, a tool call, a failing span) to the
// local server; the test clicks through the page as a person would and reads what is shown.
import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpanStatusCode, context, trace } from "@opentelemetry/api";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor } from "braintrust-otel-exporter";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { dataUrl, pdf, png, wav } from "../helpers/media.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available) {
  const reason = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  // CI installs it (.ci/run): there, a missing browser is a failure, not a skip.
  if (process.env.CI === "true") throw new Error(`The viewer's browser test cannot run: ${reason}`);
  console.warn(`Skipping the viewer's browser test: ${reason}.`);
}

/** How long the page may take to show what a step waits for: a bound for a hang, not a speed check. */
const WAIT = 60_000;

let lb: LocalBraintrust;
let provider: NodeTracerProvider;
let processor: BraintrustSpanProcessor;
let browser: Browser;
let page: Page;
const requested: string[] = [];
/** Every answer that was not found: none is expected, the icon included. */
const missing: string[] = [];

const messages = (list: { role: string; text: string }[]) => JSON.stringify(list.map(({ role, text }) => ({ role, parts: [{ type: "text", content: text }] })));

/** An agent turn as an app's instrumentation would record it, with the timings of a real one. */
function agentTurn(question: string, failing: boolean) {
  const tracer = provider.getTracer("viewer-test");
  const t0 = Date.now() - 2_000;
  const at = (ms: number) => new Date(t0 + ms);
  const root = tracer.startSpan(question === "What's the weather in Paris?" ? "support agent" : "second question", { attributes: { input: question }, startTime: at(0) });
  const ctx = trace.setSpan(context.active(), root);
  const llm = tracer.startSpan("chat gpt-4o-mini", {
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.input.messages": messages([{ role: "system", text: "You answer weather questions." }, { role: "user", text: question }]),
      "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "get_weather", arguments: { city: "Paris" } }] }]),
      "gen_ai.usage.input_tokens": 31,
      "gen_ai.usage.output_tokens": 9,
    },
    startTime: at(40),
  }, ctx);
  llm.end(at(820));
  const tool = tracer.startSpan("execute_tool get_weather", {
    attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.arguments": '{"city":"Paris"}', "gen_ai.tool.call.result": '{"sky":"sunny","celsius":21}' },
    startTime: at(830),
  }, ctx);
  tool.end(at(1010));
  if (failing) {
    const lookup = tracer.startSpan("lookup_user", { startTime: at(1020) }, ctx);
    lookup.recordException(new Error("user 42 not found"));
    lookup.setStatus({ code: SpanStatusCode.ERROR, message: "user 42 not found" });
    lookup.end(at(1090));
  }
  const answer = tracer.startSpan("chat gpt-4o-mini", {
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.input.messages": JSON.stringify([
        { role: "user", parts: [{ type: "text", content: question }] },
        { role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "get_weather", arguments: { city: "Paris" } }] },
        { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: { sky: "sunny", celsius: 21 } }] },
      ]),
      "gen_ai.output.messages": messages([{ role: "assistant", text: "It is sunny and 21 °C in Paris." }]),
      "gen_ai.usage.input_tokens": 52,
      "gen_ai.usage.output_tokens": 11,
    },
    startTime: at(1100),
  }, ctx);
  answer.end(at(1870));
  root.setAttribute("output", "It is sunny and 21 °C in Paris.");
  root.end(at(1900));
}

describe.skipIf(!available)("web viewer, in Chromium", () => {
  beforeAll(async () => {
    lb = await startLocalBraintrust();
    processor = new BraintrustSpanProcessor({ apiKey: lb.apiKey, apiUrl: lb.url, projectName: "viewer-demo" });
    provider = new NodeTracerProvider({ spanProcessors: [processor] });
    agentTurn("What's the weather in Paris?", true);
    await processor.forceFlush();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root Chromium needs --no-sandbox; the other two keep it from calling home.
      args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"],
    });
    const browserContext = await browser.newContext({ timezoneId: "UTC", locale: "en-US", viewport: { width: 1360, height: 900 } });
    page = await browserContext.newPage();
    page.on("request", (r) => requested.push(r.url()));
    page.on("response", (r) => {
      if (r.status() === 404) missing.push(r.url());
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await provider?.shutdown();
    await lb?.close();
  });

  it("shows traces, a waterfall and an LLM span's conversation as text, live, from 127.0.0.1 only", async () => {
    await page.goto(`${lb.url}/#key=${lb.apiKey}`);
    // The key leaves the address bar at once (it stays in the tab's sessionStorage).
    await expect.poll(() => page.url()).toBe(`${lb.url}/`);

    const first = page.locator(".trace", { hasText: "support agent" });
    await first.waitFor({ timeout: WAIT });
    await expect.poll(() => page.locator(".project[aria-pressed=true]").innerText()).toBe("viewer-demo");
    // Opened without a click: the newest trace's waterfall, its root span's detail.
    await expect.poll(() => page.locator(".waterfall .bar-row").count()).toBe(5);
    expect(await page.locator("main").innerText()).not.toContain("Loading");
    expect(await page.locator(".trace[aria-pressed=true]").innerText()).toContain("support agent");
    expect(await page.locator(".span-detail h2").innerText()).toContain("support agent");
    const listed = await first.innerText();
    expect(listed).toContain("✗ 1 error");
    expect(listed).toContain("103 tok"); // the two LLM calls: 31 + 9 and 52 + 11
    expect(listed).toMatch(/\d{1,2}\/\d{1,2}\/\d{4}, \d{1,2}:\d{2}:\d{2} [AP]M/);
    await first.click();

    // The waterfall: one bar per span, in tree order, each with its type.
    const rows = page.locator(".waterfall .bar-row");
    await expect.poll(() => rows.count()).toBe(5);
    const labels = await rows.locator(".bar-label").allInnerTexts();
    expect(labels.map((l) => l.replace(/\s+/g, " ").trim())).toEqual([
      "support agent task",
      "chat gpt-4o-mini llm 40 tok",
      "execute_tool get_weather tool",
      "lookup_user ✗ error",
      "chat gpt-4o-mini llm 63 tok",
    ]);
    const boxes = await rows.locator(".bar").evaluateAll((bars) => bars.map((b) => b.getBoundingClientRect().width));
    expect(boxes.every((w) => w >= 2)).toBe(true);

    // The first LLM call: the conversation as role + text, the tool call as a tool call.
    await rows.nth(1).click();
    const detail = page.locator(".span-detail");
    await expect.poll(() => detail.locator("h2").innerText()).toContain("chat gpt-4o-mini");
    const input = await detail.locator(".detail-input").innerText();
    expect(input).toMatch(/system\s+You answer weather questions\.\s+user\s+What's the weather in Paris\?/i);
    const output = await detail.locator(".detail-output").innerText();
    expect(output).toMatch(/assistant\s+tool call get_weather/i);
    expect(output).toContain('"city": "Paris"');
    const shown = await detail.innerText();
    expect(shown).not.toContain('"role"');
    expect(await detail.locator(".detail-metadata").innerText()).toMatch(/model\s+gpt-4o-mini/);
    const metrics = await detail.locator(".detail-metrics").innerText();
    expect(metrics).toMatch(/prompt_tokens\s+31/);
    expect(metrics).toMatch(/completion_tokens\s+9/);
    expect(metrics).toMatch(/tokens\s+40/);

    // The tool's input, a plain object, as collapsible JSON rather than one line.
    await rows.nth(2).click();
    await expect.poll(() => detail.locator("h2").innerText()).toContain("execute_tool get_weather");
    expect(await detail.locator(".detail-input details summary").first().innerText()).toBe("{ city }");

    // The second call: the tool's result, fed back, is shown as a tool result.
    await rows.nth(4).click();
    await expect.poll(() => detail.locator(".detail-input").innerText()).toMatch(/tool result · call_1\s+\{"sky":"sunny","celsius":21\}/i);
    expect(await detail.locator(".detail-output").innerText()).toMatch(/assistant\s+It is sunny and 21 °C in Paris\./i);

    // The failing span says why.
    await rows.nth(3).click();
    await expect.poll(() => detail.locator(".error-text").innerText()).toContain("Error: user 42 not found");

    // A new trace appears without a reload.
    await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
    agentTurn("And tomorrow?", false);
    await processor.forceFlush();
    await page.locator(".trace", { hasText: "second question" }).waitFor({ timeout: WAIT });
    expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
    expect(await page.locator(".trace").first().innerText()).toContain("second question"); // newest first
    expect(await page.locator(".trace", { hasText: "second question" }).innerText()).not.toContain("error");

    // The selected trace stays open while the list updates.
    expect(await detail.locator("h2").innerText()).toContain("lookup_user");

    // Filtering by text.
    await page.fill("#filter", "tomorrow");
    await expect.poll(() => page.locator(".trace").count()).toBe(1);
    expect(await page.locator("#trace-count").textContent()).toBe("1 of 2 traces");
    await page.fill("#filter", "");

    const screenshot = join(tmpdir(), "braintrust-otel-exporter-viewer.png");
    await page.locator(".trace", { hasText: "support agent" }).click();
    await page.locator(".waterfall .bar-row").nth(1).click();
    const png = await page.screenshot({ fullPage: true });
    writeFileSync(screenshot, png);
    // VIEWER_SCREENSHOT=docs/viewer.png refreshes the README's picture from this run.
    if (process.env.VIEWER_SCREENSHOT) writeFileSync(process.env.VIEWER_SCREENSHOT, png);
    console.log(`viewer screenshot: ${screenshot}`);

    const elsewhere = requested.filter((url) => !url.startsWith(`${lb.url}/`));
    expect(elsewhere).toEqual([]);
    expect(missing).toEqual([]);
    expect(await page.locator("link[rel=icon]").getAttribute("href")).toMatch(/^data:image\/svg\+xml,/);
    expect(requested.length).toBeGreaterThan(3);
  }, 90_000);

  it("on an empty server, shows the lines that point an app at it; the first trace then opens by itself", async () => {
    const empty = await startLocalBraintrust();
    const fresh = await browser.newContext({ timezoneId: "UTC" });
    const other = await fresh.newPage();
    const notFound: string[] = [];
    other.on("response", (r) => {
      if (r.status() === 404) notFound.push(r.url());
    });
    try {
      await other.goto(`${empty.url}/#key=${empty.apiKey}`);
      const lines = other.locator(".env-lines");
      await lines.waitFor({ timeout: WAIT });
      expect(await lines.innerText()).toBe(`export BRAINTRUST_API_URL=${empty.url}\nexport BRAINTRUST_API_KEY=${empty.apiKey}`);
      expect(await other.locator("main").innerText()).toContain("No traces yet.");

      const late = new BraintrustSpanProcessor({ apiKey: empty.apiKey, apiUrl: empty.url, projectName: "viewer-late" });
      const lateProvider = new NodeTracerProvider({ spanProcessors: [late] });
      lateProvider.getTracer("viewer-test").startSpan("first trace").end();
      await lateProvider.shutdown();
      await other.locator(".span-detail h2", { hasText: "first trace" }).waitFor({ timeout: WAIT });
      expect(await other.locator(".env-lines").count()).toBe(0);
      expect(notFound).toEqual([]);
      // Tools that ignore the inline icon still find one.
      const icon = await fetch(`${empty.url}/favicon.ico`);
      expect(icon.status).toBe(200);
      expect(icon.headers.get("content-type")).toBe("image/svg+xml");
    } finally {
      await fresh.close();
      await empty.close();
    }
  }, 60_000);

  it("asks for the key when it has none, and refuses a wrong one", async () => {
    const fresh = await browser.newContext({ timezoneId: "UTC" });
    const other = await fresh.newPage();
    await other.goto(`${lb.url}/`);
    await other.locator(".key-form").waitFor();
    await other.fill("#key-input", "sk-wrong");
    await other.click(".key-form button");
    await expect.poll(() => other.locator(".key-form p").innerText()).toContain("This key was refused");
    await other.fill("#key-input", lb.apiKey);
    await other.click(".key-form button");
    await other.locator(".trace", { hasText: "support agent" }).waitFor({ timeout: WAIT });
    await fresh.close();
  }, 60_000);

  it("shows an image, an audio player and a file link inside the LLM span's messages, where they were", async () => {
    const media = new BraintrustSpanProcessor({ apiKey: lb.apiKey, apiUrl: lb.url, projectName: "viewer-media" });
    const mediaProvider = new NodeTracerProvider({ spanProcessors: [media] });
    const llm = mediaProvider.getTracer("viewer-test").startSpan("chat gpt-4o", {
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.input.messages": JSON.stringify([
          {
            role: "user",
            content: [
              { type: "text", text: "What is in this picture?" },
              { type: "image_url", image_url: { url: dataUrl("image/png", png(48, 32, 5)) } },
              { type: "input_audio", input_audio: { data: wav(4000).toString("base64"), format: "wav" } },
              { type: "file", file: { file_data: dataUrl("application/pdf", pdf(4096)), filename: "notes.pdf" } },
              { type: "text", text: "Answer briefly." },
            ],
          },
        ]),
        "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "Noise." }] }]),
      },
    });
    llm.end();
    await mediaProvider.shutdown();

    const fresh = await browser.newContext({ timezoneId: "UTC" });
    const other = await fresh.newPage();
    await other.goto(`${lb.url}/#key=${lb.apiKey}`);
    await other.locator(".project", { hasText: "viewer-media" }).click();
    await other.locator(".trace", { hasText: "chat gpt-4o" }).click();
    const input = other.locator(".span-detail .detail-input");
    const image = input.locator(".msg .attachment img");
    await image.waitFor({ timeout: WAIT });
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(48);
    await input.locator(".msg .attachment audio").waitFor();
    expect(await input.locator(".msg .attachment audio").evaluate((a: HTMLAudioElement) => a.controls)).toBe(true);
    const link = input.locator(".msg .attachment a");
    expect(await link.innerText()).toContain("notes.pdf");
    // In order, inside the user's message: text, image, audio, file, text.
    const order = await input.locator(".msg > .text, .msg > .attachment").evaluateAll((nodes) =>
      nodes.map((n) => (n.classList.contains("text") ? n.textContent : (n.firstElementChild?.tagName ?? "").toLowerCase())),
    );
    expect(order).toEqual(["What is in this picture?", "img", "audio", "a", "Answer briefly."]);
    const bytes = await other.evaluate(async (href) => (await (await fetch(href)).arrayBuffer()).byteLength, (await link.getAttribute("href"))!);
    expect(bytes).toBe(4096);
    await fresh.close();
  }, 60_000);
});
