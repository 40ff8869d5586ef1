// One configured metric, compiled for one kind: its name, type and help, the labels every
// series gets, and how an object becomes sample lines.
//
// Label precedence is ksm's: the `each` level (labelFromKey, a StateSet's labelName,
// each.labelsFromPath) wins over the metric/resource labelsFromPath, which wins over
// commonLabels (the metric's over the resource's, which include customresource_group,
// customresource_version and customresource_kind set from the resolved kind).

import { labelPair, renderLabelPairs } from "../exposition.ts";
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
 * The labels every series of one object starts from, sorted by name, each also rendered once
 * (`name="value"`): an object's series share them, and rendering them again for every series
 * was most of ksm mode's mapping (docs/performance.md, step 21).
 */
class RenderedBase {
  readonly pairs: ReadonlyArray<readonly [string, string]>;
  readonly rendered: readonly string[];
  /** All of them joined: the label list of a series without labels of its own. */
  private all: string | undefined;
  /** By label name: the joined labels sorted before and after it, without one of that name. */
  private around: Map<string, readonly [string, string]> | undefined;

  constructor(pairs: ReadonlyArray<readonly [string, string]>) {
    this.pairs = pairs;
    this.rendered = pairs.map(([n, v]) => labelPair(n, v));
  }

  joined(): string {
    this.all ??= this.rendered.join(",");
    return this.all;
  }

  /**
   * The base around one label of a series' own (a condition's type, a StateSet's state): the
   * same for every such series of the object, so joined once.
   */
  aroundLabel(name: string): readonly [string, string] {
    let found = this.around?.get(name);
    if (!found) {
      const before: string[] = [];
      const after: string[] = [];
      for (let b = 0; b < this.pairs.length; b++) {
        const other = this.pairs[b]![0];
        if (other < name) before.push(this.rendered[b]!);
        else if (other > name) after.push(this.rendered[b]!);
      }
      found = [before.join(","), after.join(",")];
      this.around ??= new Map();
      this.around.set(name, found);
    }
    return found;
  }
}

/**
 * Where a family's series' labels start: commonLabels and labelsFromPath, the metric's over
 * the resource's, plus the kind's customresource_* labels. The metrics of one resource that
 * add no labels of their own share one (compileFamilies), so an object's are resolved, sorted
 * and rendered once per event, not once per metric (docs/performance.md, step 22).
 */
class BaseLabels {
  private readonly common: ReadonlyArray<readonly [string, string]>;
  private readonly pathLabels: CompiledLabels;
  /** The labels' names in sorted order, when fixed (no star labelsFromPath). */
  private readonly order: readonly string[] | undefined;

  constructor(common: Entries<string>, pathLabels: Entries<readonly string[]>) {
    this.common = common;
    this.pathLabels = compileLabels(pathLabels);
    // Without star labels the names are known now: sorted once, not per object.
    this.order =
      this.pathLabels.stars.length === 0
        ? [...new Set([...common.map(([name]) => name), ...this.pathLabels.plain.map((l) => l.name)])].sort()
        : undefined;
  }

  /** The labels of `obj`, as a map. */
  resolve(obj: unknown): LabelMap {
    const base: LabelMap = new Map(this.common);
    addPathLabels(obj, this.pathLabels, base);
    return base;
  }

  /** The labels of `obj`, sorted by name and rendered. */
  render(obj: unknown): RenderedBase {
    const base = this.resolve(obj);
    return new RenderedBase(this.order ? this.inOrder(base, this.order) : sortedPairs(base));
  }

  private inOrder(base: LabelMap, order: readonly string[]): Array<readonly [string, string]> {
    const out: Array<readonly [string, string]> = [];
    for (const name of order) {
      const value = base.get(name);
      if (value !== undefined) out.push([name, value]);
    }
    return out;
  }
}

/** One object's rendered base labels, each rendered on first use by a family of one event. */
export class ObjectBases {
  private readonly obj: unknown;
  private readonly done = new Map<BaseLabels, RenderedBase>();

  constructor(obj: unknown) {
    this.obj = obj;
  }

