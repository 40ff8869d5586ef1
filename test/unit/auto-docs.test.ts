// docs/metrics.md must list every family the auto mapper emits. Exact names must match a row;
// a name matching a pattern row (`cr_status_<field>`) must have its <field> / <list> part come
// from a field of the object that produced it, so a new fixed family (say `cr_status_age_seconds`)
// fails this test until it is documented.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseAllowlist } from "../../src/mapping/auto/index.ts";
import { toSnakeCase } from "../../src/mapping/exposition.ts";
import type { KindInfo, KubeObject } from "../../src/mapping/types.ts";
import { kindOf, loadYaml, mapAll } from "./auto-helpers.ts";

const DOC = readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8");

interface Row {
  readonly names: string[];
  readonly type: string;
}

/** The rows of the "## Families" table. */
function documentedRows(doc: string): Row[] {
  const start = doc.indexOf("\n## Families");
  assert.ok(start >= 0, "docs/metrics.md has a ## Families section");
  const end = doc.indexOf("\n## ", start + 1);
  const rows: Row[] = [];
  for (const line of doc.slice(start, end < 0 ? undefined : end).split("\n")) {
    if (!line.startsWith("| `")) continue;
    const [, first = "", type = ""] = line.split("|");
    rows.push({ names: [...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), type: type.trim() });
  }
  return rows;
}

const rows = documentedRows(DOC);
const exact = new Map<string, string>();
const patterns: Array<{ source: string; re: RegExp }> = [];
for (const row of rows) {
  for (const name of row.names) {
    if (name.includes("<")) {
      const re = new RegExp(
        `^${name
          .split(/(<[a-z]+>)/)
          .map((part) =>
            part.startsWith("<")
              ? `(?<${part.slice(1, -1)}>[a-z0-9_]+)`
              : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
          )
          .join("")}$`,
      );
      patterns.push({ source: name, re });
    } else exact.set(name, row.type);
  }
}

/** The name parts an object's fields can produce (an independent oracle, over-inclusive). */
interface Parts {
  readonly status: Set<string>;
  readonly spec: Set<string>;
  readonly lists: Set<string>;
}

function join(base: string, key: string): string {
  const s = toSnakeCase(key) || "x";
  return base === "" ? s : `${base}_${s}`;
}

function addPath(out: Set<string>, p: string): void {
  out.add(p);
  if (p.endsWith("_time")) out.add(p.slice(0, -"_time".length));
  if (p.endsWith("_timestamp")) out.add(p.slice(0, -"_timestamp".length));
}

function walk(v: unknown, base: string, parts: Parts, depth = 0): void {
  if (depth > 12 || v === null || typeof v !== "object") return;
  if (Array.isArray(v)) {
    const objects = v.filter(
      (x): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x),
    );
    if (objects.length > 0 && objects.some((o) => typeof o.type === "string")) {
      const list = base === "conditions" ? "" : base.replace(/_?conditions$/, "");
      if (list !== "") parts.lists.add(list);
      const itemBase = list === "" ? "condition" : `${list}_condition`;
      for (const o of objects) walk(o, itemBase, parts, depth + 1);
    }
    for (const item of v) walk(item, base, parts, depth + 1);
    return;
  }
  for (const [k, child] of Object.entries(v)) {
    const p = join(base, k);
    addPath(parts.status, p);
    walk(child, p, parts, depth + 1); // a struct: the key is a name part
    walk(child, base, parts, depth + 1); // a map: the key is a label
  }
}

function partsOf(obj: KubeObject, specFields: readonly string[]): Parts {
  const parts: Parts = { status: new Set(), spec: new Set(), lists: new Set() };
  walk(obj.status, "", parts);
  for (const f of specFields)
    parts.spec.add(
      f
        .split(".")
        .map((s) => toSnakeCase(s))
        .join("_"),
    );
  return parts;
}

