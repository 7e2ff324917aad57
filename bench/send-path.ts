// `npx tsx bench/send-path.ts`: what one insert request of 512 rows costs the sending process,
// per row, by the way it is sent: node:http, undici (Pool or Client, how the answer is read),
// and the project's Transport. Against the bench sink, which answers `{row_ids}` at once.
// Process CPU (user + system) per row over the measured requests, median of the rounds.
import { fork } from "node:child_process";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Client, Pool } from "undici";
import { Transport } from "../src/delivery/transport.js";
import { buildBench } from "./build.js";

const ROWS = Number(process.env.SEND_ROWS ?? 512);
const REQUESTS = Number(process.env.SEND_REQUESTS ?? 150);
const ROUNDS = Number(process.env.SEND_ROUNDS ?? 5);
const IN_FLIGHT = 2;
const PATH = "/v1/project_logs/p/insert";

function body(): Buffer {
  const row = (i: number) =>
    JSON.stringify({ id: i.toString(16).padStart(16, "0"), span_id: i.toString(16).padStart(16, "0"), root_span_id: "e16333c9baf31bc723f736f0c31e18b4", created: "2026-12-01T13:19:41.031Z", metadata: { model: "gpt-4o-mini" }, metrics: { start: 1796131181.031, end: 1796131181.0312448 }, input: "x".repeat(1200) });
  return Buffer.from(`{"events":[${Array.from({ length: ROWS }, (_, i) => row(i)).join(",")}]}`);
}

type Send = (body: Buffer) => Promise<void>;

function nodeHttp(url: URL): Send {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: IN_FLIGHT });
  return (b) =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: PATH, method: "POST", agent, headers: { authorization: "Bearer k", "content-type": "application/json", "content-length": b.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          JSON.parse(Buffer.concat(chunks).toString("utf8"));
          resolve();
        });
      });
      req.on("error", reject);
      req.end(b);
    });
}

const HEADERS = { authorization: "Bearer k", "content-type": "application/json" };

function undiciWith(d: Pool | Client, read: "iterate" | "text" | "dump", origin: string): Send {
  return async (b) => {
    const res = await d.request({ origin, path: PATH, method: "POST", headers: HEADERS, body: b });
    if (read === "dump") {
      await res.body.dump();
      return;
    }
    if (read === "text") {
      JSON.parse(await res.body.text());
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(c as Buffer);
    JSON.parse(Buffer.concat(chunks).toString("utf8"));
  };
}

function transport(url: string): Send {
  const t = new Transport({ apiUrl: url, apiKey: "k", headers: {}, maxConcurrent: 16 });
  return async (b) => {
    const outcome = await t.post(PATH, b, 30_000);
    if (outcome.kind !== "ok") throw new Error(JSON.stringify(outcome));
    JSON.parse(outcome.body);
  };
}

async function measure(send: Send, b: Buffer, requests: number): Promise<number> {
  const before = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next++;
      await send(b);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (requests * ROWS);
}

async function main(): Promise<void> {
  const built = await buildBench(["src"]);
  const sink = fork(built.sink, [], { execArgv: [], stdio: "inherit" });
  const live = await new Promise<string>((resolve) => sink.once("message", (m: { live: string }) => resolve(m.live)));
  const url = new URL(live);
  const b = body();
  const variants: Record<string, Send> = {
    "node:http (Agent keepAlive)": nodeHttp(url),
    "undici Pool, iterate the answer": undiciWith(new Pool(live, { connections: 16 }), "iterate", live),
    "undici Pool, body.text()": undiciWith(new Pool(live, { connections: 16 }), "text", live),
    "undici Client, iterate": undiciWith(new Client(live), "iterate", live),
    "Transport.post (ours)": transport(live),
  };
  const figures = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
  for (const send of Object.values(variants)) await measure(send, b, 30);
  const names = Object.keys(variants);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      figures.get(name)!.push(await measure(variants[name]!, b, REQUESTS));
    }
  }
  console.log(`${ROWS} rows (${b.length} bytes) per request, ${REQUESTS} requests x ${ROUNDS} rounds, ${IN_FLIGHT} in flight; CPU µs/row, median [min – max]`);
  for (const [name, xs] of figures) {
    xs.sort((x, y) => x - y);
    console.log(`  ${name.padEnd(36)} ${xs[xs.length >> 1]!.toFixed(3)} [${xs[0]!.toFixed(3)} – ${xs[xs.length - 1]!.toFixed(3)}]`);
  }
  sink.disconnect();
  process.exit(0);
}

void main();
