// Options + environment → one validated, frozen config. Explicit options beat
// non-blank env vars, which beat defaults. The env is read at construction, and once more
// at first use when the key or the project was missing then (spans/core.ts).
import type { BraintrustEvent, SpanLike } from "../convert/types.js";
import type { Dispatcher } from "undici";
import { detectEnvironment, type SpanEnvironment } from "./environment.js";
import { type Parent, makeParent, parseParent } from "./parent.js";
import { type ProxySettings, readProxy } from "./proxy.js";
import { checkOptionShapes, shown } from "./options.js";
import { hideSecrets } from "./secrets.js";
import { checkApiKey, checkDispatcher, checkHeaders, checkNumber, LIMITS } from "./validate.js";

export interface BraintrustExporterOptions {
  /** Braintrust API key. Env: BRAINTRUST_API_KEY. */
  apiKey?: string;
  /** API base URL. Env: BRAINTRUST_API_URL. Default https://api.braintrust.dev. */
  apiUrl?: string;
  /** Project to log to, created if missing. Env: BRAINTRUST_PROJECT. */
  projectName?: string;
  /** Project id; when set no lookup is made. Env: BRAINTRUST_PROJECT_ID. */
  projectId?: string;
  /** Org name, for keys that belong to several orgs. Env: BRAINTRUST_ORG_NAME. */
  orgName?: string;
  /** `project_name:X` | `project_id:X` | `experiment_id:X`. Env: BRAINTRUST_PARENT. */
  parent?: string;
  /**
   * Extra headers on every request; names are case-insensitive. An `Authorization` header
   * replaces the key's (for a gateway with its own auth; then no key is needed).
   */
  headers?: Record<string, string>;
  /** Sends `x-bt-impersonate-user`. Env: BRAINTRUST_IMPERSONATE_USER. */
  impersonateUser?: string;

  /** Most spans held in memory while waiting to be sent (default 100 000). */
  maxQueueSize?: number;
  /** Most serialized bytes held in memory (default 64 MiB). */
  maxQueueBytes?: number;
  /** Most rows per insert request (default 512). */
  maxExportBatchSize?: number;
  /** Most bytes per insert request (default 5 MiB). */
  maxBatchBytes?: number;
  /** How long rows may wait before a send is started (default 1000 ms). */
  scheduledDelayMillis?: number;
  /** Deadline for one export, flush or shutdown, retries included (default 30 000 ms). */
  exportTimeoutMillis?: number;
  /** Most insert requests in flight at once (default 16). It starts at 4 and grows only while the API's latency holds rows back; it halves on 429, 5xx and timeouts. */
  maxConcurrentRequests?: number;
  /** Flush when the event loop empties (`beforeExit`), within 5 s (default true). */
  flushOnExit?: boolean;
  /** Flush whenever a root span ends (serverless handlers). */
  flushOnRootEnd?: boolean;
  /**
   * `"gzip"` compresses insert bodies (level 1, off the main thread): many times fewer bytes on
   * the wire for more CPU per row (docs/performance.md has the figures). Off by default; for
   * egress-bound deployments.
   */
  compression?: "gzip" | "none";

  /**
   * Images, audio and documents in messages (base64) go to Braintrust as attachments, and the
   * row holds a reference the UI shows as the image, player or file (default true). false keeps
   * them inline in the row. Env: BRAINTRUST_ATTACHMENTS=false.
   */
  attachments?: boolean;
  /** Media smaller than this many bytes (icons) stays inline (default 1024). */
  attachmentMinBytes?: number;
  /**
   * Most bytes of media waiting to be uploaded, with the rows that wait for them (default
   * 64 MiB). Media past it is replaced by a marker naming its type and size; its row still goes.
   */
  maxAttachmentBytes?: number;

  /** Keep only AI spans; others, trace roots too, are dropped. Env: BRAINTRUST_FILTER_AI_SPANS=true. */
  filterAISpans?: boolean;
  /** true keeps, false drops, undefined defers to `filterAISpans`. */
  customFilter?: (span: SpanLike) => boolean | undefined;
  /** Rewrites each row before it leaves the process. */
  mask?: (event: BraintrustEvent) => BraintrustEvent;
  /** Write a partial row when a span starts, merged into when it ends. */
  logSpanStart?: boolean;
  /**
   * Where spans are captured, for each row's `context.span_origin.environment`; null turns
   * detection off. Env: BRAINTRUST_ENVIRONMENT_TYPE, BRAINTRUST_ENVIRONMENT_NAME; else CI,
   * platform and NODE_ENV detection.
   */
  environment?: SpanEnvironment | null;

