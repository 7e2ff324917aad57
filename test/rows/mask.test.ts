// mask: applied to the mapped row whatever convention the data came from; a failing mask
// never lets raw data out. The PII helper: emails, API keys, Luhn-valid card numbers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraintrustSpanProcessor, MASK_FAILED, createPiiMask, maskPII, redactPII } from "../../src/index.js";
import type { BraintrustEvent } from "../../src/index.js";
import { applyMask } from "../../src/rows/mask.js";
import { luhnValid } from "../../src/rows/pii.js";
import { type LocalBraintrust, startLocalBraintrust } from "../../src/testing/index.js";
import { providerWith } from "../helpers/tracing.js";

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

const row = (fields: Partial<BraintrustEvent> = {}): BraintrustEvent => ({
  id: "a1b2c3d4e5f60718",
  span_id: "a1b2c3d4e5f60718",
  root_span_id: "0af7651916cd43dd8448eb211c80319c",
  span_parents: ["b7ad6b7169203331"],
  created: "2026-01-01T00:00:00.000Z",
  metrics: { start: 1, end: 2 },
  span_attributes: { name: "chat", type: "llm" },
  ...fields,
});

describe("redactPII", () => {
  it("replaces emails, API-key-shaped strings and bearer tokens", () => {
    expect(redactPII("write to Jane.Doe+ai@example.co.uk today")).toBe("write to [email] today");
    expect(redactPII("key sk-proj-AbCdEf0123456789AbCdEf0123")).toBe("key [api-key]");
    expect(redactPII("anthropic sk-ant-api03-abcDEF1234567890_xyz-987")).toBe("anthropic [api-key]");
    expect(redactPII("stripe sk_live_51HxQ2eAbCdEf0123456789")).toBe("stripe [api-key]");
    expect(redactPII("aws AKIAIOSFODNN7EXAMPLE ok")).toBe("aws [api-key] ok");
    expect(redactPII("gh ghp_1234567890abcdefghijklmnopqrstuvwxyzAB")).toBe("gh [api-key]");
    expect(redactPII("Authorization: Bearer abc.def-123_456")).toBe("Authorization: Bearer [api-key]");
  });

  it("replaces card numbers only when the Luhn check passes", () => {
    expect(redactPII("card 4111 1111 1111 1111 exp 12/30")).toBe("card [credit-card] exp 12/30");
    expect(redactPII("card 5500-0000-0000-0004")).toBe("card [credit-card]");
    expect(redactPII("order 4111111111111112")).toBe("order 4111111111111112");
    expect(redactPII("ts 1767225600000")).toBe("ts 1767225600000");
    expect(luhnValid("378282246310005")).toBe(true);
    expect(luhnValid("378282246310006")).toBe(false);
  });

  it("leaves ordinary text alone", () => {
    const text = "sk-learn-compatible-interface at task-runner@v2 with 12 items, risk_assessment_framework";
    expect(redactPII(text)).toBe(text);
  });

  it("can switch rules off and add patterns", () => {
    expect(redactPII("a@b.io 4111111111111111", { emails: false })).toBe("a@b.io [credit-card]");
    expect(redactPII("ssn 123-45-6789", { patterns: [{ pattern: /\b\d{3}-\d{2}-\d{4}\b/g, replacement: "[ssn]" }] })).toBe("ssn [ssn]");
  });
});

describe("maskPII on a row", () => {
  it("masks strings at any depth in input, output, expected, error and metadata, and nothing else", () => {
    const masked = maskPII(
      row({
        input: [{ role: "user", content: [{ type: "text", text: "I am bob@example.com" }] }],
        output: { text: "use sk-abcdefghijklmnop1234" },
        expected: "4242 4242 4242 4242",
        error: "Error: user carol@example.org not found",
        metadata: { email: "dan@example.com", count: 3, nested: { list: ["eve@example.com", 1, null] } },
        span_attributes: { name: "mail ops@example.com" },
      }),
    );
    expect(masked.input).toEqual([{ role: "user", content: [{ type: "text", text: "I am [email]" }] }]);
    expect(masked.output).toEqual({ text: "use [api-key]" });
    expect(masked.expected).toBe("[credit-card]");
    expect(masked.error).toBe("Error: user [email] not found");
    expect(masked.metadata).toEqual({ email: "[email]", count: 3, nested: { list: ["[email]", 1, null] } });
    expect(masked.span_attributes.name).toBe("mail ops@example.com");
  });

  it("createPiiMask builds the same kind of mask with chosen rules", () => {
    const onlyCards = createPiiMask({ emails: false, apiKeys: false });
    expect(onlyCards(row({ input: "x@y.com 4111111111111111" })).input).toBe("x@y.com [credit-card]");
  });
});

