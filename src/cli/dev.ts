// `dev`: the local Braintrust-compatible server, standalone, for demos and for
// pointing a real app at something that is not the cloud.
import { type LocalBraintrust, type RecordedRequest, JournalError, startLocalBraintrust } from "../testing/index.js";
import type { CommandLine } from "./invocation.js";
import { CliError, type Output } from "./output.js";

export interface DevOptions {
  port: number;
  host: string;
  dataFile?: string;
  apiKey?: string;
  /** The key came from BRAINTRUST_API_KEY: the shell has it already, and it is not printed. */
  keyFromEnv?: boolean;
  quiet: boolean;
  /** How to run another subcommand the way this one was started (`npx …`, `npm run …`, `node dist/cli.js …`). */
  command: CommandLine;
}

export async function dev(options: DevOptions, out: Output, signal: AbortSignal): Promise<void> {
  let server: LocalBraintrust;
  try {
    server = await startLocalBraintrust({
      port: options.port,
      host: options.host,
      dataFile: options.dataFile,
      apiKey: options.apiKey,
      // A dev server runs for hours: keeping every request body would only grow.
      recordRequests: false,
      onRequest: options.quiet ? undefined : (r) => out.write(requestLine(r) + "\n"),
    });
  } catch (err) {
    if (err instanceof JournalError) throw new CliError(`--data: ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new CliError(`Port ${options.port} on ${options.host} is in use; pass --port 0 to pick a free one.`);
    if (code === "EADDRNOTAVAIL") throw new CliError(`Cannot listen on ${options.host}: no such local address.`);
    if (code === "EACCES") throw new CliError(`Not allowed to listen on port ${options.port}; pick one above 1023.`);
    throw err;
  }

  const projects = server.projects();
  const rows = projects.reduce((n, p) => n + server.rows(p.name).length, 0);
  out.write(
    [
      `Local Braintrust API listening on ${server.url}`,
      options.keyFromEnv ? `Web viewer: ${server.url}/ (it asks for the key)` : `Web viewer: ${server.url}/#key=${server.apiKey}`,
      options.dataFile
        ? `Data: ${options.dataFile} (${plural(projects.length, "project")}, ${plural(rows, "row")} loaded)`
        : "Data: in memory only (pass --data FILE to keep it across restarts)",
      "",
      "Point an app at it (paste into its shell):",
      `  export BRAINTRUST_API_URL=${server.url}`,
      // Said in the output, so no one wonders which of the two URLs their client needs.
      "  # the REST client @braintrust/api reads BRAINTRUST_BASE_URL instead:",
      `  export BRAINTRUST_BASE_URL=${server.url}`,
      options.keyFromEnv ? "  (BRAINTRUST_API_KEY: the key already in your environment)" : `  export BRAINTRUST_API_KEY=${server.apiKey}`,
      "",
      "An app in any language, or a Collector, over OTLP/HTTP: protobuf or JSON, gzip or not (after the lines above):",
      `  export OTEL_EXPORTER_OTLP_ENDPOINT=${server.url}/otel OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`,
      '  export OTEL_EXPORTER_OTLP_HEADERS="authorization=Bearer%20$BRAINTRUST_API_KEY,x-bt-parent=project_name:NAME"',
      `  Traces go to ${server.url}/otel/v1/traces; GenAI message logs (Python's openai-v2, google-genai…) to ${server.url}/otel/v1/logs.`,
      "",
      "Then watch its traces:",
      `  ${options.command("tail", "--project NAME --follow")}`,
      "",
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );

  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await server.close();
  out.note("Stopped.");
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function requestLine(r: RecordedRequest): string {
  const time = new Date().toISOString().slice(11, 19);
  const events = (r.body as { events?: unknown } | undefined)?.events;
  return `${time} ${r.method} ${r.path} ${r.status || "no answer"}${Array.isArray(events) ? ` ${plural(events.length, "event")}` : ""}${r.note ? ` ${r.note}` : ""}`;
}
