// The contract's expectations over the real-operator corpus, shared by the unit test (the mapper
// over the files) and the integration test (the exporter over a real API server): the series
// budget per kind, and what series a SIGNALS.yaml signal calls for, computed from the signal and
// the CRD schema (docs/metrics.md's rules), never from the exporter's output.

import { toSnakeCase } from "../../src/mapping/exposition.ts";
import type { JsonSchema, KubeObject } from "../../src/mapping/types.ts";
import type { CorpusKind, Signal } from "./corpus.ts";
import type { ParsedExposition, Sample } from "./exposition.ts";

/**
 * Series budget per object, by kind: what an on-call engineer can afford per object, stated
 * from each kind's status (conditions × 9 series, its scalars, its keyed lists up to 32 items),
 * not measured. The global cap (--series-limit-per-object) is 500.
 */
export const BUDGET: Record<string, number> = {
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

/** The schema node at a data path like `status.resources[]` (undefined where undeclared). */
export function schemaAt(kind: CorpusKind, path: string): JsonSchema | undefined {
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

export const isKeyed = (s: JsonSchema | undefined) =>
  s?.["x-kubernetes-list-type"] === "map" && (s["x-kubernetes-list-map-keys"]?.length ?? 0) > 0;

export interface Expectation {
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
export function expectationOf(kind: CorpusKind, s: Signal, obj: KubeObject): Expectation | undefined {
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

export function findSeries(parsed: ParsedExposition, e: Expectation): Sample[] {
  return parsed.samples.filter(
    (s) =>
      s.name === e.family &&
      Object.entries(e.labels).every(([k, v]) => s.labels[k] === v) &&
      (e.anyLabelValue === undefined ||
        Object.entries(s.labels).some(([k, v]) => !(k in e.labels) && v === e.anyLabelValue)),
  );
}
