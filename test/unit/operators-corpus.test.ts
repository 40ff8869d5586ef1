// The auto mapper over the real-operator corpus (test/fixtures/operators/: published CRDs of 15
// operators, objects whose status follows each controller's types): the contract of
// docs/metrics.md on real shapes. Per object: a bounded number of series whatever its lists
// hold; label sets that depend neither on list order nor on repeated names nor on list length;
// no prose in a label; an exposition Prometheus' own parser and linter accept and a strict
// OpenMetrics parse; and the key signals of SIGNALS.yaml (read from the data, not from this
// exporter) present with their values.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { createAutoMapper } from "../../src/mapping/auto/index.ts";
import { toSnakeCase } from "../../src/mapping/exposition.ts";
import type { JsonSchema, KubeObject, MappingResult } from "../../src/mapping/types.ts";
import { toolPath } from "../cluster/cluster.ts";
import { type CorpusKind, loadCorpus, loadSignals, type Signal } from "../helpers/corpus.ts";
import { type ParsedExposition, parseExposition, type Sample } from "../helpers/exposition.ts";
import { serve } from "../helpers/serve.ts";

const corpus = loadCorpus();
const mapper = createAutoMapper();

/**
 * Series budget per object, by kind: what an on-call engineer can afford per object, stated
 * from each kind's status (conditions × 9 series, its scalars, its keyed lists up to 32 items),
 * not measured. The global cap (--series-limit-per-object) is 500.
 */
const BUDGET: Record<string, number> = {
  "cert-manager.io/Certificate": 60,
  "kustomize.toolkit.fluxcd.io/Kustomization": 60,
  "helm.toolkit.fluxcd.io/HelmRelease": 80,
  "argoproj.io/Application": 80,
  "argoproj.io/Rollout": 100,
  "postgresql.cnpg.io/Cluster": 120,
  "pkg.crossplane.io/Provider": 40,
  "cluster.x-k8s.io/Cluster": 200,
  "cluster.x-k8s.io/MachineDeployment": 150,
  "kafka.strimzi.io/Kafka": 60,
  "keda.sh/ScaledObject": 100,
  "gateway.networking.k8s.io/Gateway": 200,
  "gateway.networking.k8s.io/HTTPRoute": 40,
  "monitoring.coreos.com/Prometheus": 200,
  "tekton.dev/PipelineRun": 80,
  "external-secrets.io/ExternalSecret": 50,
  "velero.io/Backup": 60,
  "networking.istio.io/VirtualService": 40,
  "serving.knative.dev/Service": 60,
  "elasticsearch.k8s.elastic.co/Elasticsearch": 60,
};

const keyOf = (k: CorpusKind) => `${k.info.group}/${k.info.kind}`;

function mapOne(kind: CorpusKind, obj: KubeObject): MappingResult {
  return mapper.forKind(kind.info)!.map(obj, undefined);
}

function seriesCount(r: MappingResult): number {
  return r.families.reduce((n, f) => n + f.series, 0);
}

/** `name{labels}` of every series, sorted: the identities, without values. */
function identities(r: MappingResult): string[] {
  return parseExposition(serve([r]))
    .samples.map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`)
    .sort();
}

function withValues(r: MappingResult): string[] {
  return parseExposition(serve([r]))
    .samples.map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}=${s.value}`)
    .sort();
}

