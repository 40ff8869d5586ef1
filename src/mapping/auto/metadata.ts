// Samples from metadata: cr_info (with the served version: the one label that may change when
// a CRD gains a new preferred version), creation/deletion timestamps, generation, allowlisted
// labels/annotations.

import { labelPair as pair, sanitizeLabelName } from "../exposition.ts";
import { isPlainObject } from "../json.ts";
import type { FixedFamilies } from "./catalogue.ts";
import type { Emitter, FamilyDef } from "./emit.ts";
import { truncate } from "./names.ts";
import { parseTimestamp } from "./values.ts";

function timestamp(em: Emitter, def: FamilyDef, value: unknown, field: string): void {
  if (typeof value !== "string" || value === "") return;
  const t = parseTimestamp(value);
  if (t === undefined) em.issue("unparsable_value", `metadata.${field}: not an RFC 3339 date-time`);
  else em.add(def, "", t);
}

export function emitMetadata(
  em: Emitter,
  defs: FixedFamilies,
  metadata: Record<string, unknown>,
  version: string,
): void {
  const uid = typeof metadata.uid === "string" && metadata.uid !== "" ? `,${pair("uid", metadata.uid)}` : "";
  em.add(defs.info, `${pair("version", version)}${uid}`, 1);
  timestamp(em, defs.created, metadata.creationTimestamp, "creationTimestamp");
  timestamp(em, defs.deletion, metadata.deletionTimestamp, "deletionTimestamp");
  if (typeof metadata.generation === "number") em.add(defs.generation, "", metadata.generation);
}

/**
 * `cr_labels{label_<key>="v"}` / `cr_annotations{annotation_<key>="v"}` for the allowed keys
 * (sorted, so two keys that sanitize to one label name resolve the same way every time).
 */
export function emitKeyValues(
  em: Emitter,
  def: FamilyDef,
  source: unknown,
  allowed: "all" | readonly string[],
  labelPrefix: "label_" | "annotation_",
  maxValueLength: number,
): void {
  const map = isPlainObject(source) ? source : {};
  const keys = allowed === "all" ? Object.keys(map).sort() : [...allowed].sort();
  const names: string[] = [];
  let labels = "";
  for (const key of keys) {
    const value = map[key];
    if (typeof value !== "string") continue;
    const name = sanitizeLabelName(`${labelPrefix}${key}`);
    if (names.includes(name)) {
      em.issue("label_name_collision", `metadata: keys map to the same label name ${name}; kept the first`);
      continue;
    }
    names.push(name);
    if (value.length > maxValueLength) {
      em.issue(
        "label_truncated",
        `metadata: value of ${labelPrefix}${key} cut to ${maxValueLength} characters`,
      );
    }
    labels += `${labels === "" ? "" : ","}${pair(name, truncate(value, maxValueLength))}`;
  }
  em.add(def, labels, 1);
}
