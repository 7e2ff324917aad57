// What `processor.logRecordProcessor` costs an app's ordinary logging: 100,000 log records
// with no GenAI content, emitted through a real LoggerProvider, with the processor's log face
// and without any processor (the SDK's own cost, subtracted), interleaved over several rounds.
// Also the face's onEmit alone on such a record, and on a GenAI record whose span never ends
// (mapped and held, as the instrumentations' records are until their span's row is built).
//
//   npx tsx bench/log-records.ts [records] [rounds]
import { context, trace } from "@opentelemetry/api";
import { LoggerProvider } from "@opentelemetry/sdk-logs";
import { BraintrustSpanProcessor } from "../src/index.js";

const RECORDS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 7);

// Never sends: no record here becomes a row, and nothing listens at this address.
const processor = new BraintrustSpanProcessor({ apiKey: "sk-bench", apiUrl: "http://127.0.0.1:9", projectName: "bench", flushOnExit: false });
const face = processor.logRecordProcessor;
const withFace = new LoggerProvider({ processors: [face] }).getLogger("app");
// The SDK makes a record only when some processor is there: the baseline has one that does nothing.
const nothing = { onEmit() {}, forceFlush: async () => {}, shutdown: async () => {} };
const bare = new LoggerProvider({ processors: [nothing] }).getLogger("app");

const span = trace.wrapSpanContext({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 });
const inSpan = trace.setSpan(context.active(), span);
const ordinary = (i: number) => ({ context: inSpan, body: `GET /items/${i} 200`, attributes: { "http.route": "/items/:id", "http.status_code": 200 } });

function emitAll(logger: typeof bare): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < RECORDS; i++) logger.emit(ordinary(i));
  return Number(process.hrtime.bigint() - start) / RECORDS;
}

function onEmitAlone(record: object, count: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) face.onEmit(record as never);
  return Number(process.hrtime.bigint() - start) / count;
}

/** GenAI records, four per span (a chat call's messages and choice), for spans that do not end here. */
function genAiAlone(count: number): number {
  const records = Array.from({ length: count }, (_, i) => ({
    attributes: { "event.name": i % 4 === 3 ? "gen_ai.choice" : "gen_ai.user.message", "gen_ai.system": "openai" },
    body: { content: "What is the capital of France?" },
    spanContext: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: (0x1000000 + (i >> 2) + count * round++).toString(16).padStart(16, "0") },
  }));
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) face.onEmit(records[i] as never);
  return Number(process.hrtime.bigint() - start) / count;
}
let round = 0;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

emitAll(bare);
emitAll(withFace); // warm-up
const bareNs: number[] = [];
const faceNs: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  if (round % 2 === 0) {
    bareNs.push(emitAll(bare));
    faceNs.push(emitAll(withFace));
  } else {
    faceNs.push(emitAll(withFace));
    bareNs.push(emitAll(bare));
  }
}

const record = { body: "GET /items/1 200", attributes: { "http.route": "/items/:id" }, spanContext: span.spanContext() };
onEmitAlone(record, RECORDS);
const aloneNs = median(Array.from({ length: ROUNDS }, () => onEmitAlone(record, RECORDS)));
const genaiNs = median(Array.from({ length: ROUNDS }, () => genAiAlone(10_000)));
const stats = processor.stats().logRecords!;

console.log(`${RECORDS.toLocaleString("en")} ordinary log records, median of ${ROUNDS} rounds (ns per record):`);
console.log(`  LoggerProvider + a do-nothing processor: ${median(bareNs).toFixed(0)}`);
console.log(`  LoggerProvider + logRecordProcessor:     ${median(faceNs).toFixed(0)}  (difference ${(median(faceNs) - median(bareNs)).toFixed(0)})`);
console.log(`  onEmit alone, ordinary record:           ${aloneNs.toFixed(1)}`);
console.log(`  onEmit alone, GenAI record (held):       ${genaiNs.toFixed(0)}`);
console.log(`  records counted: joined ${stats.joined}, late ${stats.late}, unmatched ${stats.unmatched}, evicted ${stats.evicted}`);
await processor.shutdown();
