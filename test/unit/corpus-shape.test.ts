// The real-operator corpus (test/fixtures/operators/) checked as data: every CRD is a valid,
// structural apiextensions.k8s.io/v1 CRD, every object belongs to a CRD of the corpus and
// validates against its schema the way the API server would judge it (types, formats, enums,
// required fields, list-map keys, limits; an unknown field fails, since the server would prune
// it silently), every object carries the test annotations, every kind has its healthy, failed
// and big cases, and SIGNALS.yaml names only objects and values that exist.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";

const root = join(import.meta.dirname, "../fixtures/operators");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Schema {
  type?: string;
  format?: string;
  enum?: Json[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  minItems?: number;
  minProperties?: number;
  default?: Json;
  nullable?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
}

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  subresources?: { status?: object; scale?: object };
  schema: { openAPIV3Schema: Schema };
  additionalPrinterColumns?: unknown;
}

interface Crd {
  file: string;
  name: string;
  annotations: Record<string, string>;
  group: string;
  kind: string;
  plural: string;
  scope: "Namespaced" | "Cluster";
  versions: CrdVersion[];
}

interface CorpusObject {
  file: string;
  doc: JsonObject;
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  annotations: Record<string, string>;
}

function yamlFiles(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(root).sort()) {
    const path = join(root, dir);
    if (!statSync(path).isDirectory()) continue;
    for (const f of readdirSync(path).sort()) if (f.endsWith(".yaml")) out.push(`${dir}/${f}`);
  }
  return out;
}

/** Documents of a YAML file; fails on a parse error or on text YAML 1.1 readers would read differently. */
function load(file: string): JsonObject[] {
  const text = readFileSync(join(root, file), "utf8");
  const docs = parseAllDocuments(text);
  const old = parseAllDocuments(text, { schema: "yaml-1.1" });
  const out: JsonObject[] = [];
  docs.forEach((d, i) => {
    assert.equal(
      d.errors.length,
      0,
      `${file} document ${i + 1}: ${d.errors.map((e) => e.message).join("; ")}`,
    );
    const js = d.toJS() as JsonObject | null;
    if (js === null) return;
    // A YAML 1.1 reader (js-yaml in @kubernetes/client-node, many Go tools) must see the same data:
    // an unquoted timestamp becomes a Date there, `on` a boolean, `0755` an octal number.
    assert.deepEqual(
      JSON.parse(JSON.stringify(old[i]?.toJS())),
      js,
      `${file} document ${i + 1}: a YAML 1.1 reader sees different values (quote timestamps and the like)`,
    );
    out.push(js);
  });
  return out;
}

const crds: Crd[] = [];
const objects: CorpusObject[] = [];
for (const file of yamlFiles()) {
  for (const doc of load(file)) {
    if (file.endsWith(".crd.yaml")) {
      assert.equal(doc.kind, "CustomResourceDefinition", `${file}: a .crd.yaml file holds CRDs only`);
      const spec = doc.spec as JsonObject;
      const names = spec.names as JsonObject;
      crds.push({
        file,
        name: (doc.metadata as JsonObject).name as string,
        annotations: ((doc.metadata as JsonObject).annotations ?? {}) as Record<string, string>,
        group: spec.group as string,
        kind: names.kind as string,
        plural: names.plural as string,
        scope: spec.scope as "Namespaced" | "Cluster",
        versions: spec.versions as unknown as CrdVersion[],
      });
      continue;
    }
    const [group, version] = String(doc.apiVersion).includes("/")
      ? (String(doc.apiVersion).split("/") as [string, string])
      : ["", String(doc.apiVersion)];
    const metadata = (doc.metadata ?? {}) as JsonObject;
    objects.push({
      file,
      doc,
      group,
      version,
      kind: String(doc.kind),
      name: String(metadata.name),
      namespace: metadata.namespace as string | undefined,
      annotations: (metadata.annotations ?? {}) as Record<string, string>,
    });
  }
}

function crdOf(o: { group: string; kind: string }): Crd | undefined {
  return crds.find((c) => c.group === o.group && c.kind === o.kind);
}

// ---------------------------------------------------------------------------------------------
// Schema checks: what a structural schema must be, and what the API server would refuse.

