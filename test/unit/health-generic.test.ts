// The generic health rules (src/mapping/health/generic.ts): each rule on a minimal object, the
// order between them, and properties over generated objects (a negative condition True never
// reads Current, a deletion always reads Terminating, a generation lag never hides a failure,
// reasons never carry the object's own strings).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { assessGeneric, HEALTH_STATES } from "../../src/mapping/health/index.ts";
import type { KubeObject } from "../../src/mapping/types.ts";

const RUNS = Number(process.env.FC_RUNS ?? 300);

function obj(status: unknown, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "x.example.com/v1", kind: "X", metadata: { name: "a", ...metadata }, status };
}
const cond = (type: string, status: string, extra: Record<string, unknown> = {}) => ({
  type,
  status,
  ...extra,
});
const verdictOf = (status: unknown, metadata?: Record<string, unknown>) =>
  assessGeneric(obj(status, metadata));

describe("generic health: one rule at a time", () => {
  const cases: Array<[string, unknown, Record<string, unknown> | undefined, string, string]> = [
    [
      "deletionTimestamp",
      { conditions: [cond("Ready", "True")] },
      { deletionTimestamp: "2026-01-01T00:00:00Z" },
      "Terminating",
      "deletionTimestamp set",
    ],
    ["no status", undefined, undefined, "InProgress", "no status"],
    ["null status", null, undefined, "InProgress", "no status"],
    ["empty status", {}, undefined, "InProgress", "no status"],
    ["status not an object", "broken", undefined, "Unknown", "status not an object"],
    [
      "Stalled=True",
      { conditions: [cond("Stalled", "True")] },
      undefined,
      "Failed",
      "condition Stalled=True",
    ],
    [
      "Degraded=True",
      { conditions: [cond("Ready", "True"), cond("Degraded", "True")] },
      undefined,
      "Failed",
      "condition Degraded=True",
    ],
    [
      "Strimzi NotReady=True",
      { conditions: [cond("NotReady", "True")] },
      undefined,
      "Failed",
      "condition NotReady=True",
    ],
    [
      "KEDA Fallback=True",
      { conditions: [cond("Ready", "True"), cond("Fallback", "True")] },
      undefined,
      "Failed",
      "condition Fallback=True",
    ],
    [
      "ACK.Terminal=True",
      { conditions: [cond("ACK.Terminal", "True")] },
      undefined,
      "Failed",
      "condition ACK.Terminal=True",
    ],
    [
      "…Failure=True",
      { conditions: [cond("ReconcileFailure", "True")] },
      undefined,
      "Failed",
      "condition ReconcileFailure=True",
    ],
    [
      "Gateway listener Conflicted=True",
      { listeners: [{ conditions: [cond("Conflicted", "True")] }] },
      undefined,
      "Failed",
      "condition listeners[].Conflicted=True",
    ],
    [
      "negative condition False is fine",
      { conditions: [cond("Degraded", "False"), cond("Ready", "True")] },
      undefined,
      "Current",
      "condition Ready=True",
    ],
    [
      "prometheus-operator Available=Degraded",
      { conditions: [cond("Available", "Degraded")] },
      undefined,
      "Failed",
      "condition Available=Degraded",
    ],
    [
      "Succeeded=False",
      { conditions: [cond("Succeeded", "False", { reason: "Cancelled" })] },
      undefined,
      "Failed",
      "condition Succeeded=False",
    ],
    [
      "Succeeded=Unknown",
      { conditions: [cond("Succeeded", "Unknown", { reason: "Running" })] },
      undefined,
      "InProgress",
      "condition Succeeded=Unknown",
    ],
    [
      "Ready=False failure reason",
      { conditions: [cond("Ready", "False", { reason: "IssuanceFailed" })] },
      undefined,
      "Failed",
      "condition Ready=False (failure reason)",
    ],
    [
      "Ready=False Invalid…",
      { conditions: [cond("Ready", "False", { reason: "InvalidSpec" })] },
      undefined,
      "Failed",
      "condition Ready=False (failure reason)",
    ],
    [
      "Ready=False …NotFound",
      { conditions: [cond("Ready", "False", { reason: "BackendNotFound" })] },
      undefined,
      "Failed",
      "condition Ready=False (failure reason)",
    ],
    [
      "Ready=False waiting reason",
      { conditions: [cond("Ready", "False", { reason: "DependencyNotReady" })] },
      undefined,
      "InProgress",
      "condition Ready=False",
    ],
    [
      "Ready=False no reason",
      { conditions: [cond("Ready", "False")] },
      undefined,
      "InProgress",
      "condition Ready=False",
    ],
    [
      "Ready=Unknown",
      { conditions: [cond("Ready", "Unknown", { reason: "Failed" })] },
      undefined,
      "InProgress",
      "condition Ready=Unknown",
    ],
    [
      "Crossplane Healthy=False",
      {
        conditions: [
          cond("Installed", "True"),
          cond("Healthy", "False", { reason: "UnhealthyPackageRevision" }),
        ],
      },
      undefined,
      "Failed",
      "condition Healthy=False (failure reason)",
    ],
    [
      "CAPI Available=False",
      { conditions: [cond("Available", "False", { reason: "NotAvailable" })] },
      undefined,
      "InProgress",
      "condition Available=False",
    ],
    [
      "…Ready suffix",
      { conditions: [cond("ConfigurationsReady", "False", { reason: "RevisionFailed" })] },
      undefined,
      "Failed",
      "condition ConfigurationsReady=False (failure reason)",
    ],
    [
      "Progressing=False deadline",
      { conditions: [cond("Progressing", "False", { reason: "ProgressDeadlineExceeded" })] },
      undefined,
      "Failed",
      "condition Progressing=False (failure reason)",
    ],
    [
      "Progressing=True is not a signal",
      { conditions: [cond("Progressing", "True", { reason: "NewReplicaSetAvailable" })] },
      undefined,
      "Current",
      "no failure or progress signal",
    ],
    [
      "boolean condition status",
      { conditions: [{ type: "Ready", status: true }] },
      undefined,
      "Current",
      "condition Ready=True",
    ],
    [
      "Gateway parents[].conditions",
      {
        parents: [
          { conditions: [cond("Accepted", "True")] },
          { conditions: [cond("Accepted", "False", { reason: "NotAllowedByListeners" })] },
        ],
      },
      undefined,
      "Failed",
      "condition parents[].Accepted=False (failure reason)",
    ],
    [
      "Gateway listeners[].conditions pending",
      {
        conditions: [cond("Accepted", "True")],
        listeners: [{ conditions: [cond("Programmed", "Unknown", { reason: "Pending" })] }],
      },
      undefined,
      "InProgress",
      "condition listeners[].Programmed=Unknown",
    ],
    [
      "nested object conditions",
      { upgrade: { conditions: [cond("Degraded", "True")] } },
      undefined,
      "Failed",
      "condition upgrade.Degraded=True",
    ],
    [
      "generation lag",
      { observedGeneration: 2, conditions: [cond("Ready", "True")] },
      { generation: 3 },
      "InProgress",
      "generation not observed",
    ],
    [
      "string observedGeneration lag",
      { observedGeneration: "2", phase: "Healthy" },
      { generation: 3 },
      "InProgress",
      "generation not observed",
    ],
    [
      "string observedGeneration current",
      { observedGeneration: "3", phase: "Healthy" },
      { generation: 3 },
      "Current",
      "phase Healthy",
    ],
    [
      "Flux observedGeneration -1",
      { observedGeneration: -1 },
      { generation: 1 },
      "InProgress",
      "generation not observed",
    ],
    [
      "condition-level generation lag",
      { conditions: [cond("Ready", "True", { observedGeneration: 4 })] },
      { generation: 5 },
      "InProgress",
      "condition Ready generation not observed",
    ],
    [
      "condition-level generation current",
      { conditions: [cond("Ready", "True", { observedGeneration: 5 })] },
      { generation: 5 },
      "Current",
      "condition Ready=True",
    ],
    [
      "Reconciling=True",
      { conditions: [cond("Reconciling", "True"), cond("Ready", "True")] },
      undefined,
      "InProgress",
      "condition Reconciling=True",
    ],
    ["phase Failed", { phase: "Failed" }, undefined, "Failed", "phase Failed"],
    ["phase lower-case error", { phase: "error" }, undefined, "Failed", "phase Error"],
    [
      "phase Degraded",
      { phase: "Degraded", conditions: [cond("Ready", "True")] },
      undefined,
      "Failed",
      "phase Degraded",
    ],
    ["state Inconclusive", { state: "Inconclusive" }, undefined, "Failed", "state Inconclusive"],
    [
      "health.status Degraded",
      { health: { status: "Degraded" } },
      undefined,
      "Failed",
      "health.status Degraded",
    ],
    ["health red", { health: "red" }, undefined, "Failed", "health Red"],
    ["health yellow", { health: "yellow" }, undefined, "InProgress", "health Yellow"],
    ["health green", { health: "green" }, undefined, "Current", "health Green"],
    ["healthy: false", { healthy: false }, undefined, "Failed", "healthy=false"],
    ["ready: false", { ready: false }, undefined, "InProgress", "ready=false"],
    ["phase Pending", { phase: "Pending" }, undefined, "InProgress", "phase Pending"],
    [
      "phase with spaces in-progress word",
      { phase: "In Progress" },
      undefined,
      "InProgress",
      "phase InProgress",
    ],
    [
      "phase Running is no signal",
      { phase: "Running" },
      undefined,
      "Current",
      "no failure or progress signal",
    ],
    [
      "phase prose is no signal",
      { phase: "Cluster in healthy state" },
      undefined,
      "Current",
      "no failure or progress signal",
    ],
    ["phase Succeeded", { phase: "Succeeded" }, undefined, "Current", "phase Succeeded"],
    ["status with only counters", { replicas: 3 }, undefined, "Current", "no failure or progress signal"],
  ];
  for (const [name, status, metadata, state, reason] of cases) {
    it(name, () => {
      const v = verdictOf(status, metadata);
      assert.deepEqual({ state: v.state, reason: v.reason }, { state, reason });
      assert.equal(v.ruleError, undefined);
    });
  }
});

