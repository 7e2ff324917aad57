// OTLP/HTTP's envelope on the local server: which bodies it takes (protobuf or JSON, gzip,
// deflate or none), and the answer each wrong or hostile body gets, in the request's own
// encoding. After each of them the server still takes a good export.
import { fileURLToPath } from "node:url";
import { deflateSync, gzipSync } from "node:zlib";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBraintrust, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { call } from "./helpers.js";

const LIMIT = 1024 * 1024;
let lb: LocalBraintrust;
beforeAll(async () => {
  lb = await startLocalBraintrust({ maxRequestBytes: LIMIT });
});
afterAll(() => lb.close());

/** google.rpc.Status, read with protobufjs from its .proto (not with the server's own schema). */
const Status = protobuf.loadSync(fileURLToPath(new URL("../../proto/google/rpc/status.proto", import.meta.url))).lookupType("google.rpc.Status");

function spans(...names: string[]): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  for (const name of names) provider.getTracer("envelope").startSpan(name).end();
  return memory.getFinishedSpans();
}

/** What OTel's protobuf exporter sends for these spans. */
const protobufBody = (...names: string[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans(...names))!);

interface Answer {
  status: number;
  contentType: string | null;
  /** The body as a google.rpc.Status (protobuf answers) or as JSON. */
  body: any;
}

