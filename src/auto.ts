// `node --import braintrust-otel-exporter/auto app.js` (or `--require` for CommonJS):
// registers from the environment (BRAINTRUST_API_KEY, BRAINTRUST_PROJECT, …) before the
// app's code runs, as OpenTelemetry's own `register` entries do, with no change to the app.
// It takes register() from the main entry point by name, so the app's own imports of the
// package see the same registration. It never throws: a missing key is said once.
import { register } from "braintrust-otel-exporter";

register();
