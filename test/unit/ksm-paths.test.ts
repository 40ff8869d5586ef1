// kube-state-metrics' path syntax (docs/metrics/extend/customresourcestate-metrics.md, "Path
// Syntax"), on the documentation's own Foo object.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePath, PathSyntaxError } from "../../src/mapping/ksm/path.ts";
import { docFoo } from "./ksm-helpers.ts";

/** The documentation's Foo, plus a list of conditions to filter by `[type=...]`. */
const doc = docFoo();
const foo = {
  ...doc,
  status: {
    ...(doc.status as object),
    ready: [
      { type: "Ready", status: "True" },
      { type: "Synced", status: "False" },
    ],
  },
};

const get = (...parts: string[]) => compilePath(parts).get(foo);

describe("ksm paths", () => {
  it("looks up map keys and list indexes, as in ksm's examples", () => {
    assert.equal(get("spec", "replicas"), 1);
    assert.equal(get("spec", "order", "0", "value"), true);
    assert.equal(get("status", "active", "type-b"), 3);
  });

  it("counts negative indexes from the end; out of range does not resolve", () => {
    assert.equal(get("spec", "order", "-1", "id"), 3);
    assert.equal(get("spec", "refs", "-3"), "my_other_foo");
    assert.equal(get("spec", "refs", "-4"), undefined);
    assert.equal(get("spec", "refs", "3"), undefined);
    assert.equal(get("spec", "refs", "first"), undefined);
  });

  it("finds a list element by [key=value]", () => {
    assert.equal(get("status", "conditions", "[name=a]", "value"), 45);
    assert.deepEqual(get("status", "ready", "[type=Synced]"), { type: "Synced", status: "False" });
    assert.equal(get("status", "ready", "[type=Missing]"), undefined);
  });

  it("compares [key=value] as a number or boolean when the value reads as one", () => {
    assert.equal(get("status", "conditions", "[value=66]", "name"), "b");
    assert.equal(get("spec", "order", "[value=false]", "id"), 3);
    // "true" reads as 1, and so does the string "True": ksm matches them.
    assert.equal(get("status", "ready", "[status=true]", "type"), "Ready");
  });

  it("reads key=value on a map as 'the value of key, if it is value'", () => {
    assert.equal(get("metadata", "annotations", "bar=baz"), "baz");
    assert.equal(get("metadata", "annotations", "bar=other"), undefined);
  });

  it("does not resolve through scalars, nulls or inherited properties", () => {
    assert.equal(get("spec", "replicas", "x"), undefined);
    assert.equal(compilePath(["a", "b"]).get({ a: null }), undefined);
    assert.equal(get("metadata", "constructor"), undefined);
    assert.equal(get("status", "ready", "[type=Ready]", "toString"), undefined);
  });

  it("an empty path is the value itself", () => {
    assert.equal(compilePath([]).get("x"), "x");
    assert.equal(compilePath([]).isEmpty, true);
  });

  it("rejects a [lookup] without '='", () => {
    assert.throws(() => compilePath(["status", "conditions", "[Ready]"]), PathSyntaxError);
    assert.throws(() => compilePath(["[]"]), /invalid list lookup: \[\]/);
  });

  it("prints itself as ksm does in its messages", () => {
    assert.equal(
      compilePath(["status", "conditions", "[type=Ready]", "status"]).toString(),
      "[status,conditions,[type=Ready],status]",
    );
    assert.equal(compilePath([]).toString(), "[]");
  });
});
