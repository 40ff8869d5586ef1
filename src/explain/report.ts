// `cr-exporter explain`: for each kind of a set of CRDs, the families the auto mapper will
// produce (plan.ts, from the schema), and, for the objects given, the series each one actually
// gives, largest first, by running the real auto mapper over it (so the figures are the
// exporter's own, drops and issues included).

import { isSelected, kindInfoFromCrd, type Selection, servedVersions } from "../kube/crds.ts";
import type { ManifestSet } from "../kube/files.ts";
import { type AutoOptions, createAutoMapper } from "../mapping/auto/index.ts";
import type { KindMapper, KubeObject, MappingDrop, MappingIssue } from "../mapping/types.ts";
import { type KindPlan, planKind } from "./plan.ts";

export type ExplainOptions = Omit<AutoOptions, "maxLabelValueLength" | "maxDepth">;

export interface ObjectReport {
  readonly namespace?: string;
  readonly name: string;
  readonly series: number;
  /** Series per family, most first. */
  readonly families: Array<{ readonly name: string; readonly series: number }>;
  readonly dropped: MappingDrop[];
  readonly issues: MappingIssue[];
  /** Families this object gave that the schema alone does not predict (fields the schema leaves open). */
  readonly unplanned: string[];
}

export interface KindReport extends KindPlan {
  /** The CRD's name (plural.group). */
  readonly crd: string;
  /** Present when objects were given: every object of the kind, most series first. */
  objects?: ObjectReport[];
}

export interface ExplainReport {
  readonly kinds: KindReport[];
  /** Documents skipped, objects without a CRD, kinds left out by the selection. */
  readonly notes: string[];
}

function groupVersion(apiVersion: unknown): [string, string] {
  const s = String(apiVersion ?? "");
  const i = s.indexOf("/");
  return i < 0 ? ["", s] : [s.slice(0, i), s.slice(i + 1)];
}

/**
 * Explain a set of CRDs and (when `withObjects`) their objects. Objects are matched to a CRD by
 * group, kind and a served version, as the file source does.
 */
export function explain(
  set: ManifestSet,
  o: ExplainOptions,
  selection: Selection,
  withObjects: boolean,
): ExplainReport {
  const notes: string[] = set.errors.map((e) => `skipped ${e}`);
  const mapper = createAutoMapper(o);
  const kinds: KindReport[] = [];
  const byApiKind = new Map<string, { report: KindReport; served: string[]; map: KindMapper | undefined }>();
  for (const crd of set.crds) {
    const info = kindInfoFromCrd(crd);
    const crdName = crd.metadata?.name ?? `${crd.spec?.names?.plural}.${crd.spec?.group}`;
    if (info === undefined) {
      notes.push(`CRD ${crdName}: serves no version (or lacks group/kind/plural); nothing to export`);
      continue;
    }
    if (!isSelected(info, selection)) {
      notes.push(`CRD ${crdName}: left out by the kind/group selection`);
      continue;
    }
    const key = `${info.group}\u0000${info.kind}`;
    if (byApiKind.has(key)) {
      notes.push(`CRD ${crdName}: ${info.kind}.${info.group} defined twice; the first kept`);
      continue;
    }
    const report: KindReport = {
      crd: crdName,
      ...planKind(info, o),
      ...(withObjects ? { objects: [] } : {}),
    };
    kinds.push(report);
    byApiKind.set(key, { report, served: servedVersions(crd), map: mapper.forKind(info) });
  }
  if (withObjects) {
    const orphans = new Map<string, number>();
    for (const obj of set.objects) {
      const [group, version] = groupVersion(obj.apiVersion);
      const target = byApiKind.get(`${group}\u0000${obj.kind}`);
      if (target === undefined || !target.served.includes(version)) {
        const k = `${obj.apiVersion} ${obj.kind}`;
        orphans.set(k, (orphans.get(k) ?? 0) + 1);
        continue;
      }
      target.report.objects?.push(objectReport(obj, target.report, target.map));
    }
    for (const [k, n] of orphans)
      notes.push(`${n} object(s) of ${k}: no CRD given serves that kind and version; not explained`);
    for (const k of kinds) k.objects?.sort((a, b) => b.series - a.series || keyOf(a).localeCompare(keyOf(b)));
  }
  return { kinds, notes };
}

function keyOf(o: ObjectReport): string {
  return o.namespace === undefined ? o.name : `${o.namespace}/${o.name}`;
}

function objectReport(obj: KubeObject, plan: KindPlan, map: KindMapper | undefined): ObjectReport {
  const result = map?.map(obj, undefined) ?? { families: [] };
  const families = result.families
    .map((f) => ({ name: f.meta.name, series: f.series }))
    .sort((a, b) => b.series - a.series || a.name.localeCompare(b.name));
  const planned = new Set([...plan.families.map((f) => f.name), ...plan.byValue]);
  const meta = obj.metadata ?? {};
  return {
    ...(plan.namespaced && typeof meta.namespace === "string" && meta.namespace !== ""
      ? { namespace: meta.namespace }
      : {}),
    name: typeof meta.name === "string" ? meta.name : "",
    series: families.reduce((n, f) => n + f.series, 0),
    families,
    dropped: result.dropped ?? [],
    issues: result.issues ?? [],
    unplanned: families.filter((f) => !planned.has(f.name)).map((f) => f.name),
  };
}
