// `cr-exporter explain`: for each kind of a set of CRDs, the families the auto mapper will
// produce (plan.ts, from the schema), and, for the objects given, the series each one actually
// gives, largest first, by running the real auto mapper over it (so the figures are the
// exporter's own, drops and issues included).

import { type Crd, isSelected, kindInfoFromCrd, type Selection, servedVersions } from "../kube/crds.ts";
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

export interface ExplainSummary {
  readonly kinds: number;
  /** With objects: how many, their series in all, and the one with the most. */
  readonly objects?: number;
  readonly series?: number;
  readonly largest?: { readonly kind: string; readonly object: string; readonly series: number };
}

export interface ExplainReport {
  readonly summary: ExplainSummary;
  readonly kinds: KindReport[];
  /** Documents skipped, objects without a CRD, kinds left out by the selection. */
  readonly notes: string[];
}

function groupVersion(apiVersion: unknown): [string, string] {
  const s = String(apiVersion ?? "");
  const i = s.indexOf("/");
  return i < 0 ? ["", s] : [s.slice(0, i), s.slice(i + 1)];
}

interface Target {
  readonly report: KindReport;
  readonly served: readonly string[];
  readonly map: KindMapper | undefined;
}

/**
 * Explains a set of CRDs, then (when `withObjects`) objects one at a time, keeping only each
 * object's figures (a cluster's objects are added page by page, never all held at once).
 * Objects are matched to a CRD by group, kind and a served version, as the file source does.
 */
export class Explainer {
  private readonly kinds: KindReport[] = [];
  private readonly notes: string[];
  private readonly byApiKind = new Map<string, Target>();
  private readonly orphans = new Map<string, number>();
  private readonly withObjects: boolean;

  constructor(
    crds: readonly Crd[],
    o: ExplainOptions,
    selection: Selection,
    withObjects: boolean,
    errors: readonly string[] = [],
  ) {
    this.withObjects = withObjects;
    this.notes = errors.map((e) => `skipped ${e}`);
    const mapper = createAutoMapper(o);
    for (const crd of crds) {
      const info = kindInfoFromCrd(crd);
      const crdName = crd.metadata?.name ?? `${crd.spec?.names?.plural}.${crd.spec?.group}`;
      if (info === undefined) {
        this.notes.push(`CRD ${crdName}: serves no version (or lacks group/kind/plural); nothing to export`);
        continue;
      }
      if (!isSelected(info, selection)) {
        this.notes.push(`CRD ${crdName}: left out by the kind/group selection`);
        continue;
      }
      const key = `${info.group}\u0000${info.kind}`;
      if (this.byApiKind.has(key)) {
        this.notes.push(`CRD ${crdName}: ${info.kind}.${info.group} defined twice; the first kept`);
        continue;
      }
      const report: KindReport = {
        crd: crdName,
        ...planKind(info, o),
        ...(withObjects ? { objects: [] } : {}),
      };
      this.kinds.push(report);
      this.byApiKind.set(key, { report, served: servedVersions(crd), map: mapper.forKind(info) });
    }
  }

  /** Map one object with the real mapper and keep its figures. */
  add(obj: KubeObject): void {
    if (!this.withObjects) return;
    const [group, version] = groupVersion(obj.apiVersion);
    const target = this.byApiKind.get(`${group}\u0000${obj.kind}`);
    if (target === undefined || !target.served.includes(version)) {
      const k = `${obj.apiVersion} ${obj.kind}`;
      this.orphans.set(k, (this.orphans.get(k) ?? 0) + 1);
      return;
    }
    target.report.objects?.push(objectReport(obj, target.report, target.map));
  }

  note(text: string): void {
    this.notes.push(text);
  }

  report(): ExplainReport {
    const notes = [...this.notes];
    for (const [k, n] of this.orphans)
      notes.push(`${n} object(s) of ${k}: no CRD given serves that kind and version; not explained`);
    let objects = 0;
    let series = 0;
    let largest: ExplainSummary["largest"];
    for (const k of this.kinds) {
      k.objects?.sort((a, b) => b.series - a.series || keyOf(a).localeCompare(keyOf(b)));
      for (const o of k.objects ?? []) {
        objects++;
        series += o.series;
        if (largest === undefined || o.series > largest.series)
          largest = { kind: `${k.kind}.${k.group}`, object: keyOf(o), series: o.series };
      }
    }
    const summary: ExplainSummary = {
      kinds: this.kinds.length,
      ...(this.withObjects ? { objects, series, ...(largest ? { largest } : {}) } : {}),
    };
    return { summary, kinds: this.kinds, notes };
  }
}

/** Explain a set of CRDs and (when `withObjects`) their objects. */
export function explain(
  set: ManifestSet,
  o: ExplainOptions,
  selection: Selection,
  withObjects: boolean,
): ExplainReport {
  const e = new Explainer(set.crds, o, selection, withObjects, set.errors);
  for (const obj of set.objects) e.add(obj);
  return e.report();
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
