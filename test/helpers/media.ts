// Real media bytes for attachment tests: a decodable PNG of random pixels, a WAV, a PDF.
import { crc32, deflateSync } from "node:zlib";

/** A seeded PRNG, so each test's bytes are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A valid RGB PNG of `width`×`height` random pixels (about 3 bytes per pixel: noise does not compress). */
export function png(width: number, height: number, seed = 1): Buffer {
  const next = random(seed);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let i = 0; i < raw.length; i++) raw[i] = i % (width * 3 + 1) === 0 ? 0 : Math.floor(next() * 256);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 0 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** `size` bytes that start like a PNG (not decodable: for sizes a real PNG would take long to build). */
export function pngLike(size: number, seed = 1): Buffer {
  const next = random(seed);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(next() * 256);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  return bytes;
}

/** A PCM WAV of `samples` random 16-bit samples. */
export function wav(samples: number, seed = 2): Buffer {
  const next = random(seed);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * 256);
  const head = Buffer.alloc(44);
  head.write("RIFF", 0, "latin1");
  head.writeUInt32LE(36 + data.length, 4);
  head.write("WAVEfmt ", 8, "latin1");
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(1, 22);
  head.writeUInt32LE(16000, 24);
  head.writeUInt32LE(32000, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write("data", 36, "latin1");
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

/** A small PDF, padded with a comment to `size` bytes. */
export function pdf(size = 4096): Buffer {
  const body = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
  return Buffer.from(body + "%".repeat(Math.max(0, size - body.length)));
}

export const b64 = (bytes: Buffer): string => bytes.toString("base64");
export const dataUrl = (type: string, bytes: Buffer): string => `data:${type};base64,${b64(bytes)}`;
