// `dev`: the local Braintrust-compatible server, standalone, for demos and for
// pointing a real app at something that is not the cloud.
import { type LocalBraintrust, type RecordedRequest, startLocalBraintrust } from "../testing/index.js";
import { CliError, type Output } from "./output.js";

export interface DevOptions {
  port: number;
  host: string;
  dataFile?: string;
  apiKey?: string;
  quiet: boolean;
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
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new CliError(`Port ${options.port} on ${options.host} is in use; pass --port 0 to pick a free one.`);
    if (code === "EADDRNOTAVAIL") throw new CliError(`Cannot listen on ${options.host}: no such local address.`);
    throw err;
  }

  const projects = server.projects();
  const rows = projects.reduce((n, p) => n + server.rows(p.name).length, 0);
  out.write(
    [
      `Local Braintrust API listening on ${server.url}`,
      options.dataFile
        ? `Data: ${options.dataFile} (${projects.length} projects, ${rows} rows loaded)`
        : "Data: in memory only (pass --data FILE to keep it across restarts)",
      "",
      "Point an app at it with:",
      `  BRAINTRUST_API_URL=${server.url}`,
      `  BRAINTRUST_API_KEY=${server.apiKey}`,
      "",
      "Then watch its traces:",
      `  BRAINTRUST_API_URL=${server.url} BRAINTRUST_API_KEY=${server.apiKey} npx braintrust-otel-exporter tail --project NAME --follow`,
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

function requestLine(r: RecordedRequest): string {
  const time = new Date().toISOString().slice(11, 19);
  const events = Array.isArray((r.body as { events?: unknown } | undefined)?.events)
    ? ` ${(r.body as { events: unknown[] }).events.length} events`
    : "";
  return `${time} ${r.method} ${r.path} ${r.status || "no answer"}${events}`;
}