describe("generic health: order", () => {
  it("Stalled=True is not hidden by a generation lag (a Stalled Flux Kustomization after a spec change)", () => {
    const v = verdictOf(
      {
        observedGeneration: 1,
        conditions: [cond("Ready", "False", { reason: "Progressing" }), cond("Stalled", "True")],
      },
      { generation: 2 },
    );
    assert.equal(v.state, "Failed");
    assert.equal(v.reason, "condition Stalled=True");
  });
  it("a failure-reason Ready=False wins over Reconciling=True (Flux retrying a failed build)", () => {
    const v = verdictOf({
      conditions: [
        cond("Reconciling", "True", { reason: "ProgressingWithRetry" }),
        cond("Ready", "False", { reason: "BuildFailed" }),
      ],
    });
    assert.equal(v.state, "Failed");
  });
  it("Stalled comes before other negative conditions, whatever the list order", () => {
    const v = verdictOf({ conditions: [cond("Degraded", "True"), cond("Stalled", "True")] });
    assert.equal(v.reason, "condition Stalled=True");
  });
  it("deletion wins over everything", () => {
    const v = verdictOf(
      { conditions: [cond("Stalled", "True")] },
      { deletionTimestamp: "2026-01-01T00:00:00Z" },
    );
    assert.equal(v.state, "Terminating");
  });
  it("an empty deletionTimestamp is not a deletion", () => {
    assert.equal(verdictOf({ phase: "Failed" }, { deletionTimestamp: "" }).state, "Failed");
  });
  it("a generation lag wins over Ready=True (the Ready is about an older spec)", () => {
    assert.equal(
      verdictOf({ observedGeneration: 4, conditions: [cond("Ready", "True")] }, { generation: 5 }).state,
      "InProgress",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const NEGATIVE = [
  "Stalled",
  "Degraded",
  "Failed",
  "Error",
  "NotReady",
  "Terminal",
  "ACK.Terminal",
  "Fallback",
  "ReconcileFailure",
  "ScalerError",
];
const typeArb = fc.oneof(
  fc.constantFrom(
    "Ready",
    "Available",
    "Healthy",
    "Reconciling",
    "Progressing",
    "Succeeded",
    "Accepted",
    "Warning",
    ...NEGATIVE,
  ),
  fc.string({ maxLength: 12 }),
);
const statusValueArb = fc.oneof(
  fc.constantFrom("True", "False", "Unknown", "Degraded", "true"),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
);
const reasonArb = fc.oneof(
  fc.constantFrom("Failed", "BuildFailed", "Progressing", "InvalidSpec", "DependencyNotReady", "Succeeded"),
  fc.string({ maxLength: 20 }),
);
const generationArb = fc.oneof(fc.nat({ max: 20 }), fc.nat({ max: 20 }).map(String), fc.constant(-1));
const conditionArb = fc.record(
  {
    type: typeArb,
    status: statusValueArb,
    reason: reasonArb,
    message: fc.string(),
    observedGeneration: generationArb,
  },
  { requiredKeys: ["type", "status"] },
);
const wordArb = fc.oneof(
  fc.constantFrom(
    "Failed",
    "Degraded",
    "Running",
    "Pending",
    "Healthy",
    "red",
    "yellow",
    "green",
    "Cluster in healthy state",
  ),
  fc.string({ maxLength: 10 }),
);
const statusArb = fc.oneof(
  fc.record(
    {
      observedGeneration: generationArb,
      conditions: fc.array(conditionArb, { maxLength: 6 }),
      parents: fc.array(fc.record({ conditions: fc.array(conditionArb, { maxLength: 3 }) }), {
        maxLength: 2,
      }),
      phase: wordArb,
      state: wordArb,
      health: fc.oneof(wordArb, fc.record({ status: wordArb })),
      healthy: fc.boolean(),
      ready: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  fc.constantFrom(undefined, null, "x", 3, [] as unknown[]),
  fc.jsonValue(),
);
const objectArb = fc.record({
  metadata: fc.record({
    name: fc.constant("a"),
    generation: fc.oneof(fc.nat({ max: 20 }), fc.constant(undefined)),
  }),
  status: statusArb,
});

describe("generic health: properties", () => {
  it("never throws; the state is one of HEALTH_STATES; the reason is short and never the object's own reason/message", () => {
    fc.assert(
      fc.property(objectArb, (o) => {
        const v = assessGeneric(o as KubeObject);
        assert.ok((HEALTH_STATES as readonly string[]).includes(v.state));
        assert.ok(v.reason.length > 0 && v.reason.length <= 120, v.reason);
        // Fixed vocabulary around at most one condition type: nothing of message / reason.
        assert.match(
          v.reason,
          /^(condition |phase |state |status |health|healthy|ready|generation|no |deletion)/,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("a negative-polarity condition True never reads Current (it reads Failed unless deleted)", () => {
    fc.assert(
      fc.property(objectArb, fc.constantFrom(...NEGATIVE), fc.nat({ max: 6 }), (o, type, at) => {
        const status =
          typeof o.status === "object" && o.status !== null && !Array.isArray(o.status)
            ? { ...(o.status as object) }
            : {};
        const conditions = Array.isArray((status as { conditions?: unknown }).conditions)
          ? [...(status as { conditions: unknown[] }).conditions]
          : [];
        conditions.splice(Math.min(at, conditions.length), 0, { type, status: "True" });
        const v = assessGeneric({ ...o, status: { ...status, conditions } } as KubeObject);
        assert.notEqual(v.state, "Current");
        assert.equal(v.state, "Failed");
      }),
      { numRuns: RUNS },
    );
  });

  it("a deletionTimestamp always reads Terminating", () => {
    fc.assert(
      fc.property(objectArb, (o) => {
        const v = assessGeneric({
          ...o,
          metadata: { ...o.metadata, deletionTimestamp: "2026-11-26T00:00:00Z" },
        } as KubeObject);
        assert.equal(v.state, "Terminating");
      }),
      { numRuns: RUNS },
    );
  });

  it("adding a generation lag never turns Failed into anything else, and turns Current into InProgress", () => {
    fc.assert(
      fc.property(objectArb, fc.integer({ min: 1, max: 5 }), (o, lag) => {
        const before = assessGeneric(o as KubeObject);
        if (typeof o.status !== "object" || o.status === null || Array.isArray(o.status)) return;
        const status = { ...(o.status as Record<string, unknown>), observedGeneration: 10 };
        const lagged = assessGeneric({
          ...o,
          metadata: { ...o.metadata, generation: 10 + lag },
          status,
        } as KubeObject);
        const inStep = assessGeneric({
          ...o,
          metadata: { ...o.metadata, generation: 10 },
          status,
        } as KubeObject);
        if (before.state === "Failed") assert.equal(lagged.state, "Failed");
        if (inStep.state === "Failed") assert.equal(lagged.state, "Failed");
        if (inStep.state === "Current") assert.equal(lagged.state, "InProgress");
      }),
      { numRuns: RUNS },
    );
  });
});