  /**
   * The undici dispatcher to send through (an Agent with mTLS or a private CA, a ProxyAgent,
   * …); it is yours to close. By default: a keep-alive pool, or a proxy agent when
   * HTTP_PROXY / HTTPS_PROXY is set (NO_PROXY honoured).
   */
  dispatcher?: Dispatcher;

  /** The environment to read instead of `process.env` and `.env.braintrust` (tests, multi-tenant setups). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ExporterConfig {
  readonly apiKey: string;
  readonly apiUrl: string;
  readonly orgName: string | undefined;
  readonly parent: Parent;
  /** Nothing named a project: `parent` is DEFAULT_PROJECT. */
  readonly defaultParent?: boolean;
  /** For `context.span_origin.environment`. */
  readonly environment?: SpanEnvironment;
  readonly headers: Readonly<Record<string, string>>;
  readonly proxy: ProxySettings;
  readonly dispatcher: Dispatcher | undefined;
  readonly maxQueueSize: number;
  readonly maxQueueBytes: number;
  readonly maxExportBatchSize: number;
  readonly maxBatchBytes: number;
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
  readonly maxConcurrentRequests: number;
  readonly attachments: boolean;
  readonly attachmentMinBytes: number;
  readonly maxAttachmentBytes: number;
  readonly flushOnExit: boolean;
  readonly flushOnRootEnd: boolean;
  readonly compression: "gzip" | undefined;
  readonly filterAISpans: boolean;
  readonly customFilter: ((span: SpanLike) => boolean | undefined) | undefined;
  readonly mask: ((event: BraintrustEvent) => BraintrustEvent) | undefined;
  readonly logSpanStart: boolean;
}

export type ConfigResult =
  | { ok: true; config: ExporterConfig; warnings: string[] }
  | { ok: false; error: string; warnings: string[] };

export const DEFAULT_API_URL = "https://api.braintrust.dev";
/** Where rows go when no project, project id or parent is configured, as with `@braintrust/otel`. */
export const DEFAULT_PROJECT = "default-otel-project";

/** Never throws: a config that cannot work comes back as `{ ok: false, error }`. */
export function resolveConfig(options: BraintrustExporterOptions = {}): ConfigResult {
  const env = options.env ?? process.env;
  const result = build(options, env);
  // Messages quote user input (a URL, a header), which may itself contain the key.
  const key = typeof options.apiKey === "string" && options.apiKey.trim() ? options.apiKey.trim() : env.BRAINTRUST_API_KEY?.trim();
  if (!key) return result;
  const scrub = (text: string) => text.split(key).join("***");
  result.warnings = result.warnings.map(scrub);
  if (!result.ok) result.error = scrub(result.error);
  return result;
}

