// The compressed form of a joined chunk, kept by the store next to the chunk so gzip scrapes of
// unchanged objects copy compressed bytes instead of compressing the body again.
//
// A piece is raw DEFLATE ending in a sync flush (byte-aligned, not final, RFC 1951) with its own
// empty dictionary, so pieces written one after another form one valid DEFLATE stream in any
// order; the gzip member around them (src/http/gzip.ts) needs the CRC-32 of the whole body,
// which crc32Combine computes from the pieces' CRCs and lengths without their bytes.

import { constants, crc32, deflateRawSync } from "node:zlib";

export interface DeflatedPiece {
  /** Raw DEFLATE blocks, ending in a sync flush. */
  readonly deflated: Buffer;
  /** CRC-32 of the uncompressed bytes. */
  readonly crc: number;
  /** Length of the uncompressed bytes. */
  readonly bytes: number;
}

/** Level 1: a scrape is compressed once and read once; speed matters more than the last bytes. */
const OPTIONS = { level: 1, finishFlush: constants.Z_SYNC_FLUSH };

/**
 * zlib's synchronous calls write into output chunks of `chunkSize` bytes, and below 32 KiB a
 * chunk is a slice of Buffer's shared 64 KiB pool: every call takes a whole chunk of it, whatever
 * it writes. With the default (16 KiB), compressing 351 MiB of exposition (the first gzip scrape
 * at 50,000 objects: 5,600 chunks of text of about 2 KiB compressed each) went through 88 MiB of
 * pools, and V8, which counts them as external memory, answered with "external memory pressure"
 * mark-compacts whose marking steps held the event loop for up to 45 ms (docs/performance.md,
 * step 20). Exposition compresses 10 to 40 times at level 1 (the bench's: 28 and 39 times), so
 * an eighth of the input holds the output in one chunk; an output that does not fit takes more.
 */
function chunkSize(inputBytes: number): number {
  return Math.min(32 * 1024, Math.max(1024, Math.ceil(inputBytes / 8 / 1024) * 1024));
}

/** A piece written once and dropped (a scrape's own compression, src/http/gzip.ts). */
export function deflatePiece(bytes: Uint8Array): DeflatedPiece {
  const deflated = deflateRawSync(bytes, { ...OPTIONS, chunkSize: chunkSize(bytes.length) });
  return { deflated, crc: crc32(bytes) >>> 0, bytes: bytes.length };
}

/**
 * zlib's synchronous calls return their output as a view of the chunk they wrote it into
 * (64 KiB in Node 24), and a kept view keeps the whole chunk: a 64k-character chunk of
 * exposition compresses to about 2 KiB, so the store would hold 32 times the bytes it needs.
 * The pieces deflateText makes are kept, so they are copied into a buffer of their own size.
 */
function kept(piece: DeflatedPiece): DeflatedPiece {
  const view = piece.deflated;
  if (view.byteLength === view.buffer.byteLength) return piece;
  const own = Buffer.allocUnsafeSlow(view.byteLength);
  view.copy(own);
  return { ...piece, deflated: own };
}

/** Where texts are encoded before compressing: one Buffer, reused (deflateRawSync is done with
 * its input when it returns), so compressing chunks leaves no garbage outside the heap. */
const SCRATCH_BYTES = 256 * 1024;
const scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

export function deflateText(text: string): DeflatedPiece {
  const worst = text.length * 3; // UTF-8 bytes per UTF-16 code unit, at most
  // A single text longer than a chunk (one object with a huge family) is encoded on its own.
  if (worst > SCRATCH_BYTES) return kept(deflatePiece(Buffer.from(text, "utf8")));
  return kept(deflatePiece(scratch.subarray(0, scratch.write(text, 0, "utf8"))));
}

// CRC-32 of A+B from crc(A), crc(B) and len(B): crc(A) times x^(8·len(B)) modulo the CRC
// polynomial, plus crc(B) (arithmetic over GF(2), reflected bit order as in zlib's crc32).
// Node's zlib has crc32 but not its combine; this is the textbook method, checked in the unit
// tests against zlib.crc32 of the concatenation.
const POLY = 0xedb88320;

/** a·b modulo the polynomial (both as reflected 32-bit polynomials). */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let product = 0;
  for (;;) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the polynomial, k = 0..31. */
const X_POW_2K = new Uint32Array(32);
{
  let p = 0x40000000; // x^1
  X_POW_2K[0] = p;
  for (let k = 1; k < 32; k++) X_POW_2K[k] = p = multiplyModP(p, p);
}

/** x^(n·2^k) modulo the polynomial. */
function xPowModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n > 0) {
    if (n % 2 === 1) p = multiplyModP(X_POW_2K[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(xPowModP(lengthB, 3), crcA >>> 0) ^ crcB) >>> 0;
}
