// Health verdicts over the real-operator corpus (test/fixtures/operators/): every object carries
// the verdict its status means (`cr-exporter.test/expected-health`), written next to it from the
// operator's status types; assess() must give exactly that, with no rule erroring. Objects of the
// terminating case get a metadata.deletionTimestamp here (the corpus leaves it to the tests that
// need it, as the API server would refuse to create an object already being deleted).

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { compileHealthRules, HEALTH_STATES } from "../../src/mapping/health/index.ts";
import type { KubeObject } from "../../src/mapping/types.ts";

const CORPUS = new URL("../fixtures/operators/", import.meta.url).pathname;
const EXPECTED = "cr-exporter.test/expected-health";

interface KindRef {
  group: string;
  kind: string;
  plural: string;
}
interface Case {
  file: string;
  kind: KindRef;
  obj: KubeObject;
  expected: string;
  label: string;
}

function loadCorpus(): Case[] {
  const kinds = new Map<string, KindRef>();
  const objects: Array<{ file: string; obj: KubeObject }> = [];
  for (const dir of readdirSync(CORPUS, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(CORPUS, dir.name))) {
      if (!/\.ya?ml$/.test(f)) continue;
      const file = `${dir.name}/${f}`;
      for (const doc of parseAllDocuments(readFileSync(join(CORPUS, file), "utf8"))) {
        const o = doc.toJS() as KubeObject | null;
        if (!o || typeof o !== "object") continue;
        if (o.kind === "CustomResourceDefinition") {
          const spec = o.spec as { group: string; names: { kind: string; plural: string } };
          kinds.set(`${spec.names.kind}.${spec.group}`, {
            group: spec.group,
            kind: spec.names.kind,
            plural: spec.names.plural,
          });
        } else objects.push({ file, obj: o });
      }
    }
  }
  const cases: Case[] = [];
  for (const { file, obj } of objects) {
    const annotations = obj.metadata?.annotations ?? {};
    const expected = annotations[EXPECTED];
    if (expected === undefined) continue;
    const group = String(obj.apiVersion).split("/")[0] ?? "";
    const kind = kinds.get(`${obj.kind}.${group}`);
    assert.ok(kind, `${file}: ${obj.kind}.${group} has no CRD in the corpus`);
    const terminating =
      annotations["cr-exporter.test/terminating"] === "true" ||
      annotations["cr-exporter.test/case"] === "terminating";
    const o: KubeObject =
      terminating && !obj.metadata?.deletionTimestamp
        ? { ...obj, metadata: { ...obj.metadata, deletionTimestamp: "2026-11-26T00:00:00Z" } }
        : obj;
    cases.push({
      file,
      kind,
      obj: o,
      expected,
      label: `${kind.kind}.${kind.group} ${obj.metadata?.namespace ?? ""}/${obj.metadata?.name} (${annotations["cr-exporter.test/case"] ?? "?"})`,
    });
  }
  return cases;
}

const cases = loadCorpus();
const rules = compileHealthRules(undefined);

describe("health verdicts over the operator corpus", () => {
  it("the corpus has annotated objects, every expectation is a health state", () => {
    assert.ok(cases.length > 0, "no annotated object in test/fixtures/operators");
    for (const c of cases)
      assert.ok((HEALTH_STATES as readonly string[]).includes(c.expected), `${c.label}: ${c.expected}`);
  });

  for (const c of cases) {
    it(`${c.label} reads ${c.expected}`, () => {
      const v = rules.forKind(c.kind).assess(c.obj);
      assert.equal(v.ruleError, undefined, `${c.label}: rule error ${v.ruleError}`);
      assert.equal(v.state, c.expected, `${c.label}: ${v.state} (${v.reason}), expected ${c.expected}`);
    });
  }

  it("every failing object reads Failed or InProgress and every healthy one Current", () => {
    for (const c of cases) {
      const v = rules.forKind(c.kind).assess(c.obj);
      const kase = c.obj.metadata?.annotations?.["cr-exporter.test/case"] ?? "";
      if (/fail/i.test(kase)) assert.ok(v.state === "Failed" || v.state === "InProgress", c.label);
      if (kase === "healthy") assert.equal(v.state, "Current", c.label);
    }
  });
});
