// Condition lists, wherever they sit under .status: one series per status value (so
// `cr_status_condition{type="Ready",status="True"} == 1` works), reason, last transition time,
// observed generation, and the transitions counter from the state kept per object.
// `message` is free text and never exported.

import { joinLabels, labelPair as pair } from "../exposition.ts";
import { isPlainObject } from "../json.ts";
import { uniqueLabel } from "./names.ts";
import type { Node } from "./schema.ts";
import { CONDITION_STATUSES } from "./state.ts";
import { conditionStatus } from "./values.ts";
import type { Walker } from "./walk.ts";

/** Fields of a condition that are not walked as ordinary fields. */
const CONDITION_KEYS: readonly string[] = ["type", "status"];

/**
 * A list without an item schema is a condition list when its (walked) items are all objects
 * with a string `type` and a `status` of True, False or Unknown (so `[{type: Deployment,
 * status: Synced}]` stays an ordinary list).
 */
export function looksLikeConditions(arr: readonly unknown[], n: number): boolean {
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const item = arr[i];
    if (!isPlainObject(item) || typeof item.type !== "string" || conditionStatus(item.status) === undefined) {
      return false;
    }
  }
  return true;
}

export function emitConditionList(
  w: Walker,
  list: Node,
  arr: readonly unknown[],
  ctx: string,
  used: string[],
  depth: number,
): void {
  const items = list.conditionItems();
  const defs = items.conditionDefs;
  const em = w.em;
  const n = Math.min(arr.length, w.limits.maxListItems);
  if (n < arr.length) {
    em.issue("list_truncated", `${list.path}: only the first ${n} of ${arr.length} conditions walked`);
  }
  const typeLabel = uniqueLabel(["type", `${list.seg}_type`], used);
  used.push(typeLabel);
  const statusLabel = uniqueLabel(["status", `${list.seg}_status`], used);
  const seen = new Set<string>();
  for (let i = 0; i < n && !em.isFull(); i++) {
    const item = arr[i];
    if (!isPlainObject(item) || typeof item.type !== "string" || item.type === "") {
      em.issue("condition_without_type", `${list.path}: a condition has no type; skipped`);
      continue;
    }
    const type = w.labelValue(item.type, `${list.path}[*].type`);
    if (seen.has(type)) {
      em.issue("duplicate_condition_type", `${list.path}: condition type repeated; kept the first`);
      continue;
    }
    seen.add(type);
    const tctx = joinLabels(ctx, pair(typeLabel, type));
    const status = conditionStatus(item.status);
    if (status === undefined && item.status !== undefined) {
      em.issue("invalid_condition_status", `${list.path}: status is not True, False or Unknown`);
    }
    const counts = w.state.condition(`${defs.status.meta.name}\u0000${tctx}`, status);
    for (let s = 0; s < CONDITION_STATUSES.length; s++) {
      const v = CONDITION_STATUSES[s]!;
      em.add(defs.status, `${tctx},${statusLabel}="${v}"`, status === v ? 1 : 0);
    }
    for (let s = 0; s < CONDITION_STATUSES.length; s++) {
      em.add(defs.transitions, `${tctx},${statusLabel}="${CONDITION_STATUSES[s]}"`, counts[s as 0 | 1 | 2]);
    }
    w.object(items, item, tctx, used, depth, CONDITION_KEYS);
  }
  used.pop();
}
