// The media's bytes, from its base64, without the copies that would hold memory: base64 is
// decoded a slice at a time, since decoding a whole string first copies it (megabytes per
// image), and the allocator keeps such copies resident after they are freed. A slice is a
// multiple of 4 characters, so each decodes on its own.
import { createHash } from "node:crypto";

const SLICE_CHARS = 64 * 1024;
const SLICE_BYTES = (SLICE_CHARS / 4) * 3;
let scratch: Buffer | undefined;

/** The hash of the media's bytes (the same bytes get the same key, whichever alphabet or padding encoded them); undefined for none. */
export function contentHash(base64: string): string | undefined {
  scratch ??= Buffer.allocUnsafeSlow(SLICE_BYTES);
  const hash = createHash("sha256");
  let total = 0;
  for (let i = 0; i < base64.length; i += SLICE_CHARS) {
    const written = scratch.write(base64.slice(i, i + SLICE_CHARS), 0, "base64");
    hash.update(scratch.subarray(0, written));
    total += written;
  }
  return total === 0 ? undefined : hash.digest("base64url");
}

/** The bytes `base64` encodes, `size` at most, in a buffer of their own. */
export function decodeBase64(base64: string, size: number): Buffer {
  const data = Buffer.allocUnsafeSlow(size);
  let offset = 0;
  for (let i = 0; i < base64.length && offset < size; i += SLICE_CHARS) offset += data.write(base64.slice(i, i + SLICE_CHARS), offset, "base64");
  return offset === size ? data : data.subarray(0, offset);
}
