// Families from metadata (and the allowlisted spec fields): cr_info, creation/deletion
// timestamps, generation, allowlisted labels/annotations.

import { labelPair as pair, sanitizeLabelName } from "../exposition.ts";
import { isPlainObject } from "../json.ts";
import type { Emitter, FamilyDef } from "./emit.ts";
import { truncate } from "./names.ts";
import { parseTimestamp } from "./values.ts";

export interface MetadataDefs {
  readonly info: FamilyDef;
  readonly created: FamilyDef;
  readonly deletion: FamilyDef;
  readonly generation: FamilyDef;
  readonly labels: FamilyDef;
  readonly annotations: FamilyDef;
}

function fixed(name: string, help: string): FamilyDef {
  return { meta: { name, type: "gauge", help }, origin: `fixed:${name}` };
}

export function metadataDefs(prefix: string): MetadataDefs {
  return {
    info: fixed(`${prefix}info`, "Information about a custom resource (uid as a label); always 1."),
    created: fixed(
      `${prefix}created_timestamp_seconds`,
      "Creation time of a custom resource (metadata.creationTimestamp), as Unix seconds.",
    ),
    deletion: fixed(
      `${prefix}deletion_timestamp_seconds`,
      "Deletion request time of a terminating custom resource (metadata.deletionTimestamp), as Unix seconds.",
    ),
    generation: fixed(
      `${prefix}metadata_generation`,
      "Generation of a custom resource's desired state (metadata.generation).",
    ),
    labels: fixed(
      `${prefix}labels`,
      "Allowlisted Kubernetes labels of a custom resource, as label_<key>; always 1.",
    ),
    annotations: fixed(
      `${prefix}annotations`,
      "Allowlisted Kubernetes annotations of a custom resource, as annotation_<key>; always 1.",
    ),
  };
}

function timestamp(em: Emitter, def: FamilyDef, value: unknown, field: string): void {
  if (typeof value !== "string" || value === "") return;
  const t = parseTimestamp(value);
  if (t === undefined) em.issue("unparsable_value", `metadata.${field}: not an RFC 3339 date-time`);
  else em.add(def, "", t);
}

export function emitMetadata(em: Emitter, defs: MetadataDefs, metadata: Record<string, unknown>): void {
  em.add(
    defs.info,
    typeof metadata.uid === "string" && metadata.uid !== "" ? pair("uid", metadata.uid) : "",
    1,
  );
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
