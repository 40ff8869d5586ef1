// cr_health: a generic, heuristic health state by the kstatus rules (sigs.k8s.io/cli-utils),
// first match wins:
//   1. metadata.deletionTimestamp set                              → Terminating
//   2. metadata.generation ≠ status.observedGeneration (both set)  → InProgress
//   3. in list order: Reconciling=True → InProgress, Stalled=True  → Failed
//   4. Ready=True → Current; Ready=False/Unknown                  → InProgress
//   5. otherwise                                                   → Current
// Unknown is used when .status is present but is not an object (nothing can be read).
// A dead controller looks Current unless observedGeneration lags: alert on the raw Ready
// condition and its age too.

import { isPlainObject } from "../json.ts";
import type { KubeObject } from "../types.ts";
import { conditionStatus } from "./values.ts";

export const HEALTH_STATES = ["Current", "InProgress", "Failed", "Terminating", "Unknown"] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export function healthOf(obj: KubeObject): HealthState {
  const m = isPlainObject(obj.metadata) ? obj.metadata : undefined;
  if (typeof m?.deletionTimestamp === "string" && m.deletionTimestamp !== "") return "Terminating";
  const status = obj.status;
  if (status === undefined || status === null) return "Current";
  if (!isPlainObject(status)) return "Unknown";
  const gen = m?.generation;
  const observed = status.observedGeneration;
  if (typeof gen === "number" && typeof observed === "number" && gen !== observed) return "InProgress";
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  for (const c of conditions) {
    if (!isPlainObject(c) || conditionStatus(c.status) !== "True") continue;
    if (c.type === "Reconciling") return "InProgress";
    if (c.type === "Stalled") return "Failed";
  }
  for (const c of conditions) {
    if (!isPlainObject(c) || c.type !== "Ready") continue;
    const s = conditionStatus(c.status);
    if (s === "True") return "Current";
    if (s === "False" || s === "Unknown") return "InProgress";
  }
  return "Current";
}
