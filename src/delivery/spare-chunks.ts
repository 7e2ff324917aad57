// Emptied queue chunks kept for reuse, by size. A steady stream into one lane reuses its
// 64 KiB chunks; names that come and go reuse each other's small first chunks. A chunk's
// bytes live outside the V8 heap and are freed only when a full collection finds the buffer,
// and freed memory stays resident in the allocator's heap: so a chunk a lane lets go is handed
// to the next lane that needs one of its size, and the resident memory of a churning
// destination table stays what the queue holds plus these few spares.

/** Chunks are powers of two from 1 KiB to this; only those sizes are kept. */
export const MAX_CHUNK = 64 * 1024;
/** Kept per size: 1 MiB of 64 KiB chunks, 64 KiB of each smaller size. */
const KEPT_BYTES_FULL = 1024 * 1024;
const KEPT_BYTES_SMALL = 64 * 1024;

export class SpareChunks {
  /** Free chunks by size class: `bySize[log2(size)]`. */
  private readonly bySize: Buffer[][] = [];

  /** A chunk of `size` bytes: a kept one, else a new one (its contents are not cleared). */
  take(size: number): Buffer {
    return (kept(size) ? this.bySize[classOf(size)]?.pop() : undefined) ?? Buffer.allocUnsafeSlow(size);
  }

  /** Takes back a chunk no row is in any more; kept when its size is one kept and there is room. */
  give(chunk: Buffer): void {
    const size = chunk.length;
    if (!kept(size)) return;
    const spares = (this.bySize[classOf(size)] ??= []);
    if ((spares.length + 1) * size <= (size === MAX_CHUNK ? KEPT_BYTES_FULL : KEPT_BYTES_SMALL)) spares.push(chunk);
  }

  /** Bytes kept (not counted as held by the queue: no row is in them). */
  get bytes(): number {
    let total = 0;
    for (const [i, kept] of this.bySize.entries()) total += (kept?.length ?? 0) * 2 ** i;
    return total;
  }
}

/** The smallest power of two at least `n` (n >= 1). */
export function chunkSizeFor(n: number): number {
  return n <= 1 ? 1 : 2 ** (32 - Math.clz32(n - 1));
}

/** Whether chunks of `size` bytes are kept: a power of two up to MAX_CHUNK (a chunk cut to the budget is not). */
function kept(size: number): boolean {
  return size > 0 && size <= MAX_CHUNK && (size & (size - 1)) === 0;
}

function classOf(size: number): number {
  return 31 - Math.clz32(size);
}