/** Problems of a schema node as a structural schema (every node typed unless it preserves unknowns). */
function structuralProblems(s: Schema, path: string, out: string[]): void {
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  const intOrString = s["x-kubernetes-int-or-string"] === true;
  if (!s.type && !preserve && !intOrString) out.push(`${path}: no type`);
  if (s.properties && s.additionalProperties && typeof s.additionalProperties === "object") {
    out.push(`${path}: properties and additionalProperties together`);
  }
  if (s.type === "array" && !s.items) out.push(`${path}: array without items`);
  const listType = s["x-kubernetes-list-type"];
  if (listType === "map") {
    const keys = s["x-kubernetes-list-map-keys"] ?? [];
    if (keys.length === 0) out.push(`${path}: list-type map without list-map-keys`);
    for (const k of keys) {
      const keySchema = s.items?.properties?.[k];
      if (!keySchema) out.push(`${path}: list-map key ${k} is not a property of the items`);
      else if (!s.items?.required?.includes(k) && keySchema.default === undefined) {
        out.push(`${path}: list-map key ${k} must be required or defaulted`);
      }
    }
  }
  for (const [k, c] of Object.entries(s.properties ?? {})) structuralProblems(c, `${path}.${k}`, out);
  if (s.items) structuralProblems(s.items, `${path}[]`, out);
  if (s.additionalProperties && typeof s.additionalProperties === "object") {
    structuralProblems(s.additionalProperties, `${path}{}`, out);
  }
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function typeOf(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Problems of a value against a schema node, as the API server would find them. */
function validate(v: Json, s: Schema, path: string, out: string[]): void {
  if (v === null) {
    if (!s.nullable) out.push(`${path}: null`);
    return;
  }
  const t = typeOf(v);
  if (s["x-kubernetes-int-or-string"]) {
    if (t !== "integer" && t !== "string") out.push(`${path}: ${t}, expected int-or-string`);
  } else if (s.type) {
    const ok = s.type === t || (s.type === "number" && t === "integer");
    if (!ok) {
      out.push(`${path}: ${t}, expected ${s.type}`);
      return;
    }
  }
  if (s.enum && !s.enum.includes(v))
    out.push(`${path}: ${JSON.stringify(v)} not in ${JSON.stringify(s.enum)}`);
  if (typeof v === "string") {
    if (s.format === "date-time" && !rfc3339.test(v)) out.push(`${path}: ${v} is not an RFC 3339 date-time`);
    if (s.pattern && !new RegExp(s.pattern, "u").test(v))
      out.push(`${path}: ${v} does not match ${s.pattern}`);
    if (s.minLength !== undefined && v.length < s.minLength) out.push(`${path}: shorter than ${s.minLength}`);
    if (s.maxLength !== undefined && v.length > s.maxLength) out.push(`${path}: longer than ${s.maxLength}`);
  }
  if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) out.push(`${path}: ${v} < minimum ${s.minimum}`);
    if (s.maximum !== undefined && v > s.maximum) out.push(`${path}: ${v} > maximum ${s.maximum}`);
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems)
      out.push(`${path}: ${v.length} items > ${s.maxItems}`);
    const keys = s["x-kubernetes-list-type"] === "map" ? (s["x-kubernetes-list-map-keys"] ?? []) : [];
    const seen = new Set<string>();
    v.forEach((item, i) => {
      if (s.items) validate(item, s.items, `${path}[${i}]`, out);
      if (keys.length > 0 && item && typeof item === "object" && !Array.isArray(item)) {
        const id = JSON.stringify(keys.map((k) => item[k]));
        if (seen.has(id)) out.push(`${path}[${i}]: duplicate list-map key ${id}`);
        seen.add(id);
      }
      if (s["x-kubernetes-list-type"] === "set") {
        const id = JSON.stringify(item);
        if (seen.has(id)) out.push(`${path}[${i}]: duplicate item of a set`);
        seen.add(id);
      }
    });
    return;
  }
  if (typeof v === "object") {
    const entries = Object.entries(v);
    if (s.minProperties !== undefined && entries.length < s.minProperties) {
      out.push(`${path}: fewer than ${s.minProperties} properties`);
    }
    for (const r of s.required ?? []) if (!(r in v)) out.push(`${path}: missing required ${r}`);
    for (const [k, c] of entries) {
      const child = s.properties?.[k];
      if (child) validate(c, child, `${path}.${k}`, out);
      else if (s.additionalProperties && typeof s.additionalProperties === "object") {
        validate(c, s.additionalProperties, `${path}.${k}`, out);
      } else if (s.additionalProperties !== true && !s["x-kubernetes-preserve-unknown-fields"]) {
        out.push(`${path}.${k}: unknown field (the API server would prune it)`);
      }
    }
  }
}

