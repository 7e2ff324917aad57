// LangChain.js (@langchain/core) traced by OpenInference's LangChain instrumentation: a prompt |
// model | parser chain, and an agent loop whose model asks for a tool once, then answers. The
// model is a scripted BaseChatModel (no network) that reports what a provider's chat model
// does: OpenAI-style tool calls, usage metadata, a finish reason and its invocation parameters.
import * as CallbackManagerModule from "@langchain/core/callbacks/manager";
import { BaseChatModel, type BaseChatModelCallOptions, type BindToolsInput } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage, type ToolMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { type RunnableConfig, RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import type { ChatResult } from "@langchain/core/outputs";
import { LangChainInstrumentation } from "@arizeai/openinference-instrumentation-langchain";
import type { TracerProvider } from "@opentelemetry/api";
import { z } from "zod";
import type { Library } from "./library.js";

export const LANGCHAIN_SCENARIOS = ["chain", "tool-call", "tool-error"] as const;
export const LANGCHAIN_MODEL = "mock-chat-1";
export const LANGCHAIN_SYSTEM = "You are a terse geography assistant.";
export const LANGCHAIN_QUESTION = "What is the capital of France?";
export const LANGCHAIN_WEATHER_QUESTION = "What is the weather in Paris?";

/** What the scripted model answers, one reply per call, in order. */
type Reply = { text: string } | { toolCall: { id: string; name: string; args: Record<string, unknown> } };

class ScriptedChatModel extends BaseChatModel {
  private readonly replies: Reply[];
  private tools: unknown[] = [];

  /** `replies` is consumed as the model is called; a model bound to tools shares its creator's. */
  constructor(replies: Reply[]) {
    super({});
    this.replies = replies;
  }

  _llmType(): string {
    return "scripted";
  }

  override getLsParams(options: this["ParsedCallOptions"]) {
    return { ...super.getLsParams(options), ls_provider: "mock", ls_model_name: LANGCHAIN_MODEL, ls_temperature: 0.2 };
  }

  override invocationParams(): Record<string, unknown> {
    return { model: LANGCHAIN_MODEL, temperature: 0.2, ...(this.tools.length ? { tools: this.tools } : {}) };
  }

  override bindTools(tools: BindToolsInput[]) {
    const bound = new ScriptedChatModel(this.replies);
    bound.tools = tools.map((t) => {
      const { name, description, schema } = t as { name: string; description: string; schema: z.ZodType };
      return { type: "function", function: { name, description, parameters: z.toJSONSchema(schema) } };
    });
    return bound as unknown as ReturnType<BaseChatModel["bindTools"] & {}>;
  }

  async _generate(_messages: BaseMessage[], _options: BaseChatModelCallOptions): Promise<ChatResult> {
    const reply = this.replies.shift();
    if (!reply) throw new Error("the scripted model has no reply left");
    const first = "toolCall" in reply;
    const usage = first
      ? { input_tokens: 14, output_tokens: 6, total_tokens: 20 }
      : { input_tokens: 25, output_tokens: 8, total_tokens: 33, input_token_details: { cache_read: 4 }, output_token_details: { reasoning: 2 } };
    const message =
      "toolCall" in reply
        ? new AIMessage({
            content: "",
            tool_calls: [{ ...reply.toolCall, type: "tool_call" }],
            additional_kwargs: {
              tool_calls: [{ id: reply.toolCall.id, type: "function", function: { name: reply.toolCall.name, arguments: JSON.stringify(reply.toolCall.args) } }],
            },
            usage_metadata: usage,
            response_metadata: { finish_reason: "tool_calls", model_name: `${LANGCHAIN_MODEL}-2025-01-01` },
          })
        : new AIMessage({ content: reply.text, usage_metadata: usage, response_metadata: { finish_reason: "stop", model_name: `${LANGCHAIN_MODEL}-2025-01-01` } });
    return { generations: [{ message, text: typeof message.content === "string" ? message.content : "" }] };
  }
}

const weatherArgs = z.object({ city: z.string() });

const weather = tool(async ({ city }: z.infer<typeof weatherArgs>) => JSON.stringify({ city, temperatureC: 21 }), {
  name: "get_weather",
  description: "Current weather for a city",
  schema: weatherArgs,
});

const brokenWeather = tool(
  async (): Promise<string> => {
    throw new Error("weather service unavailable");
  },
  { name: "get_weather", description: "Current weather for a city", schema: weatherArgs },
);

/** One model call, then the tool it asked for, then a second model call with the result. */
function weatherAgent(model: ScriptedChatModel, weatherTool: typeof weather) {
  // The config carries the callbacks, so the model and tool runs nest under the agent's run
  // (@langchain/core alone installs no AsyncLocalStorage to carry it implicitly).
  return RunnableLambda.from(async (question: string, config?: RunnableConfig) => {
    const bound = model.bindTools([weatherTool]);
    const messages: BaseMessage[] = [new HumanMessage(question)];
    const first = (await bound.invoke(messages, config)) as AIMessage;
    messages.push(first);
    for (const call of first.tool_calls ?? []) messages.push((await weatherTool.invoke({ ...call, type: "tool_call" }, config)) as ToolMessage);
    const second = (await bound.invoke(messages, config)) as AIMessage;
    return second.content as string;
  }).withConfig({ runName: "weather-agent" });
}

const CALL = { toolCall: { id: "call_lc_1", name: "get_weather", args: { city: "Paris" } } };

async function runScenario(scenario: string): Promise<void> {
  switch (scenario) {
    case "chain": {
      const prompt = ChatPromptTemplate.fromMessages([new SystemMessage(LANGCHAIN_SYSTEM), ["human", "{question}"]]);
      const model = new ScriptedChatModel([{ text: "Paris." }]);
      await prompt.pipe(model).pipe(new StringOutputParser()).invoke({ question: LANGCHAIN_QUESTION });
      return;
    }
    case "tool-call":
      await weatherAgent(new ScriptedChatModel([CALL, { text: "It is 21°C in Paris." }]), weather).invoke(LANGCHAIN_WEATHER_QUESTION);
      return;
    case "tool-error":
      await weatherAgent(new ScriptedChatModel([CALL]), brokenWeather)
        .invoke(LANGCHAIN_WEATHER_QUESTION)
        .catch(() => undefined);
      return;
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

export const langchain: Library = {
  name: "openinference-langchain",
  scenarios: LANGCHAIN_SCENARIOS,
  async open(tracerProvider: TracerProvider) {
    const instrumentation = new LangChainInstrumentation({ tracerProvider, instrumentationConfig: { enabled: false } });
    // ESM imports bypass require hooks: patch the imported callback manager by hand.
    instrumentation.manuallyInstrument(CallbackManagerModule as never);
    return {
      run: runScenario,
      close: async () => {
        instrumentation.disable();
        (instrumentation as unknown as { unpatch(module: unknown): void }).unpatch(CallbackManagerModule);
      },
    };
  },
};
