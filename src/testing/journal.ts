// Persistence for the `dev` server: every stored project and row version is
// appended to a JSONL file, and replayed in order on start. Appends are
// synchronous so that what the server acknowledged is on disk, in order.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

export type ObjectKind = "project_logs" | "experiment";

export type JournalEntry =
  | { kind: "project"; project: Record<string, unknown> }
  | { kind: "row"; object: ObjectKind; objectId: string; row: Record<string, unknown> }
  | { kind: "delete"; object: ObjectKind; objectId: string; id: string };

export class Journal {
  /** Set when the file ends mid-line, so the next append starts on a line of its own. */
  private needsNewline = false;

  constructor(readonly path: string) {}

  /** All entries written so far. A torn last line (a crash mid-write) is skipped, not fatal. */
  load(): JournalEntry[] {
    if (!existsSync(this.path)) return [];
    const text = readFileSync(this.path, "utf8");
    this.needsNewline = text.length > 0 && !text.endsWith("\n");
    const entries: JournalEntry[] = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as JournalEntry;
        if (entry && typeof entry === "object" && typeof entry.kind === "string") entries.push(entry);
      } catch {
        // Only the final line can be torn; anything else unreadable is equally unusable.
      }
    }
    return entries;
  }

  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const lead = this.needsNewline ? "\n" : "";
    appendFileSync(this.path, lead + entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
    this.needsNewline = false;
  }
}
