// Turns a store snapshot into the exposition body, in chunks of about CHUNK_BYTES so the
// response streams with backpressure and the event loop is never held for a whole scrape.

import { type ExpositionFormat, renderFamilyHeader } from "../mapping/exposition.ts";
import type { SnapshotFamily } from "../store/store.ts";

const CHUNK_CHARS = 64 * 1024;

/** Yields the body: each family contiguous, HELP/TYPE once, `# EOF` last for OpenMetrics. */
export function* renderScrape(
  families: readonly SnapshotFamily[],
  format: ExpositionFormat,
): Generator<string> {
  let buffer = "";
  for (const family of families) {
    buffer += renderFamilyHeader(family.meta, format);
    for (const chunk of family.chunks) {
      buffer += chunk;
      if (buffer.length >= CHUNK_CHARS) {
        yield buffer;
        buffer = "";
      }
    }
  }
  if (format === "openmetrics") buffer += "# EOF\n";
  if (buffer !== "") yield buffer;
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
