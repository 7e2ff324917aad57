// SDK 3.x has no sdk-trace-node: the tests' NodeTracerProvider is the plain provider (they
// install the AsyncLocalStorage context manager themselves).
import { TracerProvider } from "@opentelemetry/sdk-trace";

export class NodeTracerProvider extends TracerProvider {}