describe("applyMask", () => {
  it("keeps identity and links even if the mask rewrites them", () => {
    const out = applyMask(row({ input: "hi" }), (e) => ({ ...e, id: "other", span_parents: [], root_span_id: "x", input: "masked" }));
    expect(out).toMatchObject({ id: "a1b2c3d4e5f60718", span_parents: ["b7ad6b7169203331"], root_span_id: "0af7651916cd43dd8448eb211c80319c", input: "masked" });
  });

  it("replaces the content when the mask throws or returns a non-row", () => {
    const original = row({ input: "secret", output: "secret", expected: "secret", error: "secret", metadata: { a: "secret" } });
    for (const mask of [
      () => {
        throw new Error("bad mask");
      },
      () => undefined as unknown as BraintrustEvent,
      () => "masked" as unknown as BraintrustEvent,
    ]) {
      const out = applyMask({ ...original }, mask);
      expect(JSON.stringify(out)).not.toContain("secret");
      expect(out).toMatchObject({ input: MASK_FAILED, output: MASK_FAILED, expected: MASK_FAILED, error: MASK_FAILED, metadata: { masked: MASK_FAILED } });
      expect(out.id).toBe(original.id);
    }
  });

  it("does not add fields that were absent", () => {
    const out = applyMask(row({ output: "x" }), () => {
      throw new Error("no");
    });
    expect(out.input).toBeUndefined();
    expect(out.metadata).toBeUndefined();
    expect(out.output).toBe(MASK_FAILED);
  });
});

describe("mask through the processor", () => {
  it("masks rows from any convention before they leave, and a failing mask sends no raw data", async () => {
    let calls = 0;
    const processor = new BraintrustSpanProcessor({
      apiKey: server.apiKey,
      apiUrl: server.url,
      projectName: "mask-processor",
      mask: (event) => {
        calls++;
        if (event.span_attributes.name === "explodes") throw new Error("mask bug");
        return maskPII(event);
      },
    });
    const provider = providerWith(processor);
    const tracer = provider.getTracer("mask");
    tracer.startSpan("plain", { attributes: { input: "from alice@example.com", output: "ok", "user.email": "alice@example.com" } }).end();
    tracer.startSpan("genai", {
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "card 4111 1111 1111 1111" }] }]),
      },
    }).end();
    tracer.startSpan("braintrust", { attributes: { "braintrust.input_json": JSON.stringify({ key: "sk-proj-abcdefghij0123456789" }) } }).end();
    tracer.startSpan("explodes", { attributes: { input: "raw alice@example.com", "user.email": "alice@example.com" } }).end();
    await processor.forceFlush();

    const rows = server.rows("mask-processor");
    expect(rows).toHaveLength(4);
    expect(JSON.stringify(rows)).not.toContain("alice@example.com");
    expect(JSON.stringify(rows)).not.toContain("4111 1111 1111 1111"); // the whole number: timestamps may hold "4111"
    expect(JSON.stringify(rows)).not.toContain("sk-proj-abcdefghij0123456789");
    const byName = new Map(rows.map((r) => [r.span_attributes?.name, r]));
    expect(byName.get("plain")).toMatchObject({ input: "from [email]", output: "ok", metadata: { "user.email": "[email]" } });
    expect(JSON.stringify(byName.get("genai")!.input)).toContain("card [credit-card]");
    expect(byName.get("braintrust")!.input).toEqual({ key: "[api-key]" });
    expect(byName.get("explodes")).toMatchObject({ input: MASK_FAILED, metadata: { masked: MASK_FAILED } });
    expect(calls).toBe(4);
    await provider.shutdown();
  });
});
