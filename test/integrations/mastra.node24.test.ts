// Mastra end to end, run by `npm run test:node24` under Node 24 (@mastra/core needs Node >=
// 22.13): @mastra/core 1.71, @mastra/observability 1.17 and @mastra/otel-exporter 1.4, an
// agent with a tool and the AI SDK's mock model (MockLanguageModelV3, no network). Mastra's
// OtelExporter sends once through BraintrustExporter and once as OTLP/HTTP JSON to the local
// server's /otel/v1/traces; both must store the same rows.
import { BraintrustExporter } from "braintrust-otel-exporter";
import { type LocalBraintrust, type Row, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASTRA_ANSWER, MASTRA_QUESTION, MASTRA_SYSTEM, type MastraTarget, openMastra } from "./drivers/mastra.js";
import { rowNamed, rowsNamed, spanName } from "./harness.js";

const SYSTEM = { role: "system", content: MASTRA_SYSTEM };
const USER = { role: "user", content: MASTRA_QUESTION };

let server: LocalBraintrust;
beforeAll(async () => {
  server = await startLocalBraintrust();
});
afterAll(() => server.close());

async function runAgent(projectName: string, target: (server: LocalBraintrust) => { target: MastraTarget; flush(): Promise<void> }) {
  const { target: chosen, flush } = target(server);
  const mastra = openMastra(chosen);
  try {
    await mastra.run();
    await flush();
  } finally {
    await mastra.close();
  }
  const rows = server.rows(projectName);
  return { rows, byName: new Map(rows.map((r) => [spanName(r), r])) };
}

const ROUTES = {
  BraintrustExporter: (project: string) => (lb: LocalBraintrust) => {
    const exporter = new BraintrustExporter({ apiKey: lb.apiKey, apiUrl: lb.url, projectName: project });
    return { target: { exporter }, flush: () => exporter.shutdown() };
  },
  "OTLP/HTTP JSON to /otel/v1/traces": (project: string) => (lb: LocalBraintrust) => ({
    target: { endpoint: `${lb.url}/otel`, headers: { authorization: `Bearer ${lb.apiKey}`, "x-bt-parent": `project_name:${project}` } },
    flush: async () => {},
  }),
};

for (const [route, make] of Object.entries(ROUTES)) {
  describe(`Mastra agent with a tool, through ${route}`, () => {
    const project = `mastra-${route.split(" ")[0]}`;
    let delivered: { rows: Row[]; byName: Map<string, Row> };
    beforeAll(async () => {
      delivered = await runAgent(project, make(project));
    }, 60_000);

    it("the agent run is the root task with the question in and the answer out", () => {
      const agent = rowNamed(delivered, "invoke_agent Weather Agent");
      expect(agent).toMatchObject({ span_attributes: { type: "task" }, input: MASTRA_QUESTION, output: { text: MASTRA_ANSWER } });
      expect(agent.span_parents).toBeUndefined();
      expect(agent.metadata).toMatchObject({ "gen_ai.agent.id": "weather-agent", "gen_ai.system_instructions": MASTRA_SYSTEM, environment: "test" });
    });

    it("agent run > generation (task) > two steps (tasks) > one llm call each, with model, provider and tokens", () => {
      const agent = rowNamed(delivered, "invoke_agent Weather Agent");
      const generation = rowNamed(delivered, "model_generation mock-gpt");
      expect(generation).toMatchObject({ span_parents: [agent.span_id], span_attributes: { type: "task" } });
      expect(generation.metrics).not.toHaveProperty("prompt_tokens");
      const steps = rowsNamed(delivered, "agent_step Weather Agent").sort((a, b) => a.metrics!.start! - b.metrics!.start!);
      expect(steps).toHaveLength(2);
      for (const step of steps) expect(step).toMatchObject({ span_parents: [generation.span_id], span_attributes: { type: "task" } });
      expect(steps[0]!.input).toEqual([SYSTEM, USER]);
      expect(steps[1]!.output).toEqual({ text: MASTRA_ANSWER, toolCalls: [] });

      const calls = rowsNamed(delivered, "chat mock-gpt").sort((a, b) => a.metrics!.start! - b.metrics!.start!);
      expect(calls.map((c) => c.span_parents)).toEqual(steps.map((s) => [s.span_id]));
      const llmRows = delivered.rows.filter((r) => r.span_attributes?.type === "llm");
      expect(llmRows.map(spanName)).toEqual(["chat mock-gpt", "chat mock-gpt"]);
      const meta = { model: "mock-gpt-2025-01-01", provider: "mock-provider.chat" };
      expect(calls[0]).toMatchObject({
        metadata: { ...meta, finish_reasons: ["tool-calls"] },
        metrics: { prompt_tokens: 30, completion_tokens: 9, tokens: 39, prompt_cached_tokens: 3, completion_reasoning_tokens: 2 },
      });
      expect(calls[1]).toMatchObject({
        output: [{ role: "assistant", content: MASTRA_ANSWER }],
        metadata: { ...meta, finish_reasons: ["stop"] },
        metrics: { prompt_tokens: 40, completion_tokens: 7, tokens: 47, prompt_cached_tokens: 3, completion_reasoning_tokens: 2 },
      });
    });

    it("the tool call is a tool row under the first step with its arguments and result", () => {
      const [first] = rowsNamed(delivered, "agent_step Weather Agent").sort((a, b) => a.metrics!.start! - b.metrics!.start!);
      expect(rowNamed(delivered, "execute_tool weather")).toMatchObject({
        span_parents: [first!.span_id],
        span_attributes: { type: "tool" },
        input: { city: "Paris" },
        output: { city: "Paris", temperatureC: 21 },
        metadata: { tool_name: "weather", tool_call_id: "call-1" },
      });
    });

    it("leaves none of the Mastra attributes it read in metadata", () => {
      for (const row of delivered.rows) {
        expect(Object.keys(row.metadata ?? {}).filter((k) => /^mastra\.(span\.type|metadata\.|agent_run\.|model_step\.(input|output))/.test(k))).toEqual([]);
      }
    });
  });
}
