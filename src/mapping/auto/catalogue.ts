// The auto mapper's fixed families: every family whose name does not come from a field path,
// in one place (docs/metrics.md lists them; test/unit/auto-docs.test.ts checks that it does).

import type { FamilyMeta } from "../types.ts";
import type { FamilyDef } from "./emit.ts";

function fixed(name: string, help: string, type: FamilyMeta["type"] = "gauge"): FamilyDef {
  return { meta: { name, type, help }, origin: `fixed:${name}` };
}

export interface FixedFamilies {
  readonly info: FamilyDef;
  readonly created: FamilyDef;
  readonly deletion: FamilyDef;
  readonly generation: FamilyDef;
  readonly labels: FamilyDef;
  readonly annotations: FamilyDef;
  readonly health: FamilyDef;
  readonly healthReason: FamilyDef;
  readonly phaseTransitions: FamilyDef;
}

export function fixedFamilies(prefix: string): FixedFamilies {
  const p = prefix;
  return {
    info: fixed(
      `${p}info`,
      "Information about a custom resource: the served version read and the uid as labels; always 1.",
    ),
    created: fixed(
      `${p}created_timestamp_seconds`,
      "Creation time of a custom resource (metadata.creationTimestamp), as Unix seconds.",
    ),
    deletion: fixed(
      `${p}deletion_timestamp_seconds`,
      "Deletion request time of a terminating custom resource (metadata.deletionTimestamp), as Unix seconds.",
    ),
    generation: fixed(
      `${p}metadata_generation`,
      "Generation of a custom resource's desired state (metadata.generation).",
    ),
    labels: fixed(
      `${p}labels`,
      "Allowlisted Kubernetes labels of a custom resource, as label_<key>; always 1.",
    ),
    annotations: fixed(
      `${p}annotations`,
      "Allowlisted Kubernetes annotations of a custom resource, as annotation_<key>; always 1.",
    ),
    health: fixed(
      `${p}health`,
      "Health verdict of a custom resource (Current, InProgress, Failed, Terminating; Unknown when .status is unreadable): 1 for the current state, 0 for the others.",
    ),
    healthReason: fixed(
      `${p}health_reason`,
      "Which rule decided the health verdict of a custom resource (state and reason as labels); always 1.",
    ),
    phaseTransitions: fixed(
      `${p}status_phase_transitions_total`,
      "Times a custom resource entered each .status.phase value while this exporter watched it (not counted on first sight).",
      "counter",
    ),
  };
}
