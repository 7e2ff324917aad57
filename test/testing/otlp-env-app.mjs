// An app configured only by the OTEL_* variables `dev` prints: OpenTelemetry's own protobuf
// exporters with no options, a GenAI span and the message log records of it. Prints each
// export's result as JSON lines.
import { context, trace } from "@opentelemetry/api";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

const reporting = (signal, exporter) => {
  const send = exporter.export.bind(exporter);
  exporter.export = (items, done) =>
    send(items, (result) => {
      console.log(JSON.stringify({ signal, code: result.code, error: result.error?.message }));
      done(result);
    });
  return exporter;
};
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(reporting("traces", new OTLPTraceExporter()))] });
const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: reporting("logs", new OTLPLogExporter()) })] });

const span = tracerProvider.getTracer("env-app").startSpan("chat gpt-4o-mini", {
  attributes: { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini" },
});
const inSpan = trace.setSpan(context.active(), span);
const logger = loggerProvider.getLogger("env-app");
logger.emit({ eventName: "gen_ai.user.message", body: { content: "Hello from the environment" }, context: inSpan });
logger.emit({ eventName: "gen_ai.choice", body: { index: 0, finish_reason: "stop", message: { role: "assistant", content: "Hello back" } }, context: inSpan });
await loggerProvider.forceFlush();
span.end();
await tracerProvider.forceFlush();
await Promise.all([loggerProvider.shutdown(), tracerProvider.shutdown()]);
