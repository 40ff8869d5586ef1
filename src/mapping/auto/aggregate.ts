// Lists exported as aggregates: every list without declared keys (lists of managed resources,
// inventories, histories, references) and keyed lists past --list-items-max. Never one series
// per item: the length (by the caller) plus, per enum-like field of the items (a schema enum,
// a boolean, or a state-named string such as `status`, `health.status`, `phase`), how many
// items have each value; per nested condition list, how many items have each condition type
// at each status. So an Argo CD Application managing 500 resources gives a handful of series:
// resources by sync status, by health status, by kind of hook...

import { joinLabels, labelPair } from "../exposition.ts";
import { isPlainObject } from "../json.ts";
import { countConditions, emitConditionCounts, looksLikeConditions } from "./conditions.ts";
import type { FieldShape } from "./fields.ts";
import { isPhraseState, isProse, uniqueLabel } from "./names.ts";
import type { Scope, Walker } from "./walk.ts";

/** How deep inside an item enum-like fields are looked for (`health.status` is depth 2). */
const MAX_ITEM_DEPTH = 3;

interface Tally {
  /** Field → value → number of items with it. */
  readonly values: Map<FieldShape, Map<string, number>>;
  /** Condition list → `type\0status` → number of items. */
  readonly conditions: Map<FieldShape, Map<string, number>>;
}

export function aggregateList(
  w: Walker,
  items: FieldShape,
  arr: readonly unknown[],
  scope: Scope,
  listPath: string,
): void {
  const tally: Tally = { values: new Map(), conditions: new Map() };
  const max = w.limits.maxLabelValueLength;
  for (const item of arr) {
    if (isPlainObject(item)) countFields(items, item, tally, max, 1);
    else countValue(items, item, tally, max);
  }
  for (const [field, counts] of tally.values) emitCounts(w, field, counts, scope, listPath);
  for (const [list, counts] of tally.conditions) emitConditionCounts(w, list, counts, scope);
}

function bump(map: Map<FieldShape, Map<string, number>>, field: FieldShape, value: string): void {
  let counts = map.get(field);
  if (counts === undefined) {
    counts = new Map();
    map.set(field, counts);
  }
  counts.set(value, (counts.get(value) ?? 0) + 1);
}

function countValue(field: FieldShape, v: unknown, tally: Tally, max: number): void {
  if (typeof v === "boolean") bump(tally.values, field, v ? "true" : "false");
  else if (
    typeof v === "string" &&
    v !== "" &&
    field.enumLike &&
    !field.freeText &&
    !isProse(v, max, isPhraseState(field.seg))
  )
    bump(tally.values, field, v);
}

function countFields(
  shape: FieldShape,
  obj: Record<string, unknown>,
  tally: Tally,
  max: number,
  depth: number,
): void {
  for (const key in obj) {
    const child = shape.property(key) ?? shape.undeclared(key);
    const v = obj[key];
    if (Array.isArray(v)) {
      if (child.schemaConditions || (child.items().schemaless && looksLikeConditions(v))) {
        let counts = tally.conditions.get(child);
        if (counts === undefined) {
          counts = new Map();
          tally.conditions.set(child, counts);
        }
        countConditions(v, counts);
      }
    } else if (isPlainObject(v)) {
      if (depth < MAX_ITEM_DEPTH && !child.isDeclaredMap) countFields(child, v, tally, max, depth + 1);
    } else countValue(child, v, tally, max);
  }
}

function emitCounts(
  w: Walker,
  field: FieldShape,
  counts: Map<string, number>,
  scope: Scope,
  listPath: string,
): void {
  const def = field.countsDef(listPath);
  const label = uniqueLabel([field.seg, field.altSeg], scope.used);
  const en = field.enumValues;
  if (en !== undefined) {
    for (const e of en) w.em.add(def, joinLabels(scope.labels, labelPair(label, e)), counts.get(e) ?? 0);
  }
  for (const [value, n] of counts) {
    if (en?.includes(value)) continue;
    w.em.add(def, joinLabels(scope.labels, labelPair(label, value)), n);
  }
}
