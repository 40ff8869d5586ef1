// Per-kind health rules (src/mapping/health/index.ts): the user's `healthRules` config value —
// compiled once, validated with errors that name the field and the expression, replacing the
// built-in rules per kind, falling back to the generic rules (with ruleError) when a rule fails
// on one object — and the built-in rule set compiling and never erroring on generated objects.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { BUILTIN_HEALTH_RULES } from "../../src/mapping/health/builtin-rules.ts";
import { compileHealthRules, HealthRuleError } from "../../src/mapping/health/index.ts";
import type { KubeObject } from "../../src/mapping/types.ts";

const RUNS = Number(process.env.FC_RUNS ?? 200);
const APP = { group: "argoproj.io", kind: "Application", plural: "applications" };
const DB = { group: "db.example.com", kind: "Database", plural: "databases" };

function o(status: unknown, metadata: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "db.example.com/v1",
    kind: "Database",
    metadata: { name: "orders", generation: 1, ...metadata },
    status,
  };
}

describe("healthRules: evaluation", () => {
  const set = compileHealthRules({
    "databases.db.example.com": {
      failed: [{ when: "self.status.?phase.orValue('') == 'Broken'", reason: "phase Broken" }],
      inProgress: [
        { when: "self.status.?replicasReady.orValue(0) < self.spec.replicas", reason: "replicas not ready" },
      ],
      current: [{ when: "self.status.?phase.orValue('') == 'Serving'", reason: "serving" }],
    },
  });
  const db = set.forKind(DB);

  it("failed rules first, then inProgress, then current; the reason names the kind key and the rule", () => {
    const spec = { replicas: 2 };
    assert.deepEqual(db.assess({ ...o({ phase: "Broken", replicasReady: 0 }), spec }), {
      state: "Failed",
      reason: "rule databases.db.example.com: phase Broken",
    });
    assert.deepEqual(db.assess({ ...o({ phase: "Serving", replicasReady: 1 }), spec }), {
      state: "InProgress",
      reason: "rule databases.db.example.com: replicas not ready",
    });
    assert.deepEqual(db.assess({ ...o({ phase: "Serving", replicasReady: 2 }), spec }), {
      state: "Current",
      reason: "rule databases.db.example.com: serving",
    });
  });

  it("no rule matches: the generic rules decide", () => {
    const v = db.assess({ ...o({ phase: "Failed", replicasReady: 2 }), spec: { replicas: 2 } });
    assert.deepEqual(v, { state: "Failed", reason: "phase Failed" });
  });

  it("a rule failing at runtime on one object: generic verdict plus ruleError naming kind and rule", () => {
    // No spec: self.spec.replicas is a missing key.
    const v = db.assess(o({ phase: "Pending", replicasReady: 0 }));
    assert.equal(v.state, "InProgress");
    assert.equal(v.reason, "phase Pending");
    assert.match(v.ruleError ?? "", /^databases\.db\.example\.com inProgress\[0\]: .*spec/i);
    // The next object is evaluated normally.
    assert.equal(db.assess({ ...o({ phase: "Broken" }), spec: {} }).state, "Failed");
  });

  it("a non-boolean result at runtime is a rule error, not a match", () => {
    const s = compileHealthRules({
      "Database.db.example.com": { failed: [{ when: "self.status.phase", reason: "x" }] },
    });
    const v = s.forKind(DB).assess(o({ phase: "Serving" }));
    assert.equal(v.state, "Current");
    assert.match(v.ruleError ?? "", /not a bool/);
  });

  it("deletion and a missing status are decided before any rule", () => {
    assert.equal(
      db.assess({ ...o({ phase: "Broken" }, { deletionTimestamp: "2026-11-26T00:00:00Z" }) }).state,
      "Terminating",
    );
    assert.deepEqual(db.assess(o(undefined)), { state: "InProgress", reason: "no status" });
  });

  it("the key may be Kind.group as well as plural.group", () => {
    const s = compileHealthRules({
      "Database.db.example.com": { current: [{ when: "true", reason: "always" }] },
    });
    assert.equal(s.forKind(DB).assess(o({ phase: "Failed" })).reason, "rule Database.db.example.com: always");
  });

  it("user rules replace the built-in rules of the kind; an empty entry leaves only the generic rules", () => {
    const degraded = o({ health: { status: "Degraded" }, sync: { status: "Synced" } });
    const builtin = compileHealthRules(undefined).forKind(APP).assess(degraded);
    assert.equal(builtin.reason, "rule Application.argoproj.io: health Degraded");
    const user = compileHealthRules({
      "applications.argoproj.io": {
        current: [{ when: "self.status.sync.status == 'Synced'", reason: "synced" }],
      },
    });
    assert.deepEqual(user.forKind(APP).assess(degraded), {
      state: "Current",
      reason: "rule applications.argoproj.io: synced",
    });
    const none = compileHealthRules({ "Application.argoproj.io": null });
    assert.deepEqual(none.forKind(APP).assess(degraded), {
      state: "Failed",
      reason: "health.status Degraded",
    });
  });

  it("a kind whose schema declares no status: a missing status reads Current, a present one as usual", () => {
    const s = compileHealthRules(undefined);
    const statusless = s.forKind({ ...DB, statusDeclared: false });
    assert.deepEqual(statusless.assess(o(undefined)), { state: "Current", reason: "no status in schema" });
    assert.deepEqual(statusless.assess(o({ phase: "Failed" })), { state: "Failed", reason: "phase Failed" });
    assert.equal(
      statusless.assess(o(undefined, { deletionTimestamp: "2026-11-26T00:00:00Z" })).state,
      "Terminating",
    );
    // The same kind asked for without the hint keeps the default.
    assert.deepEqual(s.forKind(DB).assess(o(undefined)), { state: "InProgress", reason: "no status" });
    assert.deepEqual(s.forKind({ ...DB, statusDeclared: true }).assess(o(undefined)), {
      state: "InProgress",
      reason: "no status",
    });
  });

  it("kinds without rules get the generic rules", () => {
    assert.deepEqual(
      compileHealthRules({})
        .forKind(DB)
        .assess(o({ phase: "Failed" })),
      { state: "Failed", reason: "phase Failed" },
    );
  });
});

