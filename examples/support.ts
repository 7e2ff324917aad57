// What the examples share: where to log (BRAINTRUST_API_URL, else Braintrust, when
// BRAINTRUST_API_KEY is set; else a local Braintrust-compatible server started here) and a
// printout of what arrived, saying where it was logged.
import { type LocalBraintrust, readProjectLog, renderTraceTree, startLocalBraintrust } from "braintrust-otel-exporter/testing";

export interface Destination {
  /** apiKey/apiUrl for the local server; empty for Braintrust itself (read from the env). */
  connection: { apiKey?: string; apiUrl?: string };
  /** Prints the traces of `projectName` as trees, read back through the API. */
  show(projectName: string): Promise<void>;
  close(): Promise<void>;
}

export async function destination(): Promise<Destination> {
  const local: LocalBraintrust | undefined = process.env.BRAINTRUST_API_KEY ? undefined : await startLocalBraintrust();
  const connection = local ? { apiKey: local.apiKey, apiUrl: local.url } : {};
  return {
    connection,
    async show(projectName) {
      console.log(`Logged to project "${projectName}" at ${where(local)}:\n`);
      const rows = await readProjectLog({ projectName, ...connection });
      console.log(renderTraceTree(rows, { width: process.stdout.columns || Number(process.env.COLUMNS) || 100 }));
    },
    close: async () => local?.close(),
  };
}

/** Where the rows went, as the exporter chose it: the local server, BRAINTRUST_API_URL (`dev`, self-hosted) or Braintrust. */
export function where(local: LocalBraintrust | undefined): string {
  if (local) return local.url;
  const url = process.env.BRAINTRUST_API_URL?.trim();
  return url ? url.replace(/\/+$/, "") : "Braintrust (https://api.braintrust.dev)";
}
