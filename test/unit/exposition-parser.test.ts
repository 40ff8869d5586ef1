// The test parser is itself tested: a validity check that accepts anything proves nothing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseExposition, sampleValue } from "../helpers/exposition.ts";

describe("test exposition parser", () => {
  it("parses labels with escapes and special values", () => {
    const p = parseExposition('# HELP a h\n# TYPE a gauge\na{x="q\\"\\\\\\n",y=""} +Inf\na{x="2"} -1.5e3\n');
    assert.equal(sampleValue(p, "a", { x: 'q"\\\n' }), Number.POSITIVE_INFINITY);
    assert.equal(sampleValue(p, "a", { x: "2" }), -1500);
  });
  for (const [why, body] of [
    ["a duplicate series", "a 1\na 2\n"],
    ["a duplicate series with labels in another order", 'a{x="1",y="2"} 1\na{y="2",x="1"} 1\n'],
    ["a split family", "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n"],
    ["a bad escape", 'a{x="\\t"} 1\n'],
    ["an unterminated value", 'a{x="1} 1\n'],
    ["a bad metric name", "1a 1\n"],
    ["a bad value", "a one\n"],
    ["an info type in text format", "# TYPE a info\na 1\n"],
    ["a missing final newline", "a 1"],
    ["a raw newline in a label value", 'a{x="1\n"} 1\n'],
  ] as const) {
    it(`rejects ${why}`, () => assert.throws(() => parseExposition(body)));
  }
  it("accepts label names that are Object.prototype members", () => {
    assert.equal(
      sampleValue(parseExposition('a{constructor="x",toString="y"} 1\n'), "a", { constructor: "x" }),
      1,
    );
  });
  it("ignores empty lines in text format only", () => {
    assert.equal(parseExposition("a 1\n\nb 2\n").samples.length, 2);
    assert.throws(() => parseExposition("a 1\n\nb 2\n# EOF\n", "openmetrics"), /empty line/);
  });
  it("requires # EOF for OpenMetrics", () => {
    assert.throws(() => parseExposition("a 1\n", "openmetrics"));
    assert.equal(parseExposition("# TYPE a info\na_info 1\n# EOF\n", "openmetrics").samples.length, 1);
  });
});