/** The object as the API server stores it: metadata as-is, everything else checked by the schema. */
function objectProblems(o: CorpusObject, schema: Schema): string[] {
  const out: string[] = [];
  const { metadata: _metadata, ...rest } = o.doc;
  const withoutMeta: Schema = { ...schema, properties: { ...schema.properties } };
  delete withoutMeta.properties?.metadata;
  withoutMeta.required = schema.required?.filter((r) => r !== "metadata");
  validate(rest as JsonObject, withoutMeta, `${o.file} ${o.name}`, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// SIGNALS.yaml: paths like status.conditions[type=Ready].reason — dot-separated keys; a
// [k=v,k2=v2] segment filters a list (with `expect`, exactly one item must match). `count`
// compares the number of matches when the path ends with a filter, else the length of the list or
// map the path ends on.

interface Signal {
  object: string;
  namespace?: string;
  field: string;
  expect?: Json;
  count?: number;
}
interface SignalKind {
  group: string;
  kind: string;
  file: string;
  bigFile?: string;
  statusSubresource: boolean;
  bigBecause?: string;
  facts: string[];
  signals: Signal[];
}

function segments(path: string): string[] {
  const out: string[] = [];
  let cur = "";
  let depth = 0;
  for (const ch of path) {
    if (ch === "[") {
      if (cur) out.push(cur);
      cur = "[";
      depth++;
    } else if (ch === "]") {
      out.push(`${cur}]`);
      cur = "";
      depth--;
    } else if (ch === "." && depth === 0) {
      if (cur) out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/** Values the path reaches (a filter may fan out); throws with the failing segment. */
function resolve(doc: Json, path: string): Json[] {
  let current: Json[] = [doc];
  for (const seg of segments(path)) {
    const next: Json[] = [];
    for (const v of current) {
      if (seg.startsWith("[")) {
        assert.ok(Array.isArray(v), `${path}: ${seg} applied to a non-list`);
        const conds = seg
          .slice(1, -1)
          .split(",")
          .map((c) => c.split("=") as [string, string]);
        for (const item of v) {
          if (item && typeof item === "object" && !Array.isArray(item)) {
            if (conds.every(([k, want]) => String(item[k]) === want)) next.push(item);
          }
        }
      } else {
        assert.ok(v && typeof v === "object" && !Array.isArray(v), `${path}: ${seg} applied to a non-object`);
        assert.ok(seg in v, `${path}: no field ${seg}`);
        next.push(v[seg] as Json);
      }
    }
    current = next;
  }
  return current;
}

const signalsDoc = load("SIGNALS.yaml").at(0) as unknown as {
  kinds: SignalKind[];
};

// ---------------------------------------------------------------------------------------------

const cases = ["healthy", "progressing", "failed", "suspended", "no-status", "terminating", "big"];
const verdicts = ["Current", "InProgress", "Failed", "Terminating"];
const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe("operator corpus: CRDs", () => {
  it("has at least 15 kinds from at least 12 operators", () => {
    assert.ok(crds.length >= 15, `${crds.length} CRDs`);
    assert.ok(new Set(crds.map((c) => c.file.split("/")[0])).size >= 12);
  });

  for (const crd of crds) {
    it(`${crd.name} is a structural apiextensions.k8s.io/v1 CRD`, () => {
      assert.equal(crd.name, `${crd.plural}.${crd.group}`);
      assert.ok(crd.scope === "Namespaced" || crd.scope === "Cluster");
      assert.equal(crd.versions.filter((v) => v.storage).length, 1, "exactly one storage version");
      assert.ok(crd.versions.some((v) => v.served));
      for (const v of crd.versions) {
        assert.equal(v.additionalPrinterColumns, undefined, "printer columns are left out");
        const schema = v.schema.openAPIV3Schema;
        assert.equal(schema.type, "object");
        assert.ok(schema.properties?.status, `${v.name}: a status schema`);
        const problems: string[] = [];
        structuralProblems(schema, `${crd.name}/${v.name}`, problems);
        assert.deepEqual(problems, []);
      }
      assert.equal(crds.filter((c) => c.name === crd.name).length, 1, "one CRD per name");
      // The API server refuses a CRD of a *.k8s.io or *.kubernetes.io group without this annotation.
      if (/(^|\.)(k8s|kubernetes)\.io$/.test(crd.group)) {
        assert.ok(
          crd.annotations["api-approved.kubernetes.io"],
          `${crd.name}: api-approved.kubernetes.io annotation`,
        );
      }
    });
  }
});

describe("operator corpus: objects", () => {
  it("every object is of a kind and served version of the corpus, with the scope of its CRD", () => {
    for (const o of objects) {
      const crd = crdOf(o);
      assert.ok(crd, `${o.file} ${o.name}: no CRD for ${o.kind}.${o.group}`);
      assert.ok(
        crd.versions.some((v) => v.name === o.version && v.served),
        `${o.file} ${o.name}: ${o.version} not served`,
      );
      assert.match(o.name, dns1123, `${o.file}: name ${o.name}`);
      assert.ok(o.name.length <= 63, `${o.name} longer than 63`);
      if (crd.scope === "Namespaced") assert.equal(o.namespace, "corpus", `${o.file} ${o.name}: namespace`);
      else assert.equal(o.namespace, undefined, `${o.file} ${o.name}: cluster-scoped, no namespace`);
    }
    const ids = objects.map((o) => `${o.group}/${o.kind}/${o.namespace ?? ""}/${o.name}`);
    assert.deepEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
      "object identities are unique",
    );
  });

  it("every object has the case and expected-health annotations with allowed values", () => {
    for (const o of objects) {
      const c = o.annotations["cr-exporter.test/case"];
      const h = o.annotations["cr-exporter.test/expected-health"];
      assert.ok(c && cases.includes(c), `${o.file} ${o.name}: case ${c}`);
      assert.ok(h && verdicts.includes(h), `${o.file} ${o.name}: expected-health ${h}`);
      const meta = o.doc.metadata as JsonObject;
      const terminating = c === "terminating";
      assert.equal(h === "Terminating", terminating, `${o.name}: Terminating iff the terminating case`);
      assert.equal(
        o.annotations["cr-exporter.test/terminating"] === "true",
        terminating,
        `${o.name}: marker`,
      );
      assert.equal(meta.deletionTimestamp !== undefined, terminating, `${o.name}: deletionTimestamp`);
      if (terminating) {
        assert.match(String(meta.deletionTimestamp), rfc3339);
        assert.ok(Array.isArray(meta.finalizers) && meta.finalizers.length > 0, `${o.name}: a finalizer`);
      }
      if (c === "no-status") {
        // Only what the CRD's own default puts there (Flux defaults .status to {observedGeneration: -1}).
        const crd = crdOf(o)!;
        const storage = crd.versions.find((v) => v.name === o.version)!;
        assert.deepEqual(
          o.doc.status ?? null,
          storage.schema.openAPIV3Schema.properties?.status?.default ?? null,
          `${o.name}: no status beyond the CRD default`,
        );
      }
      if (c === "healthy" || c === "big") assert.equal(h, "Current", `${o.name}: ${c} reads Current`);
      if (c === "failed") assert.equal(h, "Failed", `${o.name}: failed reads Failed`);
      if (c === "progressing") assert.equal(h, "InProgress", `${o.name}: progressing reads InProgress`);
    }
  });

  it("every kind has a healthy, a failed, a big, a no-status and a terminating object", () => {
    for (const crd of crds) {
      const mine = objects.filter((o) => o.group === crd.group && o.kind === crd.kind);
      const have = new Set(mine.map((o) => o.annotations["cr-exporter.test/case"]));
      for (const c of ["healthy", "failed", "big", "no-status", "terminating"]) {
        assert.ok(have.has(c), `${crd.kind}.${crd.group} lacks a ${c} object`);
      }
    }
  });

  it("big objects are big: a collection of at least 40 items, or the largest of the kind where SIGNALS says why", () => {
    const largest = (v: Json): number => {
      if (Array.isArray(v)) return Math.max(v.length, ...v.map(largest));
      if (v && typeof v === "object") {
        const vals = Object.values(v);
        return Math.max(vals.length, ...vals.map(largest));
      }
      return 0;
    };
    for (const o of objects.filter((x) => x.annotations["cr-exporter.test/case"] === "big")) {
      const size = largest(o.doc);
      if (size >= 40) continue;
      const why = signalsDoc.kinds.find((k) => k.group === o.group && k.kind === o.kind)?.bigBecause;
      assert.ok(why, `${o.file} ${o.name}: largest collection ${size}, and SIGNALS.yaml gives no bigBecause`);
      const others = objects.filter((x) => x.group === o.group && x.kind === o.kind && x !== o);
      assert.ok(
        others.every((x) => largest(x.doc) < size),
        `${o.name}: not the largest object of its kind`,
      );
    }
  });

  it("every object validates against its CRD schema (what the API server accepts without pruning)", () => {
    const problems = objects.flatMap((o) => {
      const crd = crdOf(o)!;
      const version = crd.versions.find((v) => v.name === o.version)!;
      return objectProblems(o, version.schema.openAPIV3Schema);
    });
    assert.deepEqual(problems, []);
  });

  it("the validator itself refuses what the API server refuses", () => {
    const schema: Schema = {
      type: "object",
      properties: {
        status: {
          type: "object",
          properties: {
            when: { type: "string", format: "date-time" },
            phase: { type: "string", enum: ["A", "B"] },
            n: { type: "integer" },
            items: {
              type: "array",
              "x-kubernetes-list-type": "map",
              "x-kubernetes-list-map-keys": ["name"],
              items: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
            },
          },
        },
      },
    };
    const bad = (status: JsonObject): string[] => {
      const out: string[] = [];
      validate({ status }, schema, "x", out);
      return out;
    };
    assert.deepEqual(bad({ when: "2026-11-26T00:00:00Z", phase: "A", n: 3, items: [{ name: "a" }] }), []);
    assert.equal(bad({ when: "2026-11-26 00:00:00" }).length, 1);
    assert.equal(bad({ phase: "C" }).length, 1);
    assert.equal(bad({ n: "3" }).length, 1);
    assert.equal(bad({ n: 1.5 }).length, 1);
    assert.equal(bad({ items: [{ name: "a" }, { name: "a" }] }).length, 1);
    assert.equal(bad({ items: [{}] }).length, 1);
    assert.equal(bad({ extra: 1 }).length, 1);
  });
});

describe("operator corpus: SIGNALS.yaml", () => {
  const kinds = signalsDoc.kinds;

  it("covers every kind of the corpus, each with facts and signals", () => {
    for (const crd of crds) {
      const k = kinds.find((x) => x.group === crd.group && x.kind === crd.kind);
      assert.ok(k, `SIGNALS.yaml lacks ${crd.kind}.${crd.group}`);
      assert.ok(k.facts.length > 0 && k.signals.length > 0, `${crd.kind}: facts and signals`);
      const hasStatus = crd.versions.every((v) => v.subresources?.status !== undefined);
      assert.equal(k.statusSubresource, hasStatus, `${crd.kind}: statusSubresource says what the CRD has`);
    }
  });

  it("refers only to existing files and objects, and to values those objects hold", () => {
    for (const k of kinds) {
      const files = [k.file, ...(k.bigFile ? [k.bigFile] : [])];
      for (const f of files) assert.ok(yamlFiles().includes(f), `${k.kind}: no file ${f}`);
      const mine = objects.filter((o) => o.group === k.group && o.kind === k.kind && files.includes(o.file));
      for (const s of k.signals) {
        const where = `${k.kind} ${s.object} ${s.field}`;
        const matches = mine.filter(
          (o) => o.name === s.object && (s.namespace ?? o.namespace) === o.namespace,
        );
        assert.equal(matches.length, 1, `${where}: object not found once`);
        assert.ok((s.expect === undefined) !== (s.count === undefined), `${where}: expect or count`);
        const values = resolve(matches[0]!.doc, s.field);
        if (s.count !== undefined) {
          const last = segments(s.field).at(-1) ?? "";
          const only = values[0];
          const n = last.startsWith("[")
            ? values.length
            : Array.isArray(only)
              ? only.length
              : only && typeof only === "object"
                ? Object.keys(only).length
                : Number.NaN;
          assert.equal(n, s.count, `${where}: count`);
        } else {
          assert.equal(values.length, 1, `${where}: one value`);
          assert.deepEqual(values[0], s.expect, where);
        }
      }
    }
  });

  it("names every object of the corpus at least once", () => {
    const named = new Set(kinds.flatMap((k) => k.signals.map((s) => `${k.group}/${k.kind}/${s.object}`)));
    const missing = objects.map((o) => `${o.group}/${o.kind}/${o.name}`).filter((id) => !named.has(id));
    assert.deepEqual(missing, []);
  });

  it("the path resolver filters, fans out and fails on missing fields", () => {
    const doc: Json = {
      status: {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "Synced", status: "False" },
        ],
        res: [
          { kind: "Service", name: "a", s: "OutOfSync" },
          { kind: "Deployment", name: "a", s: "Synced" },
          { kind: "Service", name: "b", s: "OutOfSync" },
        ],
      },
    };
    assert.deepEqual(resolve(doc, "status.conditions[type=Ready].status"), ["True"]);
    assert.deepEqual(resolve(doc, "status.res[kind=Deployment,name=a].s"), ["Synced"]);
    assert.equal(resolve(doc, "status.res[s=OutOfSync]").length, 2);
    assert.throws(() => resolve(doc, "status.nope"), /no field nope/);
  });
});
