// The generic health rules: what any custom resource's status says about its health, with no
// knowledge of its kind. kstatus (sigs.k8s.io/cli-utils) is the floor; on top of it, the
// polarity of conditions, conditions nested in lists, condition-level observedGeneration, string
// generations, and phase / state / health fields. First match wins, in this order:
//
//   Terminating  metadata.deletionTimestamp set
//   InProgress   no status at all (or an empty one): the controller has not written it yet
//   Failed       a negative-polarity condition True (Stalled, Degraded, Failed, Error, NotReady,
//                Terminal, …Failure, Fallback, …); a condition whose status is Degraded
//                (prometheus-operator); a terminal-outcome condition False (Succeeded, Complete);
//                a positive-polarity condition (Ready, Available, Healthy, …) False with a
//                failure-like reason (…Failed, …Error, Invalid…, …NotFound, …); a phase / state /
//                health field in the failure vocabulary; `healthy: false`
//   InProgress   metadata.generation ahead of status.observedGeneration, or of a condition's
//                observedGeneration; Reconciling=True; a positive condition False or Unknown;
//                a phase / state / health field in the progress vocabulary; `ready: false`
//   Current      a positive condition True or a phase / state / health word of success; or no
//                signal at all (as kstatus)
//
// Failed is decided before the generation lag, so a Stalled=True is never hidden by it: a
// controller that says it has given up has given up, whatever spec change is pending.
// Reasons are bounded: they name a rule, a condition type and a status, or a canonical word of
// the vocabularies below — never the object's own reason or message strings.

import type { KubeObject } from "../types.ts";
import type { HealthVerdict } from "./index.ts";

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// Vocabularies

/** Condition types whose True means something is wrong. */
const NEGATIVE_TYPES = new Set([
  "Stalled",
  "Degraded",
  "Failed",
  "Failure",
  "Error",
  "Errored",
  "NotReady",
  "Terminal",
  "Fallback",
  "Unhealthy",
  "Unavailable",
  "Invalid",
  "ConfigurationError",
  "Conflicted",
]);
const NEGATIVE_TYPE_PATTERN =
  /(?:Failed|Failure|Failures|Error|Errors|Degraded|Terminal|Stalled)$|^Not[A-Z]|^Unhealthy/;

/** Condition types whose False means the outcome has been decided and it is a failure. */
const OUTCOME_TYPES = new Set(["Succeeded", "Complete", "Completed"]);

/** Condition types whose True means good. */
const POSITIVE_TYPES = new Set([
  "Ready",
  "Available",
  "Healthy",
  "Synced",
  "Programmed",
  "Accepted",
  "ResolvedRefs",
  "Succeeded",
  "Established",
  "Complete",
  "Completed",
  "Installed",
  "Reconciled",
  "Released",
  "Valid",
  "Bound",
  "Initialized",
  "NamesAccepted",
  "Resolved",
]);
const POSITIVE_TYPE_PATTERN =
  /^[A-Z][A-Za-z.]*(?:Ready|Available|Healthy|Synced|Succeeded|Accepted|Reconciled)$/;

/** A condition reason that says the controller failed, rather than is still working. */
const FAILURE_REASON_PATTERN =
  /Fail|Error|Invalid|NotFound|Degraded|Denied|Forbidden|Rejected|Conflict|Exceeded|BackOff|Backoff|Timeout|TimedOut|Expired|Unreachable|Refused|Missing|Unsupported|NotSupported|Crash|Abort|Unauthorized|Unschedulable|Terminal|NotAllowed|NoMatching|NotPermitted|Unhealthy/;
/** … unless it also says it is waiting or progressing (e.g. "ProgressingWithRetry", "DependencyNotReady"). */
const WAITING_REASON_PATTERN =
  /Progressing|Pending|Waiting|Reconciling|Initializ|Creating|Updating|NotReady|DoesNotExist/;

type Word = "failure" | "progress" | "success";

