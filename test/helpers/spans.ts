// Real SDK spans for conversion tests: a BasicTracerProvider that keeps finished spans in memory.
import { type Attributes, type Span, type Tracer, context, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { resourceFromAttributes } from "@opentelemetry/resources";

export function recordSpans(body: (tracer: Tracer) => void, resource: Attributes = { "service.name": "test-service" }): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  body(provider.getTracer("test"));
  return exporter.getFinishedSpans();
}

/** One finished span with these attributes (a child span unless `root` is set). */
export function oneSpan(
  attributes: Attributes,
  options: { name?: string; root?: boolean; events?: [string, Attributes][]; error?: string } = {},
  resource?: Attributes,
): ReadableSpan {
  const spans = recordSpans((tracer) => {
    const body = (parent?: Span) => {
      const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
      const span = tracer.startSpan(options.name ?? "work", { attributes }, ctx);
      for (const [name, attrs] of options.events ?? []) span.addEvent(name, attrs);
      if (options.error !== undefined) span.setStatus({ code: 2, message: options.error });
      span.end();
    };
    if (options.root) body();
    else {
      const root = tracer.startSpan("root");
      body(root);
      root.end();
    }
  }, resource);
  return spans.find((s) => s.name === (options.name ?? "work"))!;
}