function build(options: BraintrustExporterOptions, env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const warnings: string[] = [];
  if (options === null || typeof options !== "object") return fail(`options must be an object, got ${shown(options)}`, warnings);
  checkOptionShapes(options, warnings);
  const fromEnv = (name: string) => {
    const v = env[name];
    return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
  };
  const pick = (option: unknown, envName: string) =>
    typeof option === "string" && option.trim() !== "" ? option.trim() : fromEnv(envName);

  const checked = checkHeaders(options.headers, pick(options.impersonateUser, "BRAINTRUST_IMPERSONATE_USER"), warnings);
  if ("error" in checked) return fail(checked.error, warnings);
  const { headers } = checked;
  const apiKey = pick(options.apiKey, "BRAINTRUST_API_KEY") ?? "";
  // A gateway's own Authorization header stands in for the key.
  if (!apiKey && headers.authorization === undefined) {
    return fail("no API key: set the `apiKey` option, the BRAINTRUST_API_KEY environment variable, or BRAINTRUST_API_KEY in a .env.braintrust file", warnings);
  }
  const badKey = checkApiKey(apiKey);
  if (badKey) return fail(badKey, warnings);

  const rawUrl = pick(options.apiUrl, "BRAINTRUST_API_URL") ?? DEFAULT_API_URL;
  const apiUrl = checkUrl(rawUrl, warnings);
  if (!apiUrl) {
    return fail(
      `\`apiUrl\` (BRAINTRUST_API_URL) is not a valid http(s) URL: ${JSON.stringify(rawUrl)}`,
      warnings,
    );
  }

  const named = resolveParent(options, fromEnv);
  if (typeof named === "string") return fail(named, warnings);
  const parent = named ?? makeParent("project_name", DEFAULT_PROJECT);

  const proxy = readProxy(env);
  if ("error" in proxy) return fail(proxy.error, warnings);
  const custom = checkDispatcher(options.dispatcher);
  if ("error" in custom) return fail(custom.error, warnings);

  const numbers = {} as Record<keyof typeof LIMITS, number>;
  for (const name of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    numbers[name] = checkNumber(name, options[name], warnings);
  }

  const config: ExporterConfig = {
    apiKey,
    apiUrl,
    orgName: pick(options.orgName, "BRAINTRUST_ORG_NAME"),
    parent,
    defaultParent: named === undefined,
    environment: detectEnvironment(options.environment, env),
    headers: Object.freeze(headers),
    proxy: Object.freeze(proxy),
    dispatcher: custom.dispatcher,
    ...numbers,
    // On for every route: a script that ends without flushing still delivers its rows.
    flushOnExit: options.flushOnExit !== false,
    flushOnRootEnd: options.flushOnRootEnd === true,
    compression: compressionOf(options.compression, warnings),
    attachments: typeof options.attachments === "boolean" ? options.attachments : !/^(false|0|no|off)$/i.test(fromEnv("BRAINTRUST_ATTACHMENTS") ?? ""),
    filterAISpans: typeof options.filterAISpans === "boolean" ? options.filterAISpans : fromEnv("BRAINTRUST_FILTER_AI_SPANS")?.toLowerCase() === "true",
    customFilter: typeof options.customFilter === "function" ? options.customFilter : undefined,
    mask: typeof options.mask === "function" ? options.mask : undefined,
    logSpanStart: options.logSpanStart === true,
  };
  return { ok: true, config: Object.freeze(hideSecrets(config)), warnings };
}

function compressionOf(value: unknown, warnings: string[]): "gzip" | undefined {
  if (value === undefined || value === "none") return undefined;
  if (value === "gzip") return "gzip";
  warnings.push(`\`compression\` must be "gzip" or "none", got ${shown(value)}; bodies are sent uncompressed`);
  return undefined;
}

function fail(error: string, warnings: string[]): ConfigResult {
  return { ok: false, error, warnings };
}

function checkUrl(raw: string, warnings: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password) {
    // Never sent (requests go to the origin), yet printed wherever the URL is.
    url.username = "";
    url.password = "";
    warnings.push("apiUrl holds credentials (user:password@), which are not sent and were removed; pass the key as `apiKey`");
  }
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) || url.hostname.startsWith("127.");
  if (url.protocol === "http:" && !local) {
    warnings.push(`apiUrl ${url.origin} uses plain http to another host: the API key travels in clear text; use https:// (plain http is for a server on this machine)`);
  }
  return url.href.replace(/\/+$/, "");
}

/** Explicit options (parent, projectId, projectName) beat their env vars as a group. */
function resolveParent(
  options: BraintrustExporterOptions,
  fromEnv: (name: string) => string | undefined,
): Parent | string | undefined {
  const explicit = parentFrom(options.parent, options.projectId, options.projectName);
  if (explicit) return explicit;
  const implicit = parentFrom(
    fromEnv("BRAINTRUST_PARENT"),
    fromEnv("BRAINTRUST_PROJECT_ID"),
    fromEnv("BRAINTRUST_PROJECT"),
  );
  return implicit;
}

function parentFrom(parent: unknown, projectId: unknown, projectName: unknown): Parent | string | undefined {
  if (parent !== undefined) {
    const parsed = parseParent(parent);
    if (parsed) return parsed;
    return `\`parent\` (BRAINTRUST_PARENT) must look like project_name:NAME, project_id:ID or experiment_id:ID, got ${shown(parent)}`;
  }
  if (projectId !== undefined) {
    if (typeof projectId === "string" && projectId.trim()) return makeParent("project_id", projectId.trim());
    return typeof projectId === "string" ? "`projectId` (BRAINTRUST_PROJECT_ID) is empty" : `\`projectId\` must be a string, got ${shown(projectId)}`;
  }
  if (projectName !== undefined) {
    if (typeof projectName === "string" && projectName.trim()) return makeParent("project_name", projectName.trim());
    return typeof projectName === "string" ? "`projectName` (BRAINTRUST_PROJECT) is empty" : `\`projectName\` must be a string, got ${shown(projectName)}`;
  }
  return undefined;
}
