import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseFieldSelector, parseLabelSelector, SelectorError } from "../../src/config/selectors.ts";

describe("label selectors", () => {
  it("parses every operator of the Kubernetes grammar", () => {
    assert.deepEqual(parseLabelSelector(""), []);
    assert.deepEqual(parseLabelSelector("  "), []);
    assert.deepEqual(parseLabelSelector("tier=prod, app.kubernetes.io/name == web,env!=dev"), [
      { key: "tier", operator: "=", values: ["prod"] },
      { key: "app.kubernetes.io/name", operator: "==", values: ["web"] },
      { key: "env", operator: "!=", values: ["dev"] },
    ]);
    assert.deepEqual(parseLabelSelector("env in (prod, staging),tier notin(cache),partition,!canary"), [
      { key: "env", operator: "in", values: ["prod", "staging"] },
      { key: "tier", operator: "notin", values: ["cache"] },
      { key: "partition", operator: "exists", values: [] },
      { key: "canary", operator: "!", values: [] },
    ]);
    assert.deepEqual(parseLabelSelector("Mixed_Case.key-1!=V_1"), [
      { key: "Mixed_Case.key-1", operator: "!=", values: ["V_1"] },
    ]);
    assert.deepEqual(parseLabelSelector("replicas>2,age < -1"), [
      { key: "replicas", operator: ">", values: ["2"] },
      { key: "age", operator: "<", values: ["-1"] },
    ]);
  });

  it("accepts empty values where Kubernetes does", () => {
    assert.deepEqual(parseLabelSelector("a="), [{ key: "a", operator: "=", values: [""] }]);
    assert.deepEqual(parseLabelSelector("a=,b"), [
      { key: "a", operator: "=", values: [""] },
      { key: "b", operator: "exists", values: [] },
    ]);
    assert.deepEqual(parseLabelSelector("a in ()"), [{ key: "a", operator: "in", values: [""] }]);
    assert.deepEqual(parseLabelSelector("a in (x,,y,)"), [
      { key: "a", operator: "in", values: ["x", "", "y"] },
    ]);
    // in / notin are keywords only where a key is expected: as values they are plain words.
    assert.deepEqual(parseLabelSelector("a=in"), [{ key: "a", operator: "=", values: ["in"] }]);
  });

  const invalid: Array<[string, RegExp]> = [
    ["tier=prod,", /expected a requirement after ","/],
    [",tier", /expected a label key at position 0, found ","/],
    ["a,,b", /expected a requirement after ","/],
    ["a b", /expected an operator .* after "a"/],
    ["!a=b", /expected "," or the end at position 2, found "="/],
    ["!", /expected a label key at position 1, found the end/],
    ["a in x", /expected "\(" after "in"/],
    ["a in (x", /expected "," or "\)" in the value list of "a"/],
    ["a in (x y)", /"," or "\)"/],
    ["a notin", /expected "\(" after "notin"/],
    ["a>b", /expected an integer after ">"/],
    ["a>", /expected an integer after ">"/],
    ["a==(b)", /expected a value after "=="/],
    ["in=x", /expected a label key at position 0, found "in"/],
    ["bad$key=x", /invalid label key "bad\$key"/],
    ["-a=b", /invalid label key "-a": the name must be alphanumeric at both ends/],
    ["a_=b", /invalid label key "a_"/],
    [`${"k".repeat(64)}=v`, /the name must be at most 63 characters/],
    ["Example.com/a=b", /the prefix must be a DNS subdomain/],
    ["/a=b", /the prefix before '\/' must not be empty/],
    ["a/=b", /the name must not be empty/],
    ["a/b/c=d", /invalid label key "a\/b\/c"/],
    ["a=b_", /invalid label value "b_"/],
    [`a=${"v".repeat(64)}`, /invalid label value .*at most 63 characters/],
    ["a in (ok, -bad)", /invalid label value "-bad"/],
    ["a=b=c", /expected "," or the end/],
  ];
  for (const [text, message] of invalid) {
    it(`rejects ${JSON.stringify(text.length > 30 ? `${text.slice(0, 27)}...` : text)}`, () => {
      assert.throws(
        () => parseLabelSelector(text),
        (err: Error) => {
          assert.ok(err instanceof SelectorError);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it("accepts the longest valid key and value", () => {
    const key = `${"a".repeat(63)}.example.com/${"n".repeat(63)}`;
    assert.deepEqual(parseLabelSelector(`${key}=${"v".repeat(63)}`), [
      { key, operator: "=", values: ["v".repeat(63)] },
    ]);
  });
});

describe("field selectors", () => {
  it("parses =, == and != terms", () => {
    assert.deepEqual(parseFieldSelector(""), []);
    assert.deepEqual(parseFieldSelector("metadata.name=q,metadata.namespace==default,spec.x!=y"), [
      { key: "metadata.name", operator: "=", value: "q" },
      { key: "metadata.namespace", operator: "==", value: "default" },
      { key: "spec.x", operator: "!=", value: "y" },
    ]);
  });

  it("unescapes \\, \\= and \\\\ in values and allows empty values", () => {
    assert.deepEqual(parseFieldSelector("a=x\\,y\\=z\\\\"), [{ key: "a", operator: "=", value: "x,y=z\\" }]);
    assert.deepEqual(parseFieldSelector("a=,b!="), [
      { key: "a", operator: "=", value: "" },
      { key: "b", operator: "!=", value: "" },
    ]);
    // Empty terms are skipped, as Kubernetes does.
    assert.deepEqual(parseFieldSelector("a=b,"), [{ key: "a", operator: "=", value: "b" }]);
  });

  const invalid: Array<[string, RegExp]> = [
    ["metadata.name", /"metadata.name" is not a term KEY=VALUE/],
    ["a in (b)", /is not a term/],
    ["=b", /the field name is empty/],
    ["metadata.name = q", /contains whitespace/],
    ["a=b=c", /a "=" in a value must be escaped/],
    ["a=x\\y", /invalid escape "\\y"/],
    ["a=x\\", /invalid escape/],
  ];
  for (const [text, message] of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseFieldSelector(text),
        (err: Error) => {
          assert.ok(err instanceof SelectorError);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});