/** Phase / state / health words, lower-cased without spaces, dashes or underscores → canonical spelling. */
const VOCABULARY: ReadonlyMap<string, readonly [Word, string]> = new Map(
  (
    [
      [
        "failure",
        ["Failed", "Failure", "Error", "Errored", "Degraded", "Unhealthy", "Red", "Invalid", "Rejected"],
      ],
      ["failure", ["Aborted", "Inconclusive", "CrashLoopBackOff", "BackOff", "Crashed", "Broken", "Lost"]],
      [
        "progress",
        ["Pending", "Progressing", "Provisioning", "Creating", "Updating", "Upgrading", "Scaling"],
      ],
      ["progress", ["Initializing", "Initialising", "Starting", "Waiting", "InProgress", "Reconciling"]],
      [
        "progress",
        ["Deploying", "Installing", "Building", "Queued", "New", "Yellow", "Missing", "Restarting"],
      ],
      ["success", ["Ready", "Healthy", "Green", "Succeeded", "Success", "Successful", "Complete"]],
      ["success", ["Completed", "Available", "Bound", "Deployed", "Established", "Synced", "Active"]],
      ["success", ["Done", "Online", "Suspended", "Paused"]],
    ] as const
  ).flatMap(([word, list]) => list.map((w) => [canonicalKey(w), [word, w] as const] as const)),
);

function canonicalKey(s: string): string {
  return s.toLowerCase().replace(/[\s_-]+/g, "");
}

function classifyWord(value: unknown): readonly [Word, string] | undefined {
  if (typeof value !== "string" || value.length === 0 || value.length > 40) return undefined;
  return VOCABULARY.get(canonicalKey(value));
}

export function conditionStatus(value: unknown): "True" | "False" | "Unknown" | "Degraded" | undefined {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value !== "string") return undefined;
  switch (value.toLowerCase()) {
    case "true":
      return "True";
    case "false":
      return "False";
    case "unknown":
      return "Unknown";
    case "degraded":
      return "Degraded";
    default:
      return undefined;
  }
}

export function isNegativeType(type: string): boolean {
  return NEGATIVE_TYPES.has(type) || NEGATIVE_TYPE_PATTERN.test(type) || type.endsWith(".Terminal");
}
export function isPositiveType(type: string): boolean {
  return POSITIVE_TYPES.has(type) || POSITIVE_TYPE_PATTERN.test(type);
}
export function isFailureReason(reason: unknown): boolean {
  return (
    typeof reason === "string" && FAILURE_REASON_PATTERN.test(reason) && !WAITING_REASON_PATTERN.test(reason)
  );
}

// ---------------------------------------------------------------------------------------------
// Reading the object

