// One configured metric, compiled for one kind: its name, type and help, the labels every
// series gets, and how an object becomes sample lines.
//
// Label precedence is ksm's: the `each` level (labelFromKey, a StateSet's labelName,
// each.labelsFromPath) wins over the metric/resource labelsFromPath, which wins over
// commonLabels (the metric's over the resource's, which include customresource_group,
// customresource_version and customresource_kind set from the resolved kind).

import { renderLabelPairs } from "../exposition.ts";
import { SampleLines } from "../samples.ts";
import type { FamilyMeta, KindInfo, MetricType } from "../types.ts";
import type { Entries, GeneratorSpec, ResourceSpec } from "./config.ts";
import { fullMetricName } from "./config.ts";
import {
  CounterEach,
  type Each,
  type EachProblem,
  type EachValue,
  GaugeEach,
  InfoEach,
  StateSetEach,
} from "./generators.ts";
import { addPathLabels, type CompiledLabels, compileLabels, type LabelMap } from "./labels.ts";

/** Per series (rendered labels without the counted value): last value seen, counts per value. */
export interface CounterSeries {
  readonly last: string;
  readonly counts: ReadonlyMap<string, number>;
}
export type CounterState = ReadonlyMap<string, CounterSeries>;

/** Most distinct values one counter series keeps counts for; more are reported and ignored. */
export const MAX_COUNTER_VALUES = 64;

export interface FamilyOutput {
  readonly text: string;
  readonly series: number;
  readonly problems: EachProblem[];
  readonly duplicates: number;
  /** Counters only: the state for the next event. */
  readonly state?: CounterState;
  readonly truncated?: number;
}

const TYPE: Record<GeneratorSpec["each"]["type"], MetricType> = {
  gauge: "gauge",
  stateset: "stateset",
  info: "info",
  counter: "counter",
};

/** Merge label entries, later ones overriding earlier ones (ksm's Labels.Merge). */
function merged<T>(...lists: Array<Entries<T>>): Array<[string, T]> {
  const out = new Map<string, T>();
  for (const list of lists) for (const [k, v] of list) out.set(k, v);
  return [...out];
}

const byName = ([a]: readonly [string, string], [b]: readonly [string, string]) =>
  a < b ? -1 : a > b ? 1 : 0;

/** Sorted `[name, value]` pairs: ksm sorts label names. */
function sortedPairs(labels: LabelMap): Array<[string, string]> {
  return [...labels.entries()].sort(byName);
}

/**
 * `own` over `base` (own wins), sorted by name, as sortedPairs of the two merged would give, from
 * `base` sorted once per object: a sample has a few labels of its own and the object's many.
 */
function sortedOver(
  own: LabelMap,
  base: ReadonlyArray<readonly [string, string]>,
): Array<readonly [string, string]> {
  const mine = own.size === 0 ? [] : sortedPairs(own);
  const out: Array<readonly [string, string]> = [];
  let i = 0;
  for (const pair of base) {
    while (i < mine.length && mine[i]![0] < pair[0]) out.push(mine[i++]!);
    if (!own.has(pair[0])) out.push(pair);
  }
  while (i < mine.length) out.push(mine[i++]!);
  return out;
}

export class CompiledFamily {
  readonly meta: FamilyMeta;
  private readonly common: ReadonlyArray<readonly [string, string]>;
  private readonly pathLabels: CompiledLabels;
  private readonly each: Each | undefined;
  private readonly counter: CounterEach | undefined;
  /** Counter only: the label carrying the value entered ("" for none). */
  private readonly counterLabel: string;

  constructor(resource: ResourceSpec, generator: GeneratorSpec, kind: KindInfo) {
    this.meta = {
      name: fullMetricName(resource.metricNamePrefix, generator),
      type: TYPE[generator.each.type],
      help: generator.help,
    };
    const gvk: Entries<string> = [
      ["customresource_group", kind.group],
      ["customresource_version", kind.version],
      ["customresource_kind", kind.kind],
    ];
    this.common = merged(resource.commonLabels, gvk, generator.commonLabels);
    this.pathLabels = compileLabels(merged(resource.labelsFromPath, generator.labelsFromPath));
    const each = generator.each;
    this.counterLabel = each.type === "counter" ? each.labelName : "";
    switch (each.type) {
      case "gauge":
        this.each = new GaugeEach(each);
        break;
      case "stateset":
        this.each = new StateSetEach(each);
        break;
      case "info":
        this.each = new InfoEach(each);
        break;
      case "counter":
        this.counter = new CounterEach(each);
        break;
    }
  }

  /** The labels every series of `obj` starts from (each-level labels override them). */
  private baseLabels(obj: unknown): LabelMap {
    const base: LabelMap = new Map(this.common);
    addPathLabels(obj, this.pathLabels, base);
    return base;
  }

  generate(obj: unknown, previous: CounterState | undefined): FamilyOutput {
    const base = this.baseLabels(obj);
    if (this.counter) return this.generateCounter(obj, base, previous);
    const each = this.each!;
    const result = each.values(each.path.get(obj));
    return { ...this.render(result.values, base), problems: result.problems };
  }

  private render(
    values: readonly EachValue[],
    base: LabelMap,
  ): { text: string; series: number; duplicates: number } {
    // The rendered label list is the series identity: ksm would write the same series twice;
    // a scrape must not contain duplicates.
    const lines = new SampleLines(this.meta.name);
    const sortedBase = sortedPairs(base);
    let duplicates = 0;
    for (const v of values) {
      if (!lines.add(renderLabelPairs(sortedOver(v.labels, sortedBase)), v.value)) duplicates++;
    }
    return { text: lines.text, series: lines.series, duplicates };
  }

  /**
   * Counter (extension): every observed element is a series identity; a change of its value
   * since the previous event of the same object counts one, under the value entered when
   * `labelName` is set. First sight starts at 0, so the series exists before the first change.
   */
  private generateCounter(obj: unknown, base: LabelMap, previous: CounterState | undefined): FamilyOutput {
    const counter = this.counter!;
    const { observations, problems } = counter.observe(counter.path.get(obj));
    const next = new Map<string, CounterSeries>();
    const values: EachValue[] = [];
    let truncated = 0;
    for (const o of observations) {
      for (const [k, v] of base) if (!o.labels.has(k)) o.labels.set(k, v);
      if (this.counterLabel !== "") o.labels.delete(this.counterLabel);
      const identity = renderLabelPairs(sortedPairs(o.labels));
      if (next.has(identity)) continue; // the same series twice in one object: keep the first
      const before = previous?.get(identity);
      const counts = new Map(before?.counts ?? []);
      const bucket = this.counterLabel === "" ? "" : o.observed;
      if (!counts.has(bucket) && counts.size >= MAX_COUNTER_VALUES) truncated++;
      else if (before === undefined || before.last === o.observed)
        counts.set(bucket, counts.get(bucket) ?? 0);
      else counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
      next.set(identity, { last: o.observed, counts });
      for (const [value, n] of counts) {
        const labels: LabelMap = new Map(o.labels);
        if (this.counterLabel !== "") labels.set(this.counterLabel, value);
        values.push({ labels, value: n });
      }
    }
    return { ...this.render(values, new Map()), problems, state: next, truncated };
  }
}
