// The three `each` kinds of kube-state-metrics, applied to the value found at `each.path`:
// which elements become series, which labels they get, and which problems are reported.
// The iteration rules are ksm's, quirks included (they decide which series exist):
//   Gauge:    a map gives one series per key (labelFromKey names the key; labelsFromPath is
//             resolved against the entry, then against the map itself, which wins); a
//             single-segment valueFrom equal to a key reads that entry directly; entries whose
//             value does not resolve or parse are skipped silently. A list gives one series
//             per element (errors reported). Anything else is one value (errors reported; a
//             path that does not resolve is an error unless nilIsZero).
//   StateSet: one series per `list` entry, 1 for the current value; per element of a list;
//             nothing (and no error) while the value is unset; a non-string is an error.
//   Info:     value 1 for every element of a list and every entry of a map (plus the map
//             itself) that yields at least one label; nothing for a missing path.

import { parseDuration } from "../auto/values.ts";
import { isPlainObject } from "../json.ts";
import type { CounterSpec, GaugeSpec, InfoSpec, StateSetSpec } from "./config.ts";
import { addPathLabels, type CompiledLabels, compileLabels, type LabelMap } from "./labels.ts";
import { compilePath, type ValuePath } from "./path.ts";
import { goFormat, goTypeName, ksmToFloat, type ValueResult } from "./values.ts";

export interface EachValue {
  readonly labels: LabelMap;
  readonly value: number;
}

export type ProblemReason = "missing_path" | "unparsable_value";

/** A problem with one object's data: which field, and what (no values: they vary per object). */
export interface EachProblem {
  readonly reason: ProblemReason;
  readonly path: string;
  readonly problem: string;
}

export interface EachResult {
  readonly values: EachValue[];
  readonly problems: EachProblem[];
}

export interface Each {
  readonly path: ValuePath;
  values(found: unknown): EachResult;
}

const NOT_A_NUMBER = "not a number, boolean, RFC 3339 time, quantity or percentage";

/** The key a single-segment valueFrom names, which ksm reads straight from a map entry. */
function directKey(valueFrom: ValuePath): string | undefined {
  const [only] = valueFrom.parts;
  return valueFrom.parts.length === 1 && only !== undefined && only !== "" && !only.includes(",")
    ? only
    : undefined;
}

export class GaugeEach implements Each {
  readonly path: ValuePath;
  private readonly valueFrom: ValuePath;
  private readonly labels: CompiledLabels;
  private readonly labelFromKey: string;
  private readonly nilIsZero: boolean;
  private readonly durations: boolean;
  private readonly direct: string | undefined;
  private readonly valuePathText: string;

  constructor(spec: GaugeSpec) {
    this.path = compilePath(spec.path);
    this.valueFrom = compilePath(spec.valueFrom);
    this.labels = compileLabels(spec.labelsFromPath);
    this.labelFromKey = spec.labelFromKey;
    this.nilIsZero = spec.nilIsZero;
    this.durations = spec.durations;
    this.direct = directKey(this.valueFrom);
    this.valuePathText = this.path.concat(this.valueFrom).toString();
  }

  private toNumber(value: unknown): ValueResult {
    if (this.durations && typeof value === "string") {
      const seconds = parseDuration(value);
      if (seconds !== undefined) return { ok: true, value: seconds };
    }
    return ksmToFloat(value, this.nilIsZero);
  }

  /** One element: its value at valueFrom; undefined when absent and not an error. */
  private value(element: unknown): EachValue | EachProblem | undefined {
    const got = this.valueFrom.get(element);
    if (got === undefined) {
      if (this.nilIsZero) return { labels: new Map(), value: 0 };
      if (element === undefined)
        return { reason: "missing_path", path: this.path.toString(), problem: "path does not resolve" };
      return undefined;
    }
    const n = this.toNumber(got);
    if (!n.ok) return { reason: "unparsable_value", path: this.valuePathText, problem: NOT_A_NUMBER };
    return { labels: new Map(), value: n.value };
  }

  values(found: unknown): EachResult {
    const values: EachValue[] = [];
    const problems: EachProblem[] = [];
    if (isPlainObject(found)) {
      for (const key of Object.keys(found)) {
        const element = found[key];
        let ev: EachValue;
        if (this.direct !== undefined && key === this.direct) {
          const n = this.toNumber(element);
          if (!n.ok) {
            problems.push({ reason: "unparsable_value", path: this.valuePathText, problem: NOT_A_NUMBER });
            continue;
          }
          ev = { labels: new Map(), value: n.value };
        } else {
          const v = this.value(element);
          if (v === undefined || !("value" in v)) continue; // ksm drops these without a word
          ev = v;
        }
        if (key !== "" && this.labelFromKey !== "") ev.labels.set(this.labelFromKey, key);
        addPathLabels(element, this.labels, ev.labels);
        addPathLabels(found, this.labels, ev.labels);
        values.push(ev);
      }
    } else if (Array.isArray(found)) {
      for (const element of found) {
        const v = this.value(element ?? undefined);
        if (v === undefined) continue;
        if (!("value" in v)) {
          problems.push(v);
          continue;
        }
        addPathLabels(element, this.labels, v.labels);
        values.push(v);
      }
    } else {
      const v = this.value(found);
      if (v !== undefined) {
        if ("value" in v) {
          addPathLabels(found, this.labels, v.labels);
          values.push(v);
        } else problems.push(v);
      }
    }
    return { values, problems };
  }
}

