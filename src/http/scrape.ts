// Turns a store snapshot into the exposition body, in chunks of about CHUNK_CHARS so the
// response streams with backpressure and the event loop is never held for a whole scrape.

import { type ExpositionFormat, renderFamilyHeader } from "../mapping/exposition.ts";
import type { SnapshotFamily } from "../store/store.ts";

const CHUNK_CHARS = 64 * 1024;

/**
 * Yields the body: each family contiguous, HELP/TYPE once, `# EOF` last for OpenMetrics. A chunk
 * is one Array#join of whole stored texts (never a split line): V8 copies them into one flat
 * string, and the socket encodes it into memory outside the JS heap. Both alternatives measured
 * worse (npm run bench; docs/performance.md): `+=` builds a rope that Buffer.from must flatten
 * and encode during the scrape (2-3x the CPU), and encoding into fresh 64 KiB Buffers here
 * makes so much external memory that, at millions of series, V8 runs a full mark-compact every
 * ~300 ms of scraping.
 */
export function* renderScrape(
  families: readonly SnapshotFamily[],
  format: ExpositionFormat,
): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  const add = (text: string): boolean => {
    parts.push(text);
    size += text.length;
    return size >= CHUNK_CHARS;
  };
  const take = (): string => {
    const chunk = parts.join("");
    parts = [];
    size = 0;
    return chunk;
  };
  for (const family of families) {
    if (add(renderFamilyHeader(family.meta, format))) yield take();
    for (const text of family.chunks) if (add(text)) yield take();
  }
  if (format === "openmetrics") add("# EOF\n");
  if (size > 0) yield take();
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
