// A small stand-in for OpenAI's chat-completions endpoint, on loopback, so the real
// `openai` client (and the instrumentations wrapped around it) can be driven with no network.
// It answers deterministically: a tool call when tools are offered and no tool result came
// back yet, otherwise a fixed text; the Responses API (`/responses`) answers the same text.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeOpenAI {
  /** Base URL to hand to `new OpenAI({ baseURL })`, ending in `/v1`. */
  readonly baseURL: string;
  /** The parsed request bodies received, in order. */
  readonly requests: ChatRequest[];
  /** The parsed Responses API request bodies received, in order. */
  readonly responses: ResponsesRequest[];
  close(): Promise<void>;
}

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown[];
}

interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: Array<{ type: string; function: { name: string } }>;
}

export const FAKE_REPLY = "Paris is the capital of France.";
export const FAKE_TOOL_ARGS = '{"city":"Paris"}';
export const FAKE_USAGE = {
  prompt_tokens: 19,
  completion_tokens: 7,
  total_tokens: 26,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 2 },
};

interface ResponsesRequest {
  model: string;
  input: unknown;
  instructions?: string;
}

const CREATED = 1_750_000_000;

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: ChatRequest[] = [];
  const responses: ResponsesRequest[] = [];
  let counter = 0;
  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        if (req.method === "POST" && req.url?.endsWith("/responses")) {
          const body = JSON.parse(raw) as ResponsesRequest;
          responses.push(body);
          return sendJson(res, 200, response(body, `resp_fake_${++counter}`));
        }
        if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
          return sendJson(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: "invalid_request_error" } });
        }
        const body = JSON.parse(raw) as ChatRequest;
        requests.push(body);
        const id = `chatcmpl-fake-${++counter}`;
        const toolName = wantsToolCall(body);
        if (body.stream) return streamReply(res, body, id, toolName);
        return sendJson(res, 200, completion(body, id, toolName));
      })
      .catch((err: unknown) => sendJson(res, 500, { error: { message: String(err), type: "server_error" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    responses,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The tool to call, when tools are offered and the conversation holds no tool result yet. */
function wantsToolCall(body: ChatRequest): string | undefined {
  const tool = body.tools?.[0]?.function?.name;
  if (!tool) return undefined;
  return body.messages.some((m) => m.role === "tool") ? undefined : tool;
}

function completion(body: ChatRequest, id: string, toolName: string | undefined) {
  const message = toolName
    ? { role: "assistant", content: null, refusal: null, tool_calls: [toolCall(toolName)] }
    : { role: "assistant", content: FAKE_REPLY, refusal: null };
  return {
    id,
    object: "chat.completion",
    created: CREATED,
    model: `${body.model}-2025-01-01`,
    system_fingerprint: "fp_fake",
    choices: [{ index: 0, message, logprobs: null, finish_reason: toolName ? "tool_calls" : "stop" }],
    usage: FAKE_USAGE,
  };
}

/** A Responses API answer (`POST /responses`, not streamed): one output message with the fixed text. */
function response(body: ResponsesRequest, id: string) {
  return {
    id,
    object: "response",
    created_at: CREATED,
    status: "completed",
    model: `${body.model}-2025-01-01`,
    instructions: body.instructions ?? null,
    output: [
      { type: "message", id: `msg_${id}`, status: "completed", role: "assistant", content: [{ type: "output_text", text: FAKE_REPLY, annotations: [] }] },
    ],
    usage: { input_tokens: FAKE_USAGE.prompt_tokens, output_tokens: FAKE_USAGE.completion_tokens, total_tokens: FAKE_USAGE.total_tokens },
  };
}

function toolCall(name: string) {
  return { id: "call_fake_1", type: "function", function: { name, arguments: FAKE_TOOL_ARGS } };
}

function streamReply(res: ServerResponse, body: ChatRequest, id: string, toolName: string | undefined): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const model = `${body.model}-2025-01-01`;
  const chunk = (delta: object, finish: string | null = null, usage?: object) => ({
    id,
    object: "chat.completion.chunk",
    created: CREATED,
    model,
    system_fingerprint: "fp_fake",
    choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  });
  const chunks: object[] = [chunk({ role: "assistant", content: "" })];
  if (toolName) {
    const call = toolCall(toolName);
    chunks.push(chunk({ tool_calls: [{ index: 0, id: call.id, type: "function", function: { name: toolName, arguments: "" } }] }));
    const half = Math.floor(FAKE_TOOL_ARGS.length / 2);
    for (const part of [FAKE_TOOL_ARGS.slice(0, half), FAKE_TOOL_ARGS.slice(half)]) {
      chunks.push(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }));
    }
    chunks.push(chunk({}, "tool_calls"));
  } else {
    for (const word of FAKE_REPLY.split(/(?<= )/)) chunks.push(chunk({ content: word }));
    chunks.push(chunk({}, "stop"));
  }
  if (body.stream_options?.include_usage) chunks.push(chunk({}, null, FAKE_USAGE));
  for (const c of chunks) res.write(`data: ${JSON.stringify(c)}\n\n`);
  res.end("data: [DONE]\n\n");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}
