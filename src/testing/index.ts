// `braintrust-otel-exporter/testing`: a local Braintrust-compatible API server for
// tests and demos. It speaks the API's REST core (projects, experiments, insert,
// fetch) the way the official clients expect, checks rows the way the real API does,
// and can inject failures. docs/local-server.md lists what it leaves out.
import { randomBytes } from "node:crypto";
import { type AttachmentMeta, AttachmentStore, DEFAULT_MAX_ATTACHMENT_BYTES } from "./attachment-store.js";
import { type Fault, type FaultCounts, FaultInjector } from "./faults.js";
import { Journal } from "./journal.js";
import { type RecordedRequest, LocalServer } from "./server.js";
import { type Experiment, type Project, type Row, LocalStore } from "./store.js";

export type { Fault, FaultCounts, FaultRoute } from "./faults.js";
export type { AttachmentMeta, AttachmentStatus } from "./attachment-store.js";
export { JournalError } from "./journal.js";
export type { RecordedRequest } from "./server.js";
export type { Experiment, FetchPage, Project, Row } from "./store.js";
export { validateInsertEvent, validateInsertRequest } from "./validate-event.js";
export { ApiReadError, type ReadProjectLogOptions, readProjectLog } from "./read-log.js";
export { type RenderOptions, type TraceRow, renderTraceTree } from "../view/trace-tree.js";

export interface LocalBraintrustOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default: the key saved in `dataFile`, else a random `sk-local-…` key (saved there). */
  apiKey?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Keep projects, rows and the key in this JSONL file, and load it on start. A file that is not one is refused (JournalError). */
  dataFile?: string;
  /** Largest request body accepted, in bytes (default 64 MiB); larger ones get 413. */
  maxRequestBytes?: number;
  /** Called once per request, when it has been answered (or cut, or left hanging). */
  onRequest?: (request: RecordedRequest) => void;
  /** Keep every request, bodies included, in `requests` (default true; off for long-running servers). */
  recordRequests?: boolean;
  /**
   * Most bytes of attachments kept (default 512 MiB); past it the oldest are forgotten. In
   * memory, or with `dataFile`, in the folder `<dataFile>.attachments` beside it.
   */
  maxAttachmentBytes?: number;
}

export interface LocalBraintrust {
  /** Base URL, e.g. http://127.0.0.1:54321: use it as BRAINTRUST_API_URL. */
  readonly url: string;
  readonly apiKey: string;
  /** Every request received, oldest first (authorization redacted); empty with `recordRequests: false`. */
  readonly requests: RecordedRequest[];
  /** Stored rows of the project with that name, in the order their ids were first written. */
  rows(projectName: string): Row[];
  experimentRows(experimentId: string): Row[];
  /** A stored attachment: its metadata and, once uploaded, its bytes. */
  attachment(key: string): { meta: AttachmentMeta; bytes: Buffer | undefined } | undefined;
  /** Keys of the attachments whose bytes are stored, oldest first. */
  attachmentKeys(): string[];
  /** Live projects, newest first. */
  projects(): Project[];
  /** Live experiments, newest first. */
  experiments(): Experiment[];
  /**
   * Creates (or gets) the experiment of that name in that project, creating the project
   * too: what a test needs before it routes spans to `experiment_id:…`.
   */
  createExperiment(projectName: string, experimentName: string): Experiment;
  /** Injects failures into later requests; undefined clears. */
  setFault(fault?: Fault): void;
  faults(): FaultCounts;
  /** The most API requests handled at once (arrived and not yet answered) since the server started. */
  peakConcurrent(): number;
  /** Object-store requests (signed uploads and downloads) being handled now. */
  objectStoreOpen(): number;
  /** Stops listening and cuts open connections: clients get ECONNREFUSED. */
  down(): Promise<void>;
  /** Listens again, on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024;

export async function startLocalBraintrust(options: LocalBraintrustOptions = {}): Promise<LocalBraintrust> {
  const journal = options.dataFile ? new Journal(options.dataFile) : undefined;
  const attachments = new AttachmentStore(options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES, options.dataFile ? `${options.dataFile}.attachments` : undefined);
  const store = new LocalStore(journal, attachments);
  const injector = new FaultInjector();
  // A data file keeps its key, so apps still running keep working across a restart.
  const apiKey = options.apiKey ?? journal?.savedApiKey() ?? `sk-local-${randomBytes(16).toString("hex")}`;
  if (journal && journal.savedApiKey() !== apiKey) journal.append([{ kind: "key", apiKey }]);
  const server = new LocalServer(store, injector, {
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    apiKey,
    maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    onRequest: options.onRequest,
    recordRequests: options.recordRequests ?? true,
  });
  await server.up();

  return {
    url: server.url,
    apiKey,
    requests: server.requests,
    rows: (projectName) => {
      const project = store.catalog.projectByName(projectName);
      return project ? store.rows("project_logs", project.id) : [];
    },
    experimentRows: (experimentId) => store.rows("experiment", experimentId),
    attachment: (key) => {
      const meta = attachments.meta(key);
      return meta ? { meta, bytes: attachments.get(key) } : undefined;
    },
    attachmentKeys: () => attachments.keys(),
    projects: () => store.catalog.projects(),
    experiments: () => store.catalog.experiments(),
    createExperiment: (projectName, experimentName) =>
      store.catalog.createExperiment(store.catalog.createProject(projectName).id, experimentName, {}, false),
    setFault: (fault) => injector.set(fault),
    faults: () => injector.injected(),
    peakConcurrent: () => server.concurrency.peak,
    objectStoreOpen: () => server.concurrency.objectStore,
    down: () => server.down(),
    up: () => server.up(),
    close: () => server.down(),
  };
}
