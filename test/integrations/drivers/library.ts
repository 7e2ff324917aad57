// What the capture script and the end-to-end tests need from each instrumented library:
// open it against a tracer provider, run named scenarios, close it.
import type { TracerProvider } from "@opentelemetry/api";

export interface LibrarySession {
  run(scenario: string): Promise<void>;
  close(): Promise<void>;
}

export interface Library {
  /** Also the fixture folder name: test/fixtures/<name>/<scenario>.json */
  readonly name: string;
  readonly scenarios: readonly string[];
  open(provider: TracerProvider): Promise<LibrarySession>;
}
