// Turns a store snapshot into the exposition body, in UTF-8 chunks of about CHUNK_BYTES so the
// response streams with backpressure and the event loop is never held for a whole scrape.

import { type ExpositionFormat, renderFamilyHeader } from "../mapping/exposition.ts";
import type { SnapshotFamily } from "../store/store.ts";

const CHUNK_BYTES = 64 * 1024;

/**
 * Yields the body: each family contiguous, HELP/TYPE once, `# EOF` last for OpenMetrics. Every
 * stored text is written straight into the chunk's bytes (Buffer#write): concatenating thousands
 * of small strings into one 64 KiB string and encoding that (Buffer.from) cost about twice the
 * CPU per scrape, most of it flattening the concatenation (bench: npm run bench, docs/performance.md).
 * A chunk never splits a text (so never a line); a text larger than a chunk is a chunk of its own.
 */
export function* renderScrape(
  families: readonly SnapshotFamily[],
  format: ExpositionFormat,
): Generator<Buffer> {
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  const filled = (): Buffer => {
    const out = chunk.subarray(0, used);
    chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    used = 0;
    return out;
  };
  for (const family of families) {
    for (let i = -1; i < family.chunks.length; i++) {
      const text = i < 0 ? renderFamilyHeader(family.meta, format) : family.chunks[i]!;
      // UTF-8 takes at most 3 bytes per UTF-16 code unit: start a new chunk unless it surely fits.
      if (used + text.length * 3 > CHUNK_BYTES) {
        if (used > 0) yield filled();
        if (text.length * 3 > CHUNK_BYTES) {
          yield Buffer.from(text, "utf8");
          continue;
        }
      }
      used += chunk.write(text, used);
    }
  }
  if (format === "openmetrics") {
    if (used + 6 > CHUNK_BYTES) yield filled();
    used += chunk.write("# EOF\n", used);
  }
  if (used > 0) yield chunk.subarray(0, used);
}

/**
 * Pick the format from an Accept header: OpenMetrics when the client lists it with a
 * higher (or equal) q than text/plain, as Prometheus does when it prefers OpenMetrics.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return "text";
  let om = -1;
  let text = -1;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().split(";");
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split("=");
      if (k === "q" && v !== undefined) q = Number.parseFloat(v) || 0;
    }
    const t = type.trim().toLowerCase();
    if (t === "application/openmetrics-text") om = Math.max(om, q);
    else if (t === "text/plain" || t === "*/*") text = Math.max(text, q);
  }
  return om > 0 && om >= text ? "openmetrics" : "text";
}
