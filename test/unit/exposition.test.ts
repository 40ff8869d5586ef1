import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  escapeLabelValue,
  formatValue,
  labelPair,
  renderFamilyHeader,
  sanitizeLabelName,
  sanitizeMetricName,
  toSnakeCase,
} from "../../src/mapping/exposition.ts";
import { SampleLines } from "../../src/mapping/samples.ts";

describe("exposition helpers", () => {
  it("escapes backslash, quote and newline so a value cannot end its line", () => {
    assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
    assert.equal(escapeLabelValue("plain"), "plain");
    const lines = new SampleLines("m");
    lines.add(labelPair("v", '"} 1\nevil 2'), 1);
    assert.equal(lines.text.split("\n").length, 2, "exactly one line plus the trailing empty split");
    assert.equal(lines.text, 'm{v="\\"} 1\\nevil 2"} 1\n');
  });

  it("repairs lone surrogates in label values, so two values cannot meet on the wire", () => {
    assert.equal(labelPair("v", "a\ud800"), 'v="a\ufffd"');
  });

  it("writes each series of a family once, with the object prefix first", () => {
    const lines = new SampleLines("m", 'kind="K",name="n"');
    assert.equal(lines.add('type="A"', 1), true);
    assert.equal(lines.add("", 2), true);
    assert.equal(lines.add('type="A"', 3), false, "the same labels twice are refused");
    assert.equal(lines.add('type="B"', 4), true);
    assert.equal(lines.series, 3);
    assert.equal(
      lines.text,
      'm{kind="K",name="n",type="A"} 1\nm{kind="K",name="n"} 2\nm{kind="K",name="n",type="B"} 4\n',
    );
  });

  it("snake-cases the way Prometheus names read", () => {
    assert.equal(toSnakeCase("readyReplicas"), "ready_replicas");
    assert.equal(toSnakeCase("HTTPSPort"), "https_port");
    assert.equal(toSnakeCase("URL"), "url");
    assert.equal(toSnakeCase("replicaStatus"), "replica_status");
    assert.equal(toSnakeCase("tls.crt"), "tls_crt");
    assert.equal(toSnakeCase("observedGeneration"), "observed_generation");
  });

  it("sanitizes names into the grammar", () => {
    assert.equal(sanitizeMetricName("cr_status_a-b"), "cr_status_a_b");
    assert.equal(sanitizeMetricName("9lives"), "_9lives");
    assert.equal(sanitizeLabelName("app.kubernetes.io/name"), "app_kubernetes_io_name");
    assert.equal(sanitizeLabelName("__name__"), "x__name__");
    assert.equal(sanitizeLabelName(""), "_");
  });

  it("formats special values by name", () => {
    assert.equal(formatValue(Number.NaN), "NaN");
    assert.equal(formatValue(Number.POSITIVE_INFINITY), "+Inf");
    assert.equal(formatValue(Number.NEGATIVE_INFINITY), "-Inf");
    assert.equal(formatValue(0.25), "0.25");
    assert.equal(formatValue(1700000000), "1700000000");
  });

  it("writes info/stateset as gauge in text and strips _total from OpenMetrics counter headers", () => {
    assert.equal(
      renderFamilyHeader({ name: "x_info", type: "info", help: "h" }, "text"),
      "# HELP x_info h\n# TYPE x_info gauge\n",
    );
    assert.equal(
      renderFamilyHeader({ name: "x_total", type: "counter", help: "a\nb" }, "openmetrics"),
      "# HELP x a\\nb\n# TYPE x counter\n",
    );
    assert.equal(
      renderFamilyHeader({ name: "x_total", type: "counter", help: "h" }, "text"),
      "# HELP x_total h\n# TYPE x_total counter\n",
    );
  });
});
