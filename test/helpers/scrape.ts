// Scraping an exporter under test, the way Prometheus does, into parsed samples.

import { gunzipSync } from "node:zlib";
import { type ParsedExposition, parseExposition } from "./exposition.ts";

export interface ScrapeResult {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly parsed: ParsedExposition;
}

export async function scrape(
  port: number,
  options: { openmetrics?: boolean; gzip?: boolean; path?: string } = {},
): Promise<ScrapeResult> {
  const headers: Record<string, string> = {
    accept: options.openmetrics
      ? "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5"
      : "text/plain;version=0.0.4",
    "accept-encoding": options.gzip ? "gzip" : "identity",
  };
  const response = await fetch(`http://127.0.0.1:${port}${options.path ?? "/metrics"}`, { headers });
  const raw = Buffer.from(await response.arrayBuffer());
  // fetch() would transparently decompress; undo nothing, but check the encoding we asked for.
  const encoding = response.headers.get("content-encoding");
  const body =
    encoding === "gzip" && raw[0] === 0x1f && raw[1] === 0x8b
      ? gunzipSync(raw).toString("utf8")
      : raw.toString("utf8");
  const contentType = response.headers.get("content-type") ?? "";
  return {
    status: response.status,
    contentType,
    body,
    parsed: parseExposition(body, options.openmetrics ? "openmetrics" : "text"),
  };
}