  get(base: BaseLabels): RenderedBase {
    let out = this.done.get(base);
    if (!out) {
      out = base.render(this.obj);
      this.done.set(base, out);
    }
    return out;
  }
}

/**
 * The rendered label list of a series: `own` over `base` (own wins), sorted by name. The same
 * as rendering the merged pairs one by one, with base's pairs taken as already rendered.
 */
function renderOver(own: LabelMap, base: RenderedBase): string {
  if (own.size === 0) return base.joined();
  if (own.size === 1) {
    const [name, value] = own.entries().next().value!;
    const [before, after] = base.aroundLabel(name);
    const pair = labelPair(name, value);
    if (before === "") return after === "" ? pair : `${pair},${after}`;
    return after === "" ? `${before},${pair}` : `${before},${pair},${after}`;
  }
  const mine = sortedPairs(own);
  const { pairs, rendered } = base;
  const parts: string[] = [];
  let i = 0;
  for (let b = 0; b < pairs.length; b++) {
    const name = pairs[b]![0];
    while (i < mine.length && mine[i]![0] < name) {
      const [n, v] = mine[i++]!;
      parts.push(labelPair(n, v));
    }
    if (!own.has(name)) parts.push(rendered[b]!);
  }
  while (i < mine.length) {
    const [n, v] = mine[i++]!;
    parts.push(labelPair(n, v));
  }
  return parts.join(",");
}

export class CompiledFamily {
  readonly meta: FamilyMeta;
  private readonly base: BaseLabels;
  private readonly each: Each | undefined;
  private readonly counter: CounterEach | undefined;
  /** Counter only: the label carrying the value entered ("" for none). */
  private readonly counterLabel: string;

  constructor(resource: ResourceSpec, generator: GeneratorSpec, base: BaseLabels) {
    this.meta = {
      name: fullMetricName(resource.metricNamePrefix, generator),
      type: TYPE[generator.each.type],
      help: generator.help,
    };
    this.base = base;
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

  generate(obj: unknown, bases: ObjectBases, previous: CounterState | undefined): FamilyOutput {
    if (this.counter) return this.generateCounter(obj, this.base.resolve(obj), previous);
    const each = this.each!;
    const result = each.values(each.path.get(obj));
    // An object without this metric's field writes nothing: its labels need not be resolved,
    // sorted or rendered (optional status fields are common in real CRDs).
    if (result.values.length === 0) return { text: "", series: 0, duplicates: 0, problems: result.problems };
    return { ...this.render(result.values, bases.get(this.base)), problems: result.problems };
  }

  private render(
    values: readonly EachValue[],
    base: RenderedBase,
  ): { text: string; series: number; duplicates: number } {
    // The rendered label list is the series identity: ksm would write the same series twice;
    // a scrape must not contain duplicates.
    const lines = new SampleLines(this.meta.name);
    let duplicates = 0;
    for (const v of values) {
      if (!lines.add(renderOver(v.labels, base), v.value)) duplicates++;
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
    // Its series' own labels already include the object's: an empty base, made per event (a
    // RenderedBase caches what it joins).
    return { ...this.render(values, new RenderedBase([])), problems, state: next, truncated };
  }
}

/**
 * The families of one resource's metrics for one kind. Metrics without commonLabels or
 * labelsFromPath of their own share one BaseLabels, and so each object's rendering of them.
 */
export function compileFamilies(resource: ResourceSpec, kind: KindInfo): CompiledFamily[] {
  const gvk: Entries<string> = [
    ["customresource_group", kind.group],
    ["customresource_version", kind.version],
    ["customresource_kind", kind.kind],
  ];
  const shared = new BaseLabels(merged(resource.commonLabels, gvk), merged(resource.labelsFromPath));
  return resource.metrics.map((generator) => {
    const own = generator.commonLabels.length > 0 || generator.labelsFromPath.length > 0;
    const base = own
      ? new BaseLabels(
          merged(resource.commonLabels, gvk, generator.commonLabels),
          merged(resource.labelsFromPath, generator.labelsFromPath),
        )
      : shared;
    return new CompiledFamily(resource, generator, base);
  });
}
