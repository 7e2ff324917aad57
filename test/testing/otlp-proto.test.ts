// The protobuf codec of the OTLP intake: built from the official .proto files in proto/,
// exact for 64-bit values, and never loaded by the exporter's own entry points.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE, schemaSource } from "../../scripts/otlp-proto-schema.js";
import { decodeProtobufRequest, encodeProtobufResponse } from "../../src/testing/otlp-proto.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("the OTLP protobuf codec", () => {
  it("is what scripts/otlp-proto-schema.ts makes of proto/", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(schemaSource());
  });

  it("decodes 64-bit times and ints exactly, ids in base64 and enums as numbers", () => {
    const span = {
      name: "exact",
      kind: 2, // CLIENT (SpanKind in the API)
      spanContext: () => ({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 }),
      parentSpanContext: undefined,
      startTime: [1_700_000_000, 123_456_789],
      endTime: [1_700_000_001, 987_654_321],
      status: { code: 2, message: "boom" },
      attributes: { big: 2 ** 53 + 2 },
      links: [],
      events: [],
      resource: { attributes: {}, merge: () => null },
      instrumentationScope: { name: "s" },
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
      duration: [1, 0],
      ended: true,
    };
    const decoded = decodeProtobufRequest("traces", ProtobufTraceSerializer.serializeRequest([span as never])!) as any;
    expect(decoded.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({
      traceId: Buffer.from(span.spanContext().traceId, "hex").toString("base64"),
      spanId: Buffer.from(span.spanContext().spanId, "hex").toString("base64"),
      kind: 3, // OTLP counts from UNSPECIFIED
      startTimeUnixNano: "1700000000123456789",
      endTimeUnixNano: "1700000001987654321",
      status: { code: 2, message: "boom" },
      attributes: [{ key: "big", value: { intValue: String(2 ** 53 + 2) } }],
    });
  });

  it("reads a logs request, and answers partial success the exporter's parser reads", () => {
    const record = {
      hrTime: [1_700_000_000, 5],
      hrTimeObserved: [1_700_000_000, 6],
      spanContext: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 },
      severityNumber: 9,
      body: { content: "hi" },
      eventName: "gen_ai.user.message",
      attributes: {},
      resource: { attributes: {} },
      instrumentationScope: { name: "s" },
      droppedAttributesCount: 0,
    };
    const decoded = decodeProtobufRequest("logs", ProtobufLogsSerializer.serializeRequest([record as never])!) as any;
    expect(decoded.resourceLogs[0].scopeLogs[0].logRecords[0]).toMatchObject({
      timeUnixNano: "1700000000000000005",
      eventName: "gen_ai.user.message",
      body: { kvlistValue: { values: [{ key: "content", value: { stringValue: "hi" } }] } },
    });
    expect(ProtobufLogsSerializer.deserializeResponse(encodeProtobufResponse("logs", { rejected: 2, message: "why" }))).toEqual({
      partialSuccess: { rejectedLogRecords: 2, errorMessage: "why" },
    });
    expect(ProtobufTraceSerializer.deserializeResponse(encodeProtobufResponse("traces"))).toEqual({});
  });
});

describe("the exporter's entry points", () => {
  it("never import protobufjs or the local server", async () => {
    for (const entry of ["src/index.ts", "src/register-entry.ts", "src/auto.ts"]) {
      const result = await build({ entryPoints: [root + entry], bundle: true, platform: "node", write: false, metafile: true, logLevel: "silent", external: ["@opentelemetry/*", "undici"], outdir: "/tmp/unused" });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.filter((path) => /node_modules\/(protobufjs|long)\/|src\/testing\//.test(path)), entry).toEqual([]);
    }
  });

  it("load without loading protobufjs, while the local server's entry loads it", () => {
    const loaded = (entry: string) =>
      execFileSync(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", `import "${root}${entry}"; import { createRequire } from "node:module"; console.log(Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes("/node_modules/protobufjs/")).length);`],
        { cwd: root, encoding: "utf8" },
      ).trim();
    expect(loaded("src/index.ts")).toBe("0");
    expect(Number(loaded("src/testing/index.ts"))).toBeGreaterThan(0);
  });
});