describe("healthRules: validation names the field and the expression", () => {
  const refused = (value: unknown, pattern: RegExp) => {
    assert.throws(
      () => compileHealthRules(value),
      (err: unknown) => {
        assert.ok(err instanceof HealthRuleError, String(err));
        assert.match((err as Error).message, pattern);
        return true;
      },
    );
  };
  it("a syntax error", () =>
    refused(
      { "Database.db.example.com": { failed: [{ when: "self.status.phase ==", reason: "x" }] } },
      /^healthRules\["Database\.db\.example\.com"\]\.failed\[0\]\.when: does not compile: .*\(expression: self\.status\.phase ==\)$/,
    ));
  it("an unknown function", () =>
    refused(
      {
        "Database.db.example.com": {
          current: [
            { when: "true", reason: "ok" },
            { when: "isGood(self)", reason: "x" },
          ],
        },
      },
      /healthRules\["Database\.db\.example\.com"\]\.current\[1\]\.when: does not compile: .*isGood.*\(expression: isGood\(self\)\)/,
    ));
  it("an expression that is not a bool", () =>
    refused(
      { "Database.db.example.com": { inProgress: [{ when: "'yes'", reason: "x" }] } },
      /\.inProgress\[0\]\.when: must be a bool expression, is string \(expression: 'yes'\)/,
    ));
  it("a type error between literals", () =>
    refused(
      { "Database.db.example.com": { failed: [{ when: "1 + 'a' == 2", reason: "x" }] } },
      /failed\[0\]\.when: does not compile/,
    ));
  it("not a mapping", () => refused(["x"], /^healthRules: must be a mapping/));
  it("a bad kind key", () =>
    refused(
      { databases: {} },
      /^healthRules\["databases"\]: the key must be "plural\.group" or "Kind\.group"/,
    ));
  it("an unknown list", () =>
    refused(
      { "Database.db.example.com": { degraded: [] } },
      /^healthRules\["Database\.db\.example\.com"\]\.degraded: unknown field/,
    ));
  it("a list that is not a list", () =>
    refused({ "Database.db.example.com": { failed: { when: "true" } } }, /\.failed: must be a list/));
  it("a rule with an unknown field", () =>
    refused(
      { "Database.db.example.com": { failed: [{ when: "true", reason: "x", severity: "high" }] } },
      /\.failed\[0\]\.severity: unknown field/,
    ));
  it("a missing expression", () =>
    refused(
      { "Database.db.example.com": { failed: [{ reason: "x" }] } },
      /\.failed\[0\]\.when: must be a CEL expression/,
    ));
  it("a missing reason", () =>
    refused(
      { "Database.db.example.com": { failed: [{ when: "true" }] } },
      /\.failed\[0\]\.reason: must be a short label/,
    ));
  it("a reason that is prose", () =>
    refused(
      {
        "Database.db.example.com": {
          failed: [{ when: "true", reason: "the database is down; page someone!\nnow" }],
        },
      },
      /\.failed\[0\]\.reason: must be a short label/,
    ));
  it("null or undefined: no user rules", () => {
    assert.ok(compileHealthRules(undefined));
    assert.ok(compileHealthRules(null));
  });
});

