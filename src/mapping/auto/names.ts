// Naming rules of the auto contract: field names → snake_case metric-name segments and label
// names, timestamp names, free-text and time-ish field detection, label-name uniqueness.

import { sanitizeLabelName, toSnakeCase } from "../exposition.ts";

/** A field name as a snake_case segment of a metric name (never empty). */
export function segmentOf(field: string): string {
  const s = toSnakeCase(field);
  return s === "" ? "x" : s;
}

/**
 * The name of a date-time field's family: `_time` / `_timestamp` endings fold into the
 * `_timestamp_seconds` suffix (`last_transition_time` → `last_transition_timestamp_seconds`).
 */
export function timestampName(base: string): string {
  if (base.endsWith("_timestamp_seconds")) return base;
  if (base.endsWith("_timestamp")) return `${base}_seconds`;
  if (base.endsWith("_time")) return `${base.slice(0, -"_time".length)}_timestamp_seconds`;
  return `${base}_timestamp_seconds`;
}

/** The name of a duration field's family: `_seconds` appended unless the name already ends so. */
export function secondsName(base: string): string {
  return base.endsWith("_seconds") ? base : `${base}_seconds`;
}

/**
 * Label names every object series already has, or that Prometheus attaches to every scraped
 * series (`job`, `instance`: with honor_labels a status field named `instance` would replace the
 * target's). A field-derived label never takes one of these.
 */
export const RESERVED_LABELS: readonly string[] = [
  "group",
  "version",
  "kind",
  "namespace",
  "name",
  "job",
  "instance",
];

/**
 * The first candidate label name not already used in the series; else the first candidate with
 * `_2`, `_3`... appended. Candidates are sanitized to the label grammar.
 */
export function uniqueLabel(candidates: readonly string[], used: readonly string[]): string {
  let first = "";
  for (const c of candidates) {
    const name = sanitizeLabelName(c);
    if (first === "") first = name;
    if (!used.includes(name)) return name;
  }
  for (let i = 2; ; i++) {
    const name = `${first}_${i}`;
    if (!used.includes(name)) return name;
  }
}

const FREE_TEXT_NAMES = new Set([
  "message",
  "messages",
  "msg",
  "description",
  "details",
  "detail",
  "hint",
  "note",
  "notes",
  "text",
  "summary",
  "comment",
  "comments",
  "explanation",
  "error",
  "errors",
  "last_error",
  "error_message",
  "stderr",
  "stdout",
  "output",
  "log",
  "logs",
]);

const FREE_TEXT_DESCRIPTION = /human[- ]readable|free[- ]?form|free[- ]text/i;

/**
 * Is a string field free text (never a label)? By name (`message`, `description`, `*_message`,
 * `error`...) or by a schema description that says so ("human-readable", "free-form").
 */
export function isFreeText(seg: string, description: string | undefined): boolean {
  if (FREE_TEXT_NAMES.has(seg) || seg.endsWith("_message") || seg.endsWith("_messages")) return true;
  if (seg.endsWith("_description") || seg.endsWith("_details")) return true;
  return description !== undefined && FREE_TEXT_DESCRIPTION.test(description);
}

/**
 * Is a string value prose rather than a label (a sentence, an error string, a blob)? Longer
 * than `max`, a line break, or white space: identifiers, reasons, versions, URLs and hashes
 * have none. A state field (`phase`, `state`) may hold a short phrase from its controller's
 * vocabulary (CloudNativePG's phases read "Cluster is unrecoverable and needs manual
 * intervention"): up to 64 characters and ten words, no sentence punctuation.
 */
export function isProse(value: string, max: number, phraseOk = false): boolean {
  if (value.length > max || value.includes("\n")) return true;
  if (!/\s/.test(value)) return false;
  if (!phraseOk || value.length > 64 || /[:;,.!?()"'`]/.test(value)) return true;
  return value.trim().split(/\s+/).length > 10;
}

/** State fields whose values may be short phrases (see isProse). */
export function isPhraseState(seg: string): boolean {
  return seg === "phase" || seg === "state" || seg.endsWith("_phase") || seg.endsWith("_state");
}

/** Field names whose string values are states from a small vocabulary (countable, labelable). */
const ENUM_NAMES = new Set([
  "status",
  "phase",
  "state",
  "health",
  "result",
  "reason",
  "mode",
  "conclusion",
  "outcome",
  "severity",
  "level",
  "sync",
  "type",
]);
const ENUM_SUFFIXES = ["_status", "_phase", "_state", "_health", "_result", "_reason", "_mode", "_type"];

/**
 * Does a field's name say its string values are states (`status`, `phase`, `syncStatus`,
 * `healthState`, `type`: Argo CD's conditions carry no status, only a type such as SyncError)? Used where the schema has no enum, to decide what a list's items are
 * counted by and which strings of a keyed item are exported.
 */
export function isEnumLikeName(seg: string): boolean {
  return ENUM_NAMES.has(seg) || ENUM_SUFFIXES.some((s) => seg.endsWith(s));
}

const TIME_WORDS = new Set([
  "duration",
  "timeout",
  "interval",
  "period",
  "delay",
  "ttl",
  "backoff",
  "age",
  "elapsed",
  "latency",
  "wait",
  "window",
  "retention",
  "uptime",
  "time",
  "lag",
  "frequency",
  "expiry",
  "expiration",
  "deadline",
  "grace",
]);

/**
 * Does a field name suggest a duration (so `5m` means five minutes, not 0.005)? True when one
 * of its snake_case words is a time word (`sync_interval`, `timeout_seconds`, `ttl`).
 */
export function isTimeish(seg: string): boolean {
  let start = 0;
  for (let i = 0; i <= seg.length; i++) {
    if (i === seg.length || seg[i] === "_") {
      if (i > start && TIME_WORDS.has(seg.slice(start, i))) return true;
      start = i + 1;
    }
  }
  return false;
}

/** Is `key` shaped like a struct field name (so a schemaless object is a struct, not a map)? */
export function isIdentifier(key: string): boolean {
  if (key.length === 0 || key.length > 64) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

/** Cut a string to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end);
}
