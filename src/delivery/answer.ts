// Reading an answer without trusting its size. A proxy's error page or a misrouted 200 can
// be many megabytes, and reading it whole before cutting it costs memory in proportion to the
// page, several times over. Bytes past the limit are never read: the stream is destroyed,
// which closes that one socket, so an answer costs at most `limit` bytes whatever its size.
import type { Readable } from "node:stream";

export interface Answer {
  text: string;
  /** The answer was longer than the limit; `text` holds its first bytes. */
  cut: boolean;
}

/** Reads at most `limit` bytes of `body` as UTF-8. Rejects only as the stream itself does (reset, timeout). */
export async function readBounded(body: Readable, limit: number): Promise<Answer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = limit - size;
    if (chunk.length > room) {
      if (room > 0) chunks.push(chunk.subarray(0, room));
      body.destroy();
      return { text: decode(chunks, limit), cut: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: decode(chunks, size), cut: false };
}

function decode(chunks: Buffer[], size: number): string {
  return Buffer.concat(chunks, size).toString("utf8");
}