describe("built-in rules", () => {
  it("cover at least 15 kinds and all compile", () => {
    assert.ok(Object.keys(BUILTIN_HEALTH_RULES).length >= 15);
    // A kind's built-in rules compile on its first forKind(); a broken one would throw here.
    const set = compileHealthRules(undefined);
    for (const key of Object.keys(BUILTIN_HEALTH_RULES)) {
      const dot = key.indexOf(".");
      const health = set.forKind({ kind: key.slice(0, dot), group: key.slice(dot + 1), plural: "unused" });
      assert.ok(health.assess, key);
    }
  });

  it("never error at runtime, whatever the status looks like", () => {
    const set = compileHealthRules(undefined);
    const kinds = Object.keys(BUILTIN_HEALTH_RULES).map((key) => {
      const dot = key.indexOf(".");
      const kind = key.slice(0, dot);
      return set.forKind({ kind, group: key.slice(dot + 1), plural: `${kind.toLowerCase()}s` });
    });
    const word = fc.oneof(
      fc.constantFrom("True", "False", "Unknown", "Degraded", "Failed", "Healthy", "green", "Completed"),
      fc.string({ maxLength: 6 }),
    );
    const condition = fc.record(
      {
        type: fc.constantFrom(
          "Ready",
          "Stalled",
          "Available",
          "Healthy",
          "Installed",
          "Issuing",
          "Succeeded",
          "NotReady",
          "Fallback",
          "Accepted",
          "Programmed",
          "Reconciled",
          "Reconciling",
        ),
        status: word,
        reason: word,
        observedGeneration: fc.nat(5),
      },
      { requiredKeys: [] },
    );
    const status = fc.record(
      {
        observedGeneration: fc.oneof(fc.nat(5), fc.constantFrom("3", "abc")),
        conditions: fc.array(condition, { maxLength: 4 }),
        phase: word,
        health: fc.oneof(word, fc.record({ status: word })),
        abort: fc.boolean(),
        failedIssuanceAttempts: fc.nat(3),
        readyReplicas: fc.nat(3),
        parents: fc.array(
          fc.record({ conditions: fc.array(condition, { maxLength: 2 }) }, { requiredKeys: [] }),
          { maxLength: 2 },
        ),
        listeners: fc.array(
          fc.record({ conditions: fc.array(condition, { maxLength: 2 }) }, { requiredKeys: [] }),
          { maxLength: 2 },
        ),
        operationState: fc.record({ phase: word }, { requiredKeys: [] }),
        validationMessages: fc.array(fc.record({ level: word }, { requiredKeys: [] }), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        status,
        fc.nat(5),
        fc.option(fc.record({ replicas: fc.nat(3), suspend: fc.boolean() }), { nil: undefined }),
        (s, generation, spec) => {
          const obj: KubeObject = {
            apiVersion: "x/v1",
            kind: "X",
            metadata: { name: "a", generation },
            spec,
            status: s,
          };
          for (const k of kinds) {
            const v = k.assess(obj);
            assert.equal(v.ruleError, undefined, `${v.ruleError} on ${JSON.stringify(s)}`);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
