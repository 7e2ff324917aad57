// `braintrust-otel-exporter/register`: the same `register` as the main entry point, taken
// from it by name so that both share one processor class and one registration.
export { register } from "braintrust-otel-exporter";
export type { RegisterOptions, Registration, RegisteredTracerProvider } from "braintrust-otel-exporter";
