// What the examples share: where to log (Braintrust when BRAINTRUST_API_KEY is set, else a
// local Braintrust-compatible server started here) and a printout of what arrived.
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
      console.log(`Project "${projectName}" at ${local ? `the local server ${local.url}` : "Braintrust"}:\n`);
      const rows = await readProjectLog({ projectName, ...connection });
      console.log(renderTraceTree(rows, { width: process.stdout.columns || Number(process.env.COLUMNS) || 100 }));
    },
    close: async () => local?.close(),
  };
}