/** Why `name` is not documented, or undefined when it is. */
function undocumented(name: string, parts: Parts): string | undefined {
  if (exact.has(name)) return undefined;
  for (const { re } of patterns) {
    const m = re.exec(name);
    if (!m?.groups) continue;
    const field = m.groups.field;
    const list = m.groups.list;
    const fields = name.startsWith("cr_spec_") ? parts.spec : parts.status;
    if ((field === undefined || fields.has(field)) && (list === undefined || parts.lists.has(list)))
      return undefined;
  }
  return `${name} is emitted but docs/metrics.md does not list it (nor a pattern whose <field>/<list> part is a field of the object)`;
}

interface Case {
  readonly kind: KindInfo;
  readonly objects: unknown[];
}

const cases: Case[] = [
  { kind: kindOf(loadYaml("messagequeue-crd.yaml")[0]), objects: loadYaml("messagequeues.yaml") },
  { kind: kindOf(loadYaml("databasecluster-crd.yaml")[0]), objects: loadYaml("databaseclusters.yaml") },
  { kind: kindOf(loadYaml("gitops-crd.yaml")[0]), objects: loadYaml("gitops-applications.yaml") },
  { kind: kindOf(loadYaml("certificate-crd.yaml")[0]), objects: loadYaml("certificates.yaml") },
  {
    kind: { group: "x.io", version: "v1", kind: "Odd", plural: "odds", namespaced: false },
    objects: [
      {
        metadata: { name: "odd", labels: { team: "a" }, annotations: { note: "b" } },
        spec: { replicas: 2, suspend: true, template: { size: 3 } },
        status: {
          conditionTransitionsTotal: 4,
          lastScheduleTime: "2026-01-01T00:00:00Z",
          checks: [{ type: "Ping", status: "True", reason: "Ok", lastProbeTime: "2026-01-01T00:00:00Z" }],
          fooConditions: [{ type: "A", status: "False", observedGeneration: 1 }],
          parents: [{ name: "gw", conditions: [{ type: "Accepted", status: "True" }] }],
          resources: [{ name: "a", status: "Synced" }],
          phase: "Running",
        },
      },
    ],
  },
];

const options = {
  specFields: ["replicas", "suspend", "paused", "template.size", "storage"],
  labelsAllowlist: parseAllowlist("*=[*]"),
  annotationsAllowlist: parseAllowlist("*=[*]"),
};

describe("docs/metrics.md", () => {
  it("lists every family the auto mapper emits for the fixtures, with its type", () => {
    const emitted = new Map<string, string>();
    for (const c of cases) {
      for (const obj of c.objects) {
        const { results } = mapAll(c.kind, [obj], options);
        const parts = partsOf(obj as KubeObject, options.specFields);
        for (const f of results[0]!.families) {
          const why = undocumented(f.meta.name, parts);
          assert.equal(why, undefined, why);
          emitted.set(f.meta.name, f.meta.type);
        }
      }
    }
    for (const [name, type] of exact) {
      assert.ok(emitted.has(name), `docs/metrics.md lists ${name}, which no fixture produces`);
      assert.equal(type, emitted.get(name), `type of ${name}`);
    }
    for (const { source } of patterns) {
      const { re } = patterns.find((p) => p.source === source)!;
      assert.ok(
        [...emitted.keys()].some((n) => re.test(n) && !exact.has(n)),
        `no fixture produces ${source}`,
      );
    }
  });

  it("catches a new fixed family that is not documented", () => {
    const parts = partsOf(
      { status: { readyReplicas: 1, conditions: [{ type: "Ready", status: "True" }] } },
      [],
    );
    assert.equal(undocumented("cr_status_ready_replicas", parts), undefined);
    assert.equal(undocumented("cr_status_condition_reason", parts), undefined);
    for (const name of [
      "cr_status_age_seconds",
      "cr_status_ready_replicas_total",
      "cr_object_bytes",
      "cr_spec_replicas",
      "cr_status_condition_age_seconds",
    ]) {
      assert.notEqual(undocumented(name, parts), undefined, name);
    }
  });

  it("documents the MessageQueue examples the issue asks for", () => {
    for (const s of [
      "cr_status_ready_replicas{L} 1",
      "cr_spec_replicas{L} 3",
      'cr_status_phase{L,phase="Degraded"} 1',
      'cr_status_condition{L,type="Available",status="False"} 1',
    ]) {
      assert.ok(DOC.includes(s), s);
    }
  });
});
