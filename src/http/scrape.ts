// Turns a store snapshot into the exposition body, in chunks of about CHUNK_CHARS so the
// response streams with backpressure and the event loop is never held for a whole scrape.

import { type ExpositionFormat, renderFamilyHeader } from "../mapping/exposition.ts";
import type { DeflatedPiece } from "../store/deflate.ts";
import { CHUNK_CHARS, type SnapshotFamily } from "../store/store.ts";

/**
 * Yields the body: each family contiguous, HELP/TYPE once, `# EOF` last for OpenMetrics; returns
 * its UTF-8 size. Segments come as chunks of whole texts (joined by the store, usually by an
 * earlier scrape); a big one is yielded as it is, small ones (headers, families of few objects)
 * are joined with their neighbours so the socket is not written a few bytes at a time. With
 * `deflate` (a gzip scrape), big chunks come as the store's compressed pieces, to be written as
 * they are (src/http/gzip.ts). The writer (src/http/body.ts) encodes the strings into reused
 * Buffers.
 */
export function renderScrape(
  families: readonly SnapshotFamily[],
  format: ExpositionFormat,
): Generator<string, number>;
export function renderScrape(
  families: readonly SnapshotFamily[],
  format: ExpositionFormat,
  deflate: boolean,
): Generator<string | DeflatedPiece, number>;
export function* renderScrape(
  families: readonly SnapshotFamily[],
  format: ExpositionFormat,
  deflate = false,
): Generator<string | DeflatedPiece, number> {
  let parts: string[] = [];
  let size = 0;
  let bytes = 0;
  const take = (): string => {
    const chunk = parts.length === 1 ? parts[0]! : parts.join("");
    parts = [];
    size = 0;
    return chunk;
  };
  for (const family of families) {
    const header = renderFamilyHeader(family.meta, format);
    bytes += Buffer.byteLength(header, "utf8");
    parts.push(header);
    size += header.length;
    for (const segment of family.segments) {
      for (const chunk of segment.chunks(deflate)) {
        if (typeof chunk !== "string" || chunk.length >= CHUNK_CHARS / 2) {
          if (size > 0) yield take();
          yield chunk;
          continue;
        }
        parts.push(chunk);
        size += chunk.length;
        if (size >= CHUNK_CHARS) yield take();
      }
      bytes += segment.bytes;
    }
  }
  if (format === "openmetrics") {
    parts.push("# EOF\n");
    size += 6;
    bytes += 6;
  }
  if (size > 0) yield take();
  return bytes;
}

// Accept / Accept-Encoding negotiation lives in negotiate.ts.
export { negotiateFormat } from "./negotiate.ts";