async function post(body: Buffer | string, headers: Record<string, string>, path = "/otel/v1/traces"): Promise<Answer> {
  const res = await fetch(lb.url + path, { method: "POST", headers: { authorization: `Bearer ${lb.apiKey}`, ...headers }, body: typeof body === "string" ? body : new Uint8Array(body) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const contentType = res.headers.get("content-type");
  const decoded = contentType === "application/x-protobuf" ? (res.status === 200 ? bytes : Status.toObject(Status.decode(bytes))) : JSON.parse(bytes.toString());
  return { status: res.status, contentType, body: decoded };
}

const PROTOBUF = { "content-type": "application/x-protobuf", "x-bt-parent": "project_name:envelope" };

/** The server still takes a good protobuf export, and stores it. */
async function stillServes(name: string) {
  const answer = await post(protobufBody(name), PROTOBUF);
  expect(answer).toMatchObject({ status: 200, contentType: "application/x-protobuf" });
  expect(lb.rows("envelope").map((r) => r.span_attributes?.name)).toContain(name);
}

describe("OTLP/HTTP bodies and answers", () => {
  it("takes protobuf and JSON, each gzipped or deflated too, and answers in the same encoding", async () => {
    const protobufAnswer = await post(protobufBody("plain"), PROTOBUF);
    // An ExportTraceServiceResponse with nothing refused is an empty message.
    expect(protobufAnswer).toEqual({ status: 200, contentType: "application/x-protobuf", body: Buffer.alloc(0) });
    expect(await post(gzipSync(protobufBody("gzipped")), { ...PROTOBUF, "content-encoding": "gzip" })).toMatchObject({ status: 200 });
    expect(await post(deflateSync(protobufBody("deflated")), { ...PROTOBUF, "content-encoding": "deflate" })).toMatchObject({ status: 200 });
    const json = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "1".repeat(32), spanId: "2".repeat(16), name: "json gzipped", startTimeUnixNano: "1700000000000000000" }] }] }] });
    expect(await post(gzipSync(json), { "content-type": "application/json", "content-encoding": "gzip", "x-bt-parent": "project_name:envelope" })).toEqual({
      status: 200,
      contentType: "application/json; charset=utf-8",
      body: {},
    });
    expect(lb.rows("envelope").map((r) => r.span_attributes?.name).sort()).toEqual(["deflated", "gzipped", "json gzipped", "plain"]);
  });

  it("answers 400 with the reason to a body that is not protobuf, or is cut short, as a google.rpc.Status", async () => {
    const notProtobuf = await post("this is not protobuf", PROTOBUF);
    expect(notProtobuf).toEqual({
      status: 400,
      contentType: "application/x-protobuf",
      body: { code: 3, message: expect.stringMatching(/^Body is not a protobuf ExportTraceServiceRequest \(.+\): it is cut short, or not protobuf/) },
    });
    const whole = protobufBody("whole");
    expect(await post(whole.subarray(0, whole.length - 7), PROTOBUF)).toMatchObject({ status: 400, body: { code: 3, message: expect.stringContaining("index out of range") } });
    // JSON sent as protobuf: refused, not read as an empty export.
    expect(await post('{"resourceSpans":[]}', PROTOBUF)).toMatchObject({ status: 400 });
    await stillServes("after bad protobuf");
  });

  it("answers 400 to a body that does not inflate, 415 to an encoding or type it does not take", async () => {
    const corrupt = gzipSync(protobufBody("corrupt"));
    corrupt[corrupt.length - 12] ^= 0xff; // damage the deflate data, so the CRC fails
    expect(await post(corrupt, { ...PROTOBUF, "content-encoding": "gzip" })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^Body does not inflate as gzip/) } });
    expect(await post(protobufBody("br"), { ...PROTOBUF, "content-encoding": "br" })).toMatchObject({ status: 415, body: { message: expect.stringContaining("gzip, deflate or none") } });
    expect(await post(protobufBody("text"), { ...PROTOBUF, "content-type": "text/plain" })).toMatchObject({
      status: 415,
      body: { message: 'Content-Type must be application/x-protobuf or application/json, not "text/plain"' },
    });
    expect(lb.rows("envelope").map((r) => r.span_attributes?.name)).not.toContain("corrupt");
    await stillServes("after bad encodings");
  });

  it("answers 413 to a gzip bomb, counting the inflated bytes, and keeps serving", async () => {
    // 16 MB of zeros in about 16 KB: over the 1 MiB limit only once inflated.
    const bomb = gzipSync(Buffer.alloc(16 * LIMIT));
    expect(bomb.length).toBeLessThan(LIMIT / 32);
    const before = lb.requests.length;
    expect(await post(bomb, { ...PROTOBUF, "content-encoding": "gzip" })).toMatchObject({ status: 413, body: { message: `Request body exceeds ${LIMIT} bytes once inflated` } });
    expect(lb.requests[before]).toMatchObject({ status: 413, bytes: bomb.length });
    await stillServes("after the bomb");
  });

  it("answers 401 without a key before reading the body", async () => {
    const res = await fetch(`${lb.url}/otel/v1/traces`, { method: "POST", headers: PROTOBUF, body: protobufBody("no key") });
    expect(res.status).toBe(401);
    expect(lb.requests.at(-1)).toMatchObject({ status: 401, bytes: 0, body: undefined });
    await stillServes("after no key");
  });

  it("answers a request-level mistake with the reason in JSON, and stores nothing", async () => {
    const body = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "1".repeat(32), spanId: "2".repeat(16), name: "x", startTimeUnixNano: "1700000000000000000" }] }] }] };
    const json = (headers: Record<string, string>, payload: unknown = body) =>
      post(typeof payload === "string" ? payload : JSON.stringify(payload), { "content-type": "application/json", ...headers }).then(({ status, body }) => ({ status, json: body }));

    expect(await json({})).toEqual({ status: 400, json: { code: 3, message: expect.stringContaining("send an x-bt-parent header") } });
    expect(await json({ "x-bt-parent": "project:oops" })).toEqual({ status: 400, json: { code: 3, message: expect.stringContaining("x-bt-parent: expected project_name:NAME") } });
    expect(await json({ "x-bt-parent": "project_id:00000000-0000-4000-8000-000000000000" })).toMatchObject({ status: 404, json: { code: 5 } });
    expect(await json({ "x-bt-parent": "experiment_id:00000000-0000-4000-8000-000000000000" })).toMatchObject({ status: 404 });
    expect(await json({ "x-bt-parent": "project_name:otlp-bad" }, "{not json")).toMatchObject({ status: 400, json: { message: expect.stringMatching(/^Body is not JSON \(.+\): send an OTLP\/JSON ExportTraceServiceRequest, or protobuf as application\/x-protobuf$/) } });
    const badId = structuredClone(body);
    badId.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.spanId = "xyz";
    expect(await json({ "x-bt-parent": "project_name:otlp-bad" }, badId)).toEqual({
      status: 400,
      json: { code: 3, message: "Invalid request: resourceSpans[0].scopeSpans[0].spans[0].spanId: must be 16 hex digits" },
    });
    expect(await json({ "x-bt-parent": "project_name:otlp-bad", authorization: "Bearer sk-wrong" })).toMatchObject({ status: 401 });
    expect(lb.projects().some((p) => p.name === "otlp-bad")).toBe(false);
    expect((await call(lb, "GET", "/otel/v1/traces")).status).toBe(405);

    expect(await json({ "x-bt-parent": "project_name:otlp-good" })).toEqual({ status: 200, json: {} });
    expect(lb.rows("otlp-good").map((r) => [r.span_id, r.root_span_id, r.created])).toEqual([["2".repeat(16), "1".repeat(32), "2023-11-14T22:13:20.000Z"]]);
  });
});
