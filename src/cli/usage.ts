// What each command says about itself: `--help` prints one of these whole, a usage
// error prints one line and the usage of the command it was about.

export const MAIN_USAGE = `Usage: braintrust-otel-exporter <command> [options]

Commands:
  dev     Run a local Braintrust-compatible API server, with a web viewer of its traces
  tail    Print a project's recent traces as trees (--follow for new ones)
  help    Show this help (also --help, -h); \`<command> --help\` for a command's options

Options:
  --version         Print the version
`;

export const DEV_USAGE = `Usage: braintrust-otel-exporter dev [options]

Runs a local Braintrust-compatible API (REST, and OTLP/HTTP in protobuf or JSON at
/otel/v1/traces and /otel/v1/logs) and a web viewer of its traces, on one port.

Options:
  --port N          Port to listen on (default 8787; 0 picks a free one)
  --host HOST       Address to bind (default 127.0.0.1)
  --data FILE       Keep projects, rows and the key in this JSONL file across restarts
  --api-key KEY     Key clients must send (default: BRAINTRUST_API_KEY when set, else
                    the key saved in --data, else a random one)
  --quiet           Do not print a line per request
  -h, --help        Show this help
`;

export const TAIL_USAGE = `Usage: braintrust-otel-exporter tail [options]

Prints a project's recent traces as trees; with --follow, every trace that is new or
changed since. The API key comes from BRAINTRUST_API_KEY only, which keeps it out of
shell history.

Options:
  --project NAME    Project name (env BRAINTRUST_PROJECT)
  --project-id ID   Project id; skips the name lookup (env BRAINTRUST_PROJECT_ID)
  -f, --follow      Keep polling, and print traces that are new or changed
  --limit N         How many recent traces to print first (default 10)
  --interval MS     Polling interval for --follow when traces arrive (default 1000;
                    it backs off to 10 s while nothing changes)
  --api-url URL     API base URL (env BRAINTRUST_API_URL, default https://api.braintrust.dev)
  --org-name NAME   Org, for keys that belong to several (env BRAINTRUST_ORG_NAME)
  -h, --help        Show this help
`;
