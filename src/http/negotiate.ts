// Content negotiation for /metrics (RFC 9110 §12.5): which exposition format (Accept) and which
// content coding (Accept-Encoding), both with q-values. Pure functions, unit-tested as a matrix in
// test/unit/negotiation.test.ts.

import type { ExpositionFormat } from "../mapping/exposition.ts";

interface Range {
  /** Lower-cased, parameters excluded. */
  readonly value: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
}

/**
 * The elements of a comma-separated header with their parameters and q (1 when absent). An
 * element whose q is not a number in [0, 1] is left out (RFC 9110's qvalue grammar).
 */
function parseList(header: string): Range[] {
  const ranges: Range[] = [];
  for (const element of header.split(",")) {
    const [value = "", ...rest] = element.split(";");
    const name = value.trim().toLowerCase();
    if (name === "") continue;
    const params = new Map<string, string>();
    let q = 1;
    let valid = true;
    for (const p of rest) {
      const eq = p.indexOf("=");
      if (eq < 0) continue;
      const key = p.slice(0, eq).trim().toLowerCase();
      const val = p
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1");
      if (key === "q") {
        q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(val) ? Number(val) : Number.NaN;
        valid = !Number.isNaN(q);
      } else params.set(key, val.toLowerCase());
    }
    if (valid) ranges.push({ value: name, params, q });
  }
  return ranges;
}

/** What each format answers to: its media type and the `version`s it can stand for. */
const FORMATS: ReadonlyArray<{ format: ExpositionFormat; type: string; versions: readonly string[] }> = [
  // Text 1.0.0 differs from 0.0.4 only by allowing UTF-8 names, which this exporter never emits.
  { format: "text", type: "text/plain", versions: ["0.0.4", "1.0.0"] },
  { format: "openmetrics", type: "application/openmetrics-text", versions: ["0.0.1", "1.0.0"] },
];

/**
 * q and specificity (0 `*\/*`, 1 `type/*`, 2 the type, 3 the type with a matching version) of the
 * most specific range of `ranges` that matches the format; q -1 when none matches.
 */
function match(ranges: readonly Range[], type: string, versions: readonly string[]): [number, number] {
  let best: [number, number] = [-1, -1];
  for (const r of ranges) {
    let specificity: number;
    if (r.value === type) {
      const version = r.params.get("version");
      if (version === undefined) specificity = 2;
      else if (versions.includes(version)) specificity = 3;
      else continue; // a version this exporter does not write
    } else if (r.value === `${type.split("/")[0]}/*`) specificity = 1;
    else if (r.value === "*/*") specificity = 0;
    else continue;
    if (specificity > best[1]) best = [r.q, specificity];
    else if (specificity === best[1]) best = [Math.max(best[0], r.q), specificity];
  }
  return best;
}

/**
 * The exposition format for an Accept header: the one with the higher q (each taken from the most
 * specific range that matches it). On a tie, OpenMetrics when the client named it at least as
 * specifically as text, else text. Text when nothing matches: Accept may be disregarded (RFC 9110
 * §12.5.1), and every Prometheus version reads text.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return "text";
  const ranges = parseList(accept);
  const [textQ, textSpec] = match(ranges, FORMATS[0]!.type, FORMATS[0]!.versions);
  const [omQ, omSpec] = match(ranges, FORMATS[1]!.type, FORMATS[1]!.versions);
  if (omQ <= 0) return "text";
  if (omQ > textQ) return "openmetrics";
  if (omQ === textQ && omSpec >= 2 && omSpec >= textSpec) return "openmetrics";
  return "text";
}

export type ContentCoding = "gzip" | "identity";

/**
 * The content coding for an Accept-Encoding header (RFC 9110 §12.5.3), or undefined when neither
 * gzip nor identity is acceptable (the caller answers 406):
 * - absent or empty: identity;
 * - gzip (or x-gzip) is acceptable with its own q, else with `*`'s, else not at all;
 * - identity is acceptable with its own q, else with `*`'s, else as a last resort (acceptable
 *   unless excluded by `identity;q=0` or `*;q=0`);
 * - the higher q wins; a tie goes to gzip.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentCoding | undefined {
  if (!acceptEncoding?.trim()) return "identity";
  const q = new Map<string, number>();
  for (const r of parseList(acceptEncoding)) {
    const coding = r.value === "x-gzip" ? "gzip" : r.value;
    q.set(coding, Math.max(q.get(coding) ?? 0, r.q));
  }
  const star = q.get("*");
  const gzip = q.get("gzip") ?? star ?? 0;
  // Implicit identity ranks below any coding the client listed with q > 0.
  const identity = q.get("identity") ?? star ?? Number.MIN_VALUE;
  if (gzip <= 0 && identity <= 0) return undefined;
  return gzip > 0 && gzip >= identity ? "gzip" : "identity";
}
