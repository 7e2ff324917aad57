// What the examples share: where to log (Braintrust when BRAINTRUST_API_KEY is set, else a
// local Braintrust-compatible server started here) and a printout of what arrived.
import { type LocalBraintrust, type Row, startLocalBraintrust } from "braintrust-otel-exporter/testing";

export interface Destination {
  /** apiKey/apiUrl for the local server; empty for Braintrust itself (read from the env). */
  connection: { apiKey?: string; apiUrl?: string };
  /** Prints the traces of `projectName` as trees (local server only). */
  show(projectName: string): void;
  close(): Promise<void>;
}

export async function destination(): Promise<Destination> {
  const local: LocalBraintrust | undefined = process.env.BRAINTRUST_API_KEY ? undefined : await startLocalBraintrust();
  return {
    connection: local ? { apiKey: local.apiKey, apiUrl: local.url } : {},
    show(projectName) {
      if (!local) {
        console.log(`Logged to the Braintrust project "${projectName}".`);
        return;
      }
      console.log(`Project "${projectName}" on the local server ${local.url}:`);
      printTrees(local.rows(projectName));
    },
    close: async () => local?.close(),
  };
}

function printTrees(rows: Row[]): void {
  const children = new Map<string | undefined, Row[]>();
  const ids = new Set(rows.map((r) => r.span_id));
  for (const row of rows) {
    const parent = row.span_parents?.find((p) => ids.has(p));
    children.set(parent, [...(children.get(parent) ?? []), row]);
  }
  const print = (row: Row, depth: number) => {
    const { name, type } = row.span_attributes ?? {};
    const tokens = row.metrics?.tokens === undefined ? "" : ` tokens=${row.metrics.tokens}`;
    const io = row.output === undefined ? "" : `  → ${JSON.stringify(row.output).slice(0, 100)}`;
    console.log(`${"  ".repeat(depth + 1)}${name} [${type ?? "span"}]${tokens}${io}`);
    for (const child of children.get(row.span_id) ?? []) print(child, depth + 1);
  };
  for (const root of children.get(undefined) ?? []) print(root, 0);
}
