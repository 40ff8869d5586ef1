// Writes a scrape body (a generator of strings) to a Node stream, the socket or a gzip stream,
// through a few Buffers that are reused from one write to the next.
//
// Why not hand the strings to the stream: each write of a string makes the stream (zlib, or
// the socket for a large string) encode it into a fresh Buffer. At millions of series that is
// the body's size in short-lived memory outside the JS heap on every scrape, which made V8 run
// full mark-compacts and cost gzip scrapes a third of their time (bench/scrape.ts, 1M series).
// Reused Buffers: at most 1 MiB in flight per scrape whatever the size of the body, and at most
// 4 MiB kept between scrapes.

import type { Writable } from "node:stream";
import type { DeflatedPiece } from "../store/deflate.ts";
import type { GzipPieces } from "./gzip.ts";

const BUFFER_BYTES = 256 * 1024;
/** Buffers one scrape may have in flight. */
const BUFFERS = 4;
/**
 * Free Buffers kept for the next scrapes: allocating 1 MiB for each small scrape, 100 a second,
 * was most of their CPU (docs/performance.md, step 3).
 */
const POOL_MAX = 16;
const pool: Buffer[] = [];
/** UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_CHAR = 3;

/**
 * Writes every string of `chunks`, then ends `sink`; with `gzip`, as one gzip member compressed
 * piece by piece on this thread. Plain, the free Buffers are the backpressure: when all are in
 * flight it waits for the sink to release one, so a slow client holds 1 MiB. Compressed, each
 * Buffer is free again at once and it waits for 'drain' instead. It yields to the event loop
 * each time about a Buffer's worth (uncompressed) has been handed over: a fast client on
 * loopback takes every write at once, and without a yield a whole scrape would run in one
 * macrotask. Resolves with the generator's result (the body's
 * UTF-8 size), or undefined if `sink` failed or was destroyed. `onProgress` is called each time
 * the sink took data onwards (a write completed, or it drained): a client that stopped reading
 * stops it.
 */
export async function writeBody(
  chunks: Generator<string | DeflatedPiece, number>,
  sink: Writable,
  gzip?: GzipPieces,
  onProgress: () => void = () => {},
): Promise<number | undefined> {
  // This scrape's Buffers, taken from the shared pool or allocated when first needed; `owned`
  // counts them so at most BUFFERS are in flight.
  const free: Buffer[] = [];
  let owned = 0;
  let waiting: (() => void) | undefined;
  let failed = false;
  const wake = () => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.();
  };
  const onClose = () => {
    failed = true;
    wake();
  };
  sink.once("close", onClose);
  sink.once("error", onClose);
  sink.on("drain", wake);
  sink.on("drain", onProgress);

  let finished = false;
  const release = (buffer: Buffer) => (error?: Error | null) => {
    if (error) failed = true;
    else onProgress();
    // After the scrape, a Buffer the sink is done with goes back to the pool directly.
    if (finished) giveBack(buffer);
    else free.push(buffer);
    wake();
  };
  const acquire = async (): Promise<Buffer | undefined> => {
    if (free.length === 0 && owned < BUFFERS) {
      owned++;
      free.push(pool.pop() ?? Buffer.allocUnsafeSlow(BUFFER_BYTES));
    }
    while (free.length === 0 && !failed) await new Promise<void>((resolve) => (waiting = resolve));
    return failed ? undefined : free.pop();
  };
  // The gzip header goes with the first piece, not before: until a byte is written, the response
  // headers are not sent either, and a scrape that fails can still be answered 500.
  let headerWritten = false;
  const writeGzip = (bytes: Buffer) => {
    if (!headerWritten) {
      headerWritten = true;
      sink.write(gzip!.header());
    }
    sink.write(bytes);
  };
  /** Hands `bytes` to the sink; `owner` is the pooled Buffer they live in, if any. */
  const send = (bytes: Buffer, owner?: Buffer) => {
    if (gzip) {
      writeGzip(gzip.piece(bytes));
      if (owner) free.push(owner);
    } else if (owner) sink.write(bytes, release(owner));
    else sink.write(bytes);
  };
  const pause = async (): Promise<boolean> => {
    await new Promise((resolve) => setImmediate(resolve));
    while (gzip && sink.writableNeedDrain && !failed)
      await new Promise<void>((resolve) => (waiting = resolve));
    return !failed;
  };

  let buffer: Buffer | undefined;
  let used = 0;
  /** Bytes handed to the sink since the last yield to the event loop. */
  let sent = 0;
  const sendPending = () => {
    if (buffer && used > 0) {
      send(buffer.subarray(0, used), buffer);
      sent += used;
      buffer = undefined; // the sink may hold it until its callback: not free for the pool yet
      used = 0;
    }
  };
  const paused = async (): Promise<boolean> => {
    if (sent < BUFFER_BYTES) return !failed;
    sent = 0;
    return pause();
  };

  try {
    for (;;) {
      const next = chunks.next();
      if (next.done) {
        sendPending();
        if (failed) return undefined;
        if (gzip) writeGzip(gzip.trailer());
        sink.end();
        return next.value;
      }
      const item = next.value;
      if (typeof item !== "string") {
        // A chunk the store keeps compressed (gzip scrapes only): written as it is.
        if (!gzip) throw new Error("a compressed piece in a plain scrape");
        sendPending();
        writeGzip(gzip.add(item));
        sent += item.bytes;
        if (!(await paused())) return undefined;
        continue;
      }
      const worst = item.length * MAX_BYTES_PER_CHAR;
      if (worst > BUFFER_BYTES) {
        // A text bigger than a Buffer (one object with a huge family): rare, sent alone.
        sendPending();
        const bytes = Buffer.from(item, "utf8");
        send(bytes);
        sent += bytes.length;
        if (!(await paused())) return undefined;
        continue;
      }
      if (buffer && BUFFER_BYTES - used < worst) {
        sendPending();
        if (!(await paused())) return undefined;
      }
      buffer ??= await acquire();
      if (!buffer) return undefined;
      used += buffer.write(item, used, "utf8");
    }
  } finally {
    finished = true;
    if (buffer) free.push(buffer);
    for (const b of free) giveBack(b);
    sink.off("close", onClose);
    sink.off("error", onClose);
    sink.off("drain", wake);
    sink.off("drain", onProgress);
  }
}

function giveBack(buffer: Buffer): void {
  if (pool.length < POOL_MAX) pool.push(buffer);
}