/** A deep copy with every list under .status transformed. */
function transformLists(obj: KubeObject, f: (list: unknown[], path: string) => unknown[]): KubeObject {
  const walk = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return f(v, path).map((x) => walk(x, `${path}[]`));
    if (v !== null && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${path}.${k}`)]));
    return v;
  };
  return { ...obj, status: walk(structuredClone(obj.status), "status") };
}

/** The schema node at a data path like `status.resources[]` (undefined where undeclared). */
function schemaAt(kind: CorpusKind, path: string): JsonSchema | undefined {
  let s: JsonSchema | undefined = kind.info.schema;
  for (const part of path.split(/\.|(?=\[\])/)) {
    if (s === undefined) return undefined;
    if (part === "[]") s = s.items;
    else
      s =
        s.properties?.[part] ??
        (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
  }
  return s;
}

const isKeyed = (s: JsonSchema | undefined) =>
  s?.["x-kubernetes-list-type"] === "map" && (s["x-kubernetes-list-map-keys"]?.length ?? 0) > 0;

describe("auto mapper over the real-operator corpus", () => {
  it("has the kinds the issue names (at least 15, from at least 12 operators)", () => {
    assert.ok(corpus.length >= 15, `${corpus.length} kinds`);
    assert.ok(new Set(corpus.map((k) => k.operator)).size >= 12);
    for (const k of corpus) assert.ok(BUDGET[keyOf(k)] !== undefined, `a budget for ${keyOf(k)}`);
  });

  it("keeps every object under its kind's series budget and the global cap, big ones included", () => {
    for (const k of corpus) {
      for (const obj of k.objects) {
        const r = mapOne(k, obj);
        const n = seriesCount(r);
        assert.ok(n <= BUDGET[keyOf(k)]!, `${keyOf(k)} ${obj.metadata?.name}: ${n} series`);
        assert.equal(
          r.dropped?.find((d) => d.reason === "object_series_limit"),
          undefined,
          `${obj.metadata?.name}: the per-object cap is a backstop, not the budget`,
        );
      }
    }
  });

  it("does not grow with the lists of managed things: three times every unkeyed list, same series", () => {
    let grown = 0;
    for (const k of corpus) {
      for (const obj of k.objects) {
        const before = identities(mapOne(k, obj));
        const tripled = transformLists(obj, (list, path) =>
          isKeyed(schemaAt(k, path)) || path.endsWith("conditions") ? list : [...list, ...list, ...list],
        );
        assert.deepEqual(identities(mapOne(k, tripled)), before, `${keyOf(k)} ${obj.metadata?.name}`);
        grown++;
      }
    }
    assert.ok(grown > 100);
  });

  it("keys no series by list order: every list reversed gives the same series and values", () => {
    for (const k of corpus) {
      for (const obj of k.objects) {
        const reversed = transformLists(obj, (list) => [...list].reverse());
        assert.deepEqual(
          withValues(mapOne(k, reversed)),
          withValues(mapOne(k, obj)),
          `${obj.metadata?.name}`,
        );
      }
    }
  });

  it("never makes a label of prose (messages, sentences, error strings)", () => {
    const objectLabels = new Set(["group", "kind", "namespace", "name", "uid", "version"]);
    for (const k of corpus) {
      for (const obj of k.objects) {
        const messages = new Set<string>();
        JSON.stringify(obj.status ?? {}, (key, v) => {
          if (
            (key === "message" || key.endsWith("Message") || key === "phaseReason") &&
            typeof v === "string"
          )
            if (/\s/.test(v)) messages.add(v); // a one-word message (CanaryPauseStep) is a reason too
          return v;
        });
        for (const s of parseExposition(serve([mapOne(k, obj)])).samples) {
          for (const [label, value] of Object.entries(s.labels)) {
            // cr_health_reason's reason is the exporter's own bounded wording, not data.
            if (objectLabels.has(label) || s.name === "cr_health_reason") continue;
            assert.ok(!messages.has(value), `${s.name}{${label}} is a message: ${value}`);
            assert.ok(value.length <= 128 && !value.includes("\n"), `${s.name}{${label}}: ${value}`);
            assert.ok(!/[.:;!?]\s|\s{2}/.test(value), `${s.name}{${label}} reads as prose: ${value}`);
          }
        }
      }
    }
  });

  it("serves a valid exposition: strict text and OpenMetrics parses, one family per name", () => {
    const results = corpus.flatMap((k) => k.objects.map((o) => mapOne(k, o)));
    const text = parseExposition(serve(results));
    assert.ok(text.samples.length > 3000);
    const om = serve(results, "openmetrics");
    const parsed = parseExposition(om, "openmetrics");
    assert.equal(parsed.samples.length, text.samples.length);
    const typeLines = om.split("\n").filter((l) => l.startsWith("# TYPE "));
    const names = typeLines.map((l) => l.split(" ")[2]);
    assert.equal(new Set(names).size, names.length, "no family name has two TYPE lines");
  });

  it("passes promtool check metrics with no lint finding a field's own name does not force", () => {
    const results = corpus.flatMap((k) => k.objects.map((o) => mapOne(k, o)));
    const body = serve(results);
    const r = spawnSync(toolPath("promtool"), ["check", "metrics"], {
      input: body,
      encoding: "utf8",
      maxBuffer: 2 ** 26,
    });
    const findings = `${r.stdout}${r.stderr}`
      .split("\n")
      .filter((l) => l.trim() !== "")
      .filter((l) => !/^\s*$/.test(l));
    // Field names in the corpus that end like a reserved suffix (jobCount, pvcCount...).
    const fields = new Set<string>();
    for (const k of corpus)
      for (const o of k.objects)
        JSON.stringify(o.status ?? {}, (key, v) => {
          if (key !== "") fields.add(toSnakeCase(key));
          return v;
        });
    for (const line of findings) {
      const m = /^(\S+) (.*)$/.exec(line.trim());
      assert.ok(m, `promtool: ${line}`);
      const [, metric = "", problem = ""] = m;
      const last = metric
        .replace(/^cr_(status|spec)_/, "")
        .split("_")
        .slice(-2)
        .join("_");
      const forced = [...fields].some((f) => metric.endsWith(f) && /_(count|total|sum|bucket)$/.test(f));
      assert.ok(forced, `promtool: ${metric}: ${problem} (not forced by a field name: ${last})`);
    }
  });
});

// --- key signals ---------------------------------------------------------------------------

interface Expectation {
  readonly family: string;
  /** Labels the series must have (beyond the object's). */
  readonly labels: Record<string, string>;
  /** A label whose name is free (state sets name it after the field) but whose value must be this. */
  readonly anyLabelValue?: string;
  readonly value: number;
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function timestampName(base: string): string {
  if (base.endsWith("_time")) return `${base.slice(0, -5)}_timestamp_seconds`;
  if (base.endsWith("_timestamp")) return `${base}_seconds`;
  return `${base}_timestamp_seconds`;
}

/**
 * What series a signal calls for, by the contract of docs/metrics.md, computed from the signal
 * and the CRD schema only; undefined when the contract exports it no series by design (a field
 * of an item of a list without declared keys, a spec field outside the allowlist, prose...).
 */
function expectationOf(kind: CorpusKind, s: Signal, obj: KubeObject): Expectation | undefined {
  const segs = [...s.field.matchAll(/([^.[\]]+)(?:\[([^\]]*)\])?/g)].map((m) => ({
    key: m[1]!,
    filter: m[2],
  }));
  if (s.field === "metadata.generation" && typeof s.expect === "number")
    return { family: "cr_metadata_generation", labels: {}, value: s.expect };
  if (segs[0]?.key !== "status") return undefined;
  let name = "cr_status";
  let schema: JsonSchema | undefined = kind.info.schema?.properties?.status;
  let path = "status";
  const labels: Record<string, string> = {};
  let lastSeg = "status";
  let data: unknown = obj.status;
  for (let i = 1; i < segs.length; i++) {
    const { key, filter } = segs[i]!;
    const next: JsonSchema | undefined = schema?.properties?.[key];
    const seg = toSnakeCase(key);
    if (next === undefined && typeof schema?.additionalProperties === "object") {
      // A map entry: the key is a label.
      labels[`${lastSeg}_key`] = key;
      schema = schema.additionalProperties;
      data = (data as Record<string, unknown> | undefined)?.[key];
      path = `${path}{}`;
      continue;
    }
    name = `${name}_${seg}`;
    path = `${path}.${key}`;
    lastSeg = seg;
    schema = next;
    data = (data as Record<string, unknown> | undefined)?.[key];
    if (filter === undefined) continue;
    const pairs = filter.split(",").map((p) => p.split("=") as [string, string]);
    const items = schema?.items;
    const isConditions = items?.properties?.type !== undefined && items?.properties?.status !== undefined;
    if (isConditions && pairs.length === 1 && pairs[0]![0] === "type") {
      const base = name.endsWith("conditions") ? name.slice(0, -1) : `${name}_condition`;
      const field = segs[i + 1]?.key;
      const type = pairs[0]![1];
      if (i + 2 !== segs.length || s.expect === undefined) return undefined;
      if (field === "status")
        return { family: base, labels: { ...labels, type, status: String(s.expect) }, value: 1 };
      if (field === "reason")
        return { family: `${base}_reason`, labels: { ...labels, type, reason: String(s.expect) }, value: 1 };
      if (field === "lastTransitionTime")
        return {
          family: `${base}_last_transition_timestamp_seconds`,
          labels: { ...labels, type },
          value: Date.parse(String(s.expect)) / 1000,
        };
      if (field === "observedGeneration")
        return {
          family: `${base}_observed_generation`,
          labels: { ...labels, type },
          value: Number(s.expect),
        };
      return undefined;
    }
    const keys = schema?.["x-kubernetes-list-map-keys"];
    if (!isKeyed(schema) || keys === undefined) return undefined; // no per-item series by design
    if (
      pairs
        .map((p) => p[0])
        .sort()
        .join() !== [...keys].sort().join()
    )
      return undefined;
    // Past --list-items-max (32) items a keyed list is aggregated: no per-item series by design.
    if (!Array.isArray(data) || data.length > 32) return undefined;
    data = data.find((item) => pairs.every(([k, v]) => String((item as Record<string, unknown>)[k]) === v));
    for (const [k, v] of pairs) labels[`${seg}_${toSnakeCase(k)}`] = v;
    schema = items;
    path = `${path}[]`;
  }
  if (s.count !== undefined) return { family: `${name}_items`, labels, value: s.count };
  const v = s.expect;
  if (typeof v === "number") return { family: name, labels, value: v };
  if (typeof v === "boolean") return { family: name, labels, value: v ? 1 : 0 };
  if (typeof v !== "string" || v === "") return undefined;
  if (lastSeg === "observed_generation" && /^\d+$/.test(v)) return { family: name, labels, value: Number(v) };
  if (schema?.format === "date-time" || RFC3339.test(v))
    return { family: timestampName(name), labels, value: Date.parse(v) / 1000 };
  if (/\s/.test(v) && !/(^|_)(phase|state)$/.test(lastSeg)) return undefined; // prose: never a label
  if (schema?.format === "duration" || /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/.test(v)) return undefined;
  if (/\d(Ki|Mi|Gi|Ti|m|k|M|G)$/.test(v) || v.endsWith("%")) return undefined; // read as a number
  return { family: name, labels, anyLabelValue: v, value: 1 };
}

function findSeries(parsed: ParsedExposition, e: Expectation): Sample[] {
  return parsed.samples.filter(
    (s) =>
      s.name === e.family &&
      Object.entries(e.labels).every(([k, v]) => s.labels[k] === v) &&
      (e.anyLabelValue === undefined ||
        Object.entries(s.labels).some(([k, v]) => !(k in e.labels) && v === e.anyLabelValue)),
  );
}

describe("the key signals of each operator's kinds (SIGNALS.yaml)", () => {
  const signals = loadSignals();
  for (const sk of signals) {
    it(`${sk.kind}.${sk.group}: every signal the contract exports is there with its value`, () => {
      const kind = corpus.find((k) => k.info.group === sk.group && k.info.kind === sk.kind);
      assert.ok(kind, `${sk.kind}.${sk.group} is in the corpus`);
      let checked = 0;
      for (const s of sk.signals) {
        const obj = kind.objects.find((o) => o.metadata?.name === s.object);
        assert.ok(obj, `${s.object} exists`);
        const e = expectationOf(kind, s, obj);
        if (e === undefined) continue;
        const parsed = parseExposition(serve([mapOne(kind, obj)]));
        const found = findSeries(parsed, e);
        assert.equal(
          found.length,
          1,
          `${s.object} ${s.field}: one series ${e.family}${JSON.stringify(e.labels)} ${e.anyLabelValue ?? ""}`,
        );
        assert.equal(found[0]!.value, e.value, `${s.object} ${s.field}`);
        checked++;
      }
      assert.ok(
        checked >= Math.min(3, sk.signals.length),
        `${checked} of ${sk.signals.length} signals checked`,
      );
    });
  }
});
