// The OTel LogRecordProcessor face (`processor.logRecordProcessor`, `exporter.logRecordProcessor`):
// GenAI log records go to the record book of the face they belong to, to be folded into their
// span's row. onEmit runs inside the app's logging call: an app's ordinary records are told
// apart by their event name (a property read or two) and ignored; a GenAI one is mapped to
// its span event and held. No I/O, no row building, never a throw.
import type { Context } from "@opentelemetry/api";
import { genAiEvent, type LogRecordLike } from "../convert/genai-records.js";
import { errorMessage, log } from "../log.js";
import type { RecordBook } from "./record-book.js";

/** What onEmit reads of an SDK log record (`ReadWriteLogRecord` in sdk-logs 0.2xx and 3.x). */
interface EmittedRecord extends LogRecordLike {
  readonly spanContext?: { readonly traceId: string; readonly spanId: string };
}

export interface RecordOwner {
  /** The owner's flush: rows (late merges included) handed to delivery and sent. */
  flush(): Promise<unknown>;
}

export class BraintrustLogRecordProcessor {
  private closed = false;

  constructor(
    private readonly book: RecordBook,
    private readonly owner: RecordOwner,
  ) {
    book.active = true;
  }

  onEmit(record: EmittedRecord, _context?: Context): void {
    if (this.closed) return;
    try {
      const event = genAiEvent(record);
      if (event === undefined) return;
      const span = record.spanContext;
      this.book.add(span?.traceId, span?.spanId, event);
    } catch (err) {
      log("warn", "log-record", `a GenAI log record could not be read and was left out: ${errorMessage(err)}`);
    }
  }

  /** Sends the merge rows of late records, then flushes the owner's rows. Never rejects. */
  async forceFlush(): Promise<void> {
    try {
      this.book.flushLate();
      await this.owner.flush();
    } catch {
      // the owner's flush reports its own failures
    }
  }

  /** The LoggerProvider is done: late records are sent; the span face is shut down by its own provider. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.forceFlush();
  }
}