export class StateSetEach implements Each {
  readonly path: ValuePath;
  private readonly valueFrom: ValuePath;
  private readonly labels: CompiledLabels;
  private readonly labelName: string;
  private readonly list: readonly string[];
  private readonly valuePathText: string;

  constructor(spec: StateSetSpec) {
    this.path = compilePath(spec.path);
    this.valueFrom = compilePath(spec.valueFrom);
    this.labels = compileLabels(spec.labelsFromPath);
    this.labelName = spec.labelName;
    this.list = spec.list;
    this.valuePathText = this.path.concat(this.valueFrom).toString();
  }

  private one(element: unknown, out: EachResult): void {
    const current = this.valueFrom.get(element);
    if (current === undefined) return; // not set yet: no series, no error
    if (typeof current !== "string") {
      out.problems.push({
        reason: "unparsable_value",
        path: this.valuePathText,
        problem: `expected a string, got ${goTypeName(current)}`,
      });
      return;
    }
    for (const state of this.list) {
      const labels: LabelMap = new Map([[this.labelName, state]]);
      addPathLabels(element, this.labels, labels);
      out.values.push({ labels, value: state === current ? 1 : 0 });
    }
  }

  values(found: unknown): EachResult {
    const out: EachResult = { values: [], problems: [] };
    if (Array.isArray(found)) for (const element of found) this.one(element ?? undefined, out);
    else this.one(found, out);
    return out;
  }
}

export class InfoEach implements Each {
  readonly path: ValuePath;
  private readonly labels: CompiledLabels;
  private readonly labelFromKey: string;

  constructor(spec: InfoSpec) {
    this.path = compilePath(spec.path);
    this.labels = compileLabels(spec.labelsFromPath);
    this.labelFromKey = spec.labelFromKey;
  }

  /** Value 1 with the labels found under `element`, if there are any. */
  private one(element: unknown, out: EachValue[], labels: LabelMap = new Map()): void {
    if (element === undefined || element === null) return;
    addPathLabels(element, this.labels, labels);
    if (labels.size > 0) out.push({ labels, value: 1 });
  }

  values(found: unknown): EachResult {
    const values: EachValue[] = [];
    if (Array.isArray(found)) {
      for (const element of found) this.one(element, values);
    } else if (isPlainObject(found)) {
      for (const key of Object.keys(found)) {
        const labels: LabelMap = new Map();
        if (key !== "" && this.labelFromKey !== "") labels.set(this.labelFromKey, key);
        addPathLabels(found[key], this.labels, labels);
        if (labels.size > 0) values.push({ labels, value: 1 });
      }
      this.one(found, values);
    } else this.one(found, values);
    return { values, problems: [] };
  }
}

/** One observed value of a Counter (extension) element, before state turns it into counts. */
export interface Observation {
  readonly labels: LabelMap;
  readonly observed: string;
}

/**
 * The Counter extension's reading side: elements like a Gauge's (map entries with
 * labelFromKey, list elements, or the value itself), each observed as a string.
 */
export class CounterEach {
  readonly path: ValuePath;
  private readonly valueFrom: ValuePath;
  private readonly labels: CompiledLabels;
  private readonly labelFromKey: string;
  private readonly valuePathText: string;

  constructor(spec: CounterSpec) {
    this.path = compilePath(spec.path);
    this.valueFrom = compilePath(spec.valueFrom);
    this.labels = compileLabels(spec.labelsFromPath);
    this.labelFromKey = spec.labelFromKey;
    this.valuePathText = this.path.concat(this.valueFrom).toString();
  }

  observe(found: unknown): { observations: Observation[]; problems: EachProblem[] } {
    const observations: Observation[] = [];
    const problems: EachProblem[] = [];
    const one = (element: unknown, key: string | undefined) => {
      const got = this.valueFrom.get(element);
      if (got === undefined) return;
      if (typeof got === "object") {
        problems.push({
          reason: "unparsable_value",
          path: this.valuePathText,
          problem: `expected a scalar, got ${goTypeName(got)}`,
        });
        return;
      }
      const labels: LabelMap = new Map();
      if (key !== undefined && key !== "" && this.labelFromKey !== "") labels.set(this.labelFromKey, key);
      addPathLabels(element, this.labels, labels);
      observations.push({ labels, observed: goFormat(got) });
    };
    if (isPlainObject(found)) for (const key of Object.keys(found)) one(found[key], key);
    else if (Array.isArray(found)) for (const element of found) one(element, undefined);
    else one(found, undefined);
    return { observations, problems };
  }
}