/** A whole number from a number or a numeric string (Argo Rollouts and Istio write strings). */
export function generationValue(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isInteger(v) ? v : undefined;
  if (typeof v === "string" && /^\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}

interface Condition {
  /** "" for status.conditions, "parents[]" for status.parents[].conditions, … */
  readonly where: string;
  readonly type: string;
  readonly status: ReturnType<typeof conditionStatus>;
  readonly reason: unknown;
  readonly observedGeneration: number | undefined;
}

const MAX_CONDITIONS = 256;
const MAX_TYPE_LENGTH = 63;

/**
 * status.conditions, plus conditions one level down: status.<key>.conditions and
 * status.<key>[].conditions (Gateway API parents and listeners, per-component statuses).
 */
export function collectConditions(status: Record<string, unknown>): Condition[] {
  const out: Condition[] = [];
  const add = (list: unknown, where: string) => {
    if (!Array.isArray(list)) return;
    for (const c of list) {
      if (out.length >= MAX_CONDITIONS) return;
      if (!isPlainObject(c) || typeof c.type !== "string" || c.type === "") continue;
      out.push({
        where,
        type: c.type.length > MAX_TYPE_LENGTH ? c.type.slice(0, MAX_TYPE_LENGTH) : c.type,
        status: conditionStatus(c.status),
        reason: c.reason,
        observedGeneration: generationValue(c.observedGeneration),
      });
    }
  };
  add(status.conditions, "");
  for (const [key, value] of Object.entries(status)) {
    if (key === "conditions") continue;
    if (isPlainObject(value)) add(value.conditions, `${key}.`);
    else if (Array.isArray(value)) {
      for (const item of value) if (isPlainObject(item)) add(item.conditions, `${key}[].`);
    }
  }
  return out;
}

/** The phase / state / health words of a status, with the field that holds each. */
function statusWords(status: Record<string, unknown>): Array<{ field: string; value: unknown }> {
  const out: Array<{ field: string; value: unknown }> = [];
  for (const field of ["phase", "state", "status", "health", "healthStatus", "clusterHealth"]) {
    if (typeof status[field] === "string") out.push({ field, value: status[field] });
  }
  for (const parent of ["health", "state"]) {
    const v = status[parent];
    if (isPlainObject(v) && typeof v.status === "string")
      out.push({ field: `${parent}.status`, value: v.status });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The rules

const verdict = (state: HealthVerdict["state"], reason: string): HealthVerdict => ({ state, reason });

export function assessGeneric(obj: KubeObject): HealthVerdict {
  const meta = isPlainObject(obj.metadata) ? obj.metadata : undefined;
  const deletion = meta?.deletionTimestamp;
  if (typeof deletion === "string" && deletion !== "") return verdict("Terminating", "deletionTimestamp set");
  const status = obj.status;
  if (status === undefined || status === null) return verdict("InProgress", "no status");
  if (!isPlainObject(status)) return verdict("Unknown", "status not an object");
  if (Object.keys(status).length === 0) return verdict("InProgress", "no status");

  const conditions = collectConditions(status);
  const words = statusWords(status);

  // Failed: never hidden behind a generation lag.
  for (const c of conditions) {
    if (c.type === "Stalled" && c.status === "True")
      return verdict("Failed", `condition ${c.where}Stalled=True`);
  }
  for (const c of conditions) {
    if (c.status === "True" && isNegativeType(c.type))
      return verdict("Failed", `condition ${c.where}${c.type}=True`);
    if (c.status === "Degraded") return verdict("Failed", `condition ${c.where}${c.type}=Degraded`);
    if (c.status === "False" && OUTCOME_TYPES.has(c.type))
      return verdict("Failed", `condition ${c.where}${c.type}=False`);
    if (
      c.status === "False" &&
      isFailureReason(c.reason) &&
      (isPositiveType(c.type) || c.type === "Progressing")
    )
      return verdict("Failed", `condition ${c.where}${c.type}=False (failure reason)`);
  }
  for (const { field, value } of words) {
    const w = classifyWord(value);
    if (w?.[0] === "failure") return verdict("Failed", `${field} ${w[1]}`);
  }
  if (status.healthy === false) return verdict("Failed", "healthy=false");

  // InProgress.
  const generation = generationValue(meta?.generation);
  const observed = generationValue(status.observedGeneration);
  if (generation !== undefined && observed !== undefined && observed < generation)
    return verdict("InProgress", "generation not observed");
  if (generation !== undefined) {
    for (const c of conditions) {
      if (c.observedGeneration !== undefined && c.observedGeneration < generation)
        return verdict("InProgress", `condition ${c.where}${c.type} generation not observed`);
    }
  }
  for (const c of conditions) {
    if (c.type === "Reconciling" && c.status === "True")
      return verdict("InProgress", `condition ${c.where}Reconciling=True`);
  }
  for (const c of conditions) {
    if ((c.status === "False" || c.status === "Unknown") && isPositiveType(c.type))
      return verdict("InProgress", `condition ${c.where}${c.type}=${c.status}`);
  }
  for (const { field, value } of words) {
    const w = classifyWord(value);
    if (w?.[0] === "progress") return verdict("InProgress", `${field} ${w[1]}`);
  }
  if (status.ready === false) return verdict("InProgress", "ready=false");

  // Current.
  for (const c of conditions) {
    if (c.status === "True" && isPositiveType(c.type))
      return verdict("Current", `condition ${c.where}${c.type}=True`);
  }
  for (const { field, value } of words) {
    const w = classifyWord(value);
    if (w?.[0] === "success") return verdict("Current", `${field} ${w[1]}`);
  }
  return verdict("Current", "no failure or progress signal");
}
