// The batches under way, each a promise the sender settles and never rejects (the promise
// handler of OTel's OTLP exporter-base): how many there are, which the limiter weighs before
// another starts; the rows they carry, which are not delivered yet; their bodies, which count
// against the queue's memory until they are done with; and a wait for them all that a flush
// or a shutdown bounds by its deadline.
import type { Destination } from "./destinations.js";
import type { EncodedRows } from "./encoded-rows.js";
import type { ByteBoundedQueue } from "./queue.js";
import { settledBy } from "./schedule.js";

export class InFlight {
  /** Each batch's send, with its rows. */
  private readonly tasks = new Map<Promise<void>, number>();

  constructor(
    private readonly queue: ByteBoundedQueue,
    /** A batch is done: another may start. */
    private readonly done: () => void,
  ) {}

  get size(): number {
    return this.tasks.size;
  }

  /** Rows in batches under way. */
  get rows(): number {
    let rows = 0;
    for (const count of this.tasks.values()) rows += count;
    return rows;
  }

  /** Starts `send` for `rows`, cut from `dest`'s lane: `dest` is not evicted meanwhile, and the body counts as the queue's memory. */
  start(dest: Destination, rows: EncodedRows, send: () => Promise<void>): void {
    dest.sending++;
    this.queue.lend(rows.body.length);
    const task: Promise<void> = send().finally(() => {
      dest.sending--;
      this.queue.returned(rows.body.length);
      this.tasks.delete(task);
      this.done();
    });
    this.tasks.set(task, rows.length);
  }

  /** Waits for the batches under way now to settle (true), or until `deadline` (false). */
  settled(deadline: number): Promise<boolean> {
    return settledBy([...this.tasks.keys()], deadline);
  }
}
