// End-to-end harness: a real instrumented library emits spans into a real tracer provider,
// BraintrustSpanProcessor converts and delivers them over loopback HTTP to the local
// Braintrust server, and tests read back the rows that server stored.
import { BraintrustSpanProcessor } from "braintrust-otel-exporter";
import { afterAll, beforeAll } from "vitest";
import { type LocalBraintrust, type Row, startLocalBraintrust } from "braintrust-otel-exporter/testing";
import { providerWith } from "../helpers/tracing.js";
import type { Library, LibrarySession } from "./drivers/library.js";

export interface Delivered {
  /** Rows of one scenario, keyed by span name (the last one wins when names repeat). */
  byName: Map<string, Row>;
  /** Every row of the scenario, in the order the server stored them. */
  rows: Row[];
}

export interface Harness {
  run(scenario: string): Promise<Delivered>;
  close(): Promise<void>;
}

/** Opens the library against a processor that sends to a fresh local Braintrust server. */
export async function openHarness(library: Library): Promise<Harness> {
  const server: LocalBraintrust = await startLocalBraintrust();
  const projectName = `integration-${library.name}`;
  const processor = new BraintrustSpanProcessor({ apiKey: server.apiKey, apiUrl: server.url, projectName });
  const provider = providerWith(processor);
  let session: LibrarySession | undefined;
  try {
    session = await library.open(provider);
  } catch (err) {
    await server.close();
    throw err;
  }
  const opened = session;
  return {
    async run(scenario) {
      const before = new Set(server.rows(projectName).map((r) => r.id));
      await opened.run(scenario);
      await processor.forceFlush();
      const rows = server.rows(projectName).filter((r) => !before.has(r.id));
      return { rows, byName: new Map(rows.map((r) => [spanName(r), r])) };
    },
    async close() {
      await opened.close();
      await provider.shutdown();
      await server.close();
    },
  };
}

/** Opens a harness for the enclosing suite (closed after it) and returns its accessor. */
export function useHarness(library: Library): () => Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await openHarness(library);
  });
  afterAll(() => harness?.close());
  return () => {
    if (!harness) throw new Error(`the ${library.name} harness did not open`);
    return harness;
  };
}

export function spanName(row: Row): string {
  return (row.span_attributes as { name: string }).name;
}

/** The one row with this span name; fails loudly when absent. */
export function rowNamed(delivered: Delivered, name: string): Row {
  const row = delivered.byName.get(name);
  if (!row) throw new Error(`no row named ${name}; got ${[...delivered.byName.keys()].join(", ")}`);
  return row;
}

/** Rows with this span name, in the order the spans ended. */
export function rowsNamed(delivered: Delivered, name: string): Row[] {
  return delivered.rows.filter((r) => spanName(r) === name);
}
