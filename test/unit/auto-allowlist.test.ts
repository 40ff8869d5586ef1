import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allowedKeys, parseAllowlist } from "../../src/mapping/auto/index.ts";

describe("parseAllowlist (kube-state-metrics syntax)", () => {
  it("reads resource=[keys] lists", () => {
    const a = parseAllowlist("messagequeues=[app,team],*=[app.kubernetes.io/name]");
    assert.deepEqual(
      [...a.entries()],
      [
        ["messagequeues", ["app", "team"]],
        ["*", ["app.kubernetes.io/name"]],
      ],
    );
  });
  it("accepts wildcards, spaces, an empty text and an empty list", () => {
    assert.deepEqual([...parseAllowlist("*=[*]")], [["*", ["*"]]]);
    assert.deepEqual(
      [...parseAllowlist(" pods = [ a , b ] , certificates.cert-manager.io=[x] ")],
      [
        ["pods", ["a", "b"]],
        ["certificates.cert-manager.io", ["x"]],
      ],
    );
    assert.equal(parseAllowlist("").size, 0);
    assert.equal(parseAllowlist("  ").size, 0);
    assert.deepEqual([...parseAllowlist("pods=[]")], [["pods", []]]);
  });
  it("merges repeated resources", () => {
    assert.deepEqual(parseAllowlist("a=[x],a=[y,x]").get("a"), ["x", "y"]);
  });
  it("rejects malformed text naming the flag and the position", () => {
    for (const bad of [
      "pods",
      "pods=",
      "pods=a",
      "pods=[a",
      "=[a]",
      "pods=[a],",
      "pods=[a]x",
      "pods=[a,,b]",
      "pods=[a=b]",
      "a=[[b]]",
    ]) {
      assert.throws(
        () => parseAllowlist(bad, "--metric-labels-allowlist"),
        /^Error: --metric-labels-allowlist: .* at position \d+/,
        bad,
      );
    }
  });
});

describe("allowedKeys", () => {
  const a = parseAllowlist("messagequeues=[team],messagequeues.queue.example.com=[app],*=[owner]");
  it("unions the plural, plural.group and * entries", () => {
    assert.deepEqual(allowedKeys(a, "messagequeues", "queue.example.com"), ["team", "app", "owner"]);
    assert.deepEqual(allowedKeys(a, "certificates", "cert-manager.io"), ["owner"]);
  });
  it("says all for [*] and nothing for no entry", () => {
    assert.equal(allowedKeys(parseAllowlist("x=[a],*=[*]"), "x", "g"), "all");
    assert.equal(allowedKeys(parseAllowlist("x=[a]"), "y", "g"), undefined);
    assert.equal(allowedKeys(parseAllowlist("x=[]"), "x", "g"), undefined);
  });
});
