// Persistence for the `dev` server: every stored project, experiment and row version is
// appended to a JSONL file, and replayed in order on start. Appends are
// synchronous so that what the server acknowledged is on disk, in order.
// The file is the user's: one that is not a journal is refused, never appended to.
import { appendFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";

export type ObjectKind = "project_logs" | "experiment";

export type JournalEntry =
  | { kind: "project"; project: Record<string, unknown>; org_name?: string }
  | { kind: "experiment"; experiment: Record<string, unknown> }
  | { kind: "row"; object: ObjectKind; objectId: string; row: Record<string, unknown> }
  | { kind: "delete"; object: ObjectKind; objectId: string; id: string }
  /** The key clients must send, so that a restart does not lock out running apps. */
  | { kind: "key"; apiKey: string };

/** A data file that cannot be used, said in one sentence that names the file and the fix. */
export class JournalError extends Error {}

export class Journal {
  /** Set when the file ends mid-line, so the next append starts on a line of its own. */
  private needsNewline = false;
  private entries: JournalEntry[] | undefined;

  constructor(readonly path: string) {}

  /**
   * All entries written so far. A line torn by a crash mid-write is skipped; a file whose
   * first line is not an entry is not a journal, and any other bad line is an error.
   */
  load(): JournalEntry[] {
    if (this.entries) return this.entries;
    const text = this.read();
    this.needsNewline = text.length > 0 && !text.endsWith("\n");
    const lines = text.split("\n");
    const entries: JournalEntry[] = [];
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      const entry = parseEntry(line);
      if (entry) return void entries.push(entry);
      if (isTornWrite(line)) return;
      if (entries.length === 0) {
        throw new JournalError(
          `${this.path} is not a journal of this server (line ${i + 1} is not one of its entries). ` +
            "Refusing to write to it: pass a new file, or one an earlier run of the server wrote.",
        );
      }
      throw new JournalError(`${this.path}: line ${i + 1} is not a journal entry. Remove or fix that line, or pass another file.`);
    });
    this.entries = entries;
    return entries;
  }

  /** The key stored by an earlier run, if any (the last one wins). */
  savedApiKey(): string | undefined {
    let key: string | undefined;
    for (const entry of this.load()) if (entry.kind === "key") key = entry.apiKey;
    return key;
  }

  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const lead = this.needsNewline ? "\n" : "";
    // Owner-only when created: the file holds the server's key and everything apps logged.
    appendFileSync(this.path, lead + entries.map((e) => JSON.stringify(e)).join("\n") + "\n", { mode: 0o600 });
    this.needsNewline = false;
    this.entries?.push(...entries);
  }

  private read(): string {
    let isFile: boolean;
    try {
      isFile = statSync(this.path).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw new JournalError(`Cannot read ${this.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    }
    if (!isFile) throw new JournalError(`${this.path} is a directory or device, not a journal file: pass a file path.`);
    try {
      return readFileSync(this.path, "utf8");
    } catch (err) {
      throw new JournalError(`Cannot read ${this.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isObjectKind = (v: unknown): v is ObjectKind => v === "project_logs" || v === "experiment";

/**
 * The start of an entry cut off by a crash mid-append: how this class writes entries, and
 * not JSON. Later appends go on the next line, so such a line may be anywhere in the file.
 */
function isTornWrite(line: string): boolean {
  if (!line.startsWith('{"kind":"')) return false;
  try {
    JSON.parse(line);
    return false;
  } catch {
    return true;
  }
}

/** The entry on that line, or undefined when the line is not one (not JSON, or not an entry's shape). */
function parseEntry(line: string): JournalEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  switch (value.kind) {
    case "project":
      return isObject(value.project) && typeof value.project.id === "string" ? (value as JournalEntry) : undefined;
    case "experiment":
      return isObject(value.experiment) && typeof value.experiment.id === "string" ? (value as JournalEntry) : undefined;
    case "row":
      return isObjectKind(value.object) && typeof value.objectId === "string" && isObject(value.row) && typeof value.row.id === "string"
        ? (value as JournalEntry)
        : undefined;
    case "delete":
      return isObjectKind(value.object) && typeof value.objectId === "string" && typeof value.id === "string" ? (value as JournalEntry) : undefined;
    case "key":
      return typeof value.apiKey === "string" && value.apiKey !== "" ? (value as JournalEntry) : undefined;
    default:
      return undefined;
  }
}
