// The /metrics negotiation matrix (RFC 9110 §12.5): Accept → exposition format, Accept-Encoding →
// content coding, q-values included.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { negotiateEncoding, negotiateFormat } from "../../src/http/negotiate.ts";

describe("Accept-Encoding", () => {
  const matrix: Array<[string | undefined, "gzip" | "identity" | undefined]> = [
    [undefined, "identity"],
    ["", "identity"],
    ["  ", "identity"],
    ["gzip", "gzip"],
    ["GZIP", "gzip"],
    ["x-gzip", "gzip"],
    ["gzip, deflate, br", "gzip"],
    ["deflate, br", "identity"], // nothing we have is listed: identity, acceptable by default
    ["gzip;q=0", "identity"],
    ["gzip; q=0.000", "identity"],
    ["gzip;q=0.001", "gzip"], // any q > 0 beats an unlisted identity
    ["gzip;q=0.5, identity;q=1", "identity"],
    ["gzip;q=1, identity;q=0.5", "gzip"],
    ["gzip, identity", "gzip"], // a tie goes to gzip
    ["identity", "identity"],
    ["identity;q=0", undefined], // gzip not listed and no *: nothing acceptable → 406
    ["identity;q=0, gzip", "gzip"],
    ["identity;q=0, gzip;q=0", undefined],
    ["*", "gzip"],
    ["*;q=0", undefined],
    ["*;q=0, identity", "identity"],
    ["*;q=0, gzip;q=0.2", "gzip"],
    ["*;q=0.5, gzip;q=0", "identity"], // gzip excluded by name, identity through *
    ["br, *;q=0.1", "gzip"],
    ["gzip;q=2", "identity"], // not a qvalue: that element is ignored
    ["gzip;q=abc, identity;q=0", undefined],
    ["gzip;q=0, gzip;q=1", "gzip"], // the better of duplicates
    [" gzip ; q=0.8 , identity ; q=0.9 ", "identity"],
  ];
  for (const [header, want] of matrix) {
    it(`${JSON.stringify(header)} → ${want ?? "406"}`, () => {
      assert.equal(negotiateEncoding(header), want);
    });
  }
});

describe("Accept", () => {
  const PROMETHEUS_3 =
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
  const matrix: Array<[string | undefined, "text" | "openmetrics"]> = [
    [undefined, "text"],
    ["", "text"],
    ["*/*", "text"],
    ["text/plain", "text"],
    ["text/plain;version=0.0.4", "text"],
    ["application/openmetrics-text", "openmetrics"],
    ["application/openmetrics-text; version=1.0.0", "openmetrics"],
    ['application/openmetrics-text; version="0.0.1"', "openmetrics"],
    ["application/openmetrics-text;version=2.0.0", "text"], // a version this exporter does not write
    [
      "application/openmetrics-text;version=2.0.0, application/openmetrics-text;version=1.0.0;q=0.5",
      "openmetrics",
    ],
    [PROMETHEUS_3, "openmetrics"],
    ["text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5", "text"],
    ["application/openmetrics-text;q=0", "text"],
    ["application/openmetrics-text;q=0, */*", "text"],
    ["application/openmetrics-text;q=0.9, text/plain;q=0.8", "openmetrics"],
    ["application/openmetrics-text;q=0.8, text/plain;q=0.9", "text"],
    ["application/openmetrics-text, text/plain", "openmetrics"], // named, tie: OpenMetrics
    ["application/*", "openmetrics"],
    ["application/*, text/plain", "text"], // tie, text named more specifically
    ["application/*;q=0.9, */*;q=0.1", "openmetrics"],
    ["text/*;q=0.2, application/openmetrics-text;q=0.1", "text"],
    ["text/plain;q=0, application/openmetrics-text;q=0.1", "openmetrics"],
    // the most specific range decides: */* does not lift a refused OpenMetrics
    ["*/*;q=1, application/openmetrics-text;q=0", "text"],
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text"], // a browser
    ["application/json", "text"], // nothing matches: Accept is disregarded, text
    ["application/openmetrics-text;q=bad", "text"], // not a qvalue: ignored
    ["APPLICATION/OpenMetrics-Text", "openmetrics"],
  ];
  for (const [header, want] of matrix) {
    it(`${JSON.stringify(header)} → ${want}`, () => {
      assert.equal(negotiateFormat(header), want);
    });
  }
});
