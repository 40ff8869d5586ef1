// Condition lists, wherever they sit under .status: one series per status value (so
// `cr_status_condition{type="Ready",status="True"} == 1` works), reason, last transition time,
// observed generation, and the transitions counter from the state kept per object.
// `message` is free text and never exported. Two conditions of one type (a controller bug, or
// a list that merges several sources) are both counted: the status series then say how many
// conditions of the type have each status, and each distinct reason is exported.

import { joinLabels, labelPair } from "../exposition.ts";
import { isPlainObject } from "../json.ts";
import type { FieldShape } from "./fields.ts";
import { uniqueLabel } from "./names.ts";
import { CONDITION_STATUSES, type ConditionStatusValue } from "./state.ts";
import { conditionStatus } from "./values.ts";
import type { Scope, Walker } from "./walk.ts";

/** Fields of a condition that are not walked as ordinary fields. */
const CONDITION_KEYS: readonly string[] = ["type", "status"];
/** Fields of a repeated condition type still exported (a second reason is information). */
const REPEAT_KEYS: readonly string[] = ["reason"];

/**
 * A list without an item schema is a condition list when its items are all objects with a
 * string `type` and a `status` of True, False or Unknown (so `[{type: Deployment, status:
 * Synced}]` stays an ordinary list).
 */
export function looksLikeConditions(arr: readonly unknown[]): boolean {
  if (arr.length === 0) return false;
  for (const item of arr) {
    if (!isPlainObject(item) || typeof item.type !== "string" || conditionStatus(item.status) === undefined) {
      return false;
    }
  }
  return true;
}

interface TypeGroup {
  readonly items: Record<string, unknown>[];
  readonly counts: [number, number, number];
  /** A status other than the three (prometheus-operator writes `Degraded`), exported as well. */
  other: string | undefined;
  invalid: boolean;
}

/** Group a condition list's items by type (in list order), counting statuses. */
function groupByType(w: Walker, list: FieldShape, arr: readonly unknown[]): Map<string, TypeGroup> {
  const groups = new Map<string, TypeGroup>();
  for (const item of arr) {
    if (!isPlainObject(item) || typeof item.type !== "string" || item.type === "") {
      w.em.issue("condition_without_type", `${list.path}: a condition has no type; skipped`);
      continue;
    }
    let g = groups.get(item.type);
    if (g === undefined) {
      g = { items: [], counts: [0, 0, 0], other: undefined, invalid: false };
      groups.set(item.type, g);
    }
    g.items.push(item);
    const status = conditionStatus(item.status);
    if (status !== undefined) g.counts[CONDITION_STATUSES.indexOf(status)]!++;
    else if (typeof item.status === "string" && /^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(item.status))
      g.other ??= item.status;
    else g.invalid ||= item.status !== undefined;
  }
  return groups;
}

export function emitConditionList(w: Walker, list: FieldShape, arr: readonly unknown[], scope: Scope): void {
  const items = list.conditionItems();
  const defs = items.conditionDefs;
  const em = w.em;
  const typeLabel = uniqueLabel(["type", `${list.seg}_type`], scope.used);
  const statusLabel = uniqueLabel(["status", `${list.seg}_status`], [...scope.used, typeLabel]);
  for (const [type, g] of groupByType(w, list, arr)) {
    if (type.length > w.limits.maxLabelValueLength) {
      em.issue(
        "label_too_long",
        `${list.path}: a condition type longer than ${w.limits.maxLabelValueLength} characters; skipped`,
      );
      continue;
    }
    if (g.invalid) em.issue("invalid_condition_status", `${list.path}: status is not True, False or Unknown`);
    if (g.items.length > 1)
      em.issue("duplicate_condition_type", `${list.path}: condition type repeated; all counted`);
    const inner = w.nested(scope, typeLabel, type);
    const current = g.items.length === 1 ? conditionStatus(g.items[0]!.status) : undefined;
    const transitions = w.state.condition(`${defs.status.meta.name}\u0000${inner.labels}`, current);
    for (let s = 0; s < CONDITION_STATUSES.length; s++) {
      const labels = `${inner.labels},${statusLabel}="${CONDITION_STATUSES[s]}"`;
      em.add(defs.status, labels, g.counts[s]!);
      em.add(defs.transitions, labels, transitions[s as 0 | 1 | 2]);
    }
    if (g.other !== undefined) em.add(defs.status, `${inner.labels},${labelPair(statusLabel, g.other)}`, 1);
    const walked = { ...inner, used: [...inner.used, statusLabel] };
    g.items.forEach((item, i) => {
      w.object(items, i === 0 ? item : pick(item, REPEAT_KEYS), walked, CONDITION_KEYS);
    });
  }
}

/** Aggregate mode: add one item's conditions to the counts by (type, status). */
export function countConditions(arr: readonly unknown[], counts: Map<string, number>): void {
  for (const item of arr) {
    if (!isPlainObject(item) || typeof item.type !== "string" || item.type === "") continue;
    const status: ConditionStatusValue | undefined = conditionStatus(item.status);
    if (status === undefined) continue;
    const key = `${item.type}\u0000${status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
}

/** Emit aggregated condition counts: every type seen, all three statuses (0 where none). */
export function emitConditionCounts(
  w: Walker,
  list: FieldShape,
  counts: Map<string, number>,
  scope: Scope,
): void {
  const def = list.conditionItems().conditionDefs.counts;
  const typeLabel = uniqueLabel(["type", `${list.seg}_type`], scope.used);
  const statusLabel = uniqueLabel(["status", `${list.seg}_status`], [...scope.used, typeLabel]);
  const types = new Set<string>();
  for (const key of counts.keys()) types.add(key.slice(0, key.indexOf("\u0000")));
  for (const type of types) {
    if (type.length > w.limits.maxLabelValueLength) continue;
    const base = joinLabels(scope.labels, labelPair(typeLabel, type));
    for (const s of CONDITION_STATUSES) {
      w.em.add(def, `${base},${statusLabel}="${s}"`, counts.get(`${type}\u0000${s}`) ?? 0);
    }
  }
}

function pick(obj: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (Object.hasOwn(obj, k)) out[k] = obj[k];
  return out;
}
