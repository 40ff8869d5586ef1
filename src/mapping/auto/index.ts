// The zero-config `auto` mapper: every object of every kind → cr_* families (see docs/metrics.md).
// Minimal first cut: cr_info and the condition families of .status.conditions.

import { renderLabelPairs } from "../exposition.ts";
import type { FamilyMeta, KindInfo, KindMapper, KubeObject, Mapper, MappingResult } from "../types.ts";
import { type Allowlist, EMPTY_ALLOWLIST } from "./allowlist.ts";
import { Emitter, type FamilyDef, pair } from "./emit.ts";
import { conditionStatus, parseTimestamp } from "./values.ts";

export { type Allowlist, allowedKeys, parseAllowlist } from "./allowlist.ts";

export interface AutoOptions {
  /** Prefix of every family name (default `cr_`). */
  readonly prefix: string;
  /** Top-level .spec fields exported as `<prefix>spec_<field>`. */
  readonly specFields: readonly string[];
  readonly labelsAllowlist: Allowlist;
  readonly annotationsAllowlist: Allowlist;
  /** Longest label value taken from the object; longer values are cut and reported. */
  readonly maxLabelValueLength: number;
  /** Most items of one list (or entries of one map) walked; the rest are reported. */
  readonly maxListItems: number;
  /** Deepest nesting under .status walked. */
  readonly maxDepth: number;
  /** Most series one object may produce. */
  readonly maxSeriesPerObject: number;
}

export const defaultAutoOptions: AutoOptions = {
  prefix: "cr_",
  specFields: ["replicas", "suspend", "paused"],
  labelsAllowlist: EMPTY_ALLOWLIST,
  annotationsAllowlist: EMPTY_ALLOWLIST,
  maxLabelValueLength: 128,
  maxListItems: 256,
  maxDepth: 12,
  maxSeriesPerObject: 10_000,
};

const STATUSES = ["True", "False", "Unknown"] as const;

function def(name: string, type: FamilyMeta["type"], help: string): FamilyDef {
  return { meta: { name, type, help }, origin: `fixed:${name}` };
}

export function createAutoMapper(options: Partial<AutoOptions> = {}): Mapper {
  const o: AutoOptions = { ...defaultAutoOptions, ...options };
  return {
    forKind(kind: KindInfo): KindMapper {
      const p = o.prefix;
      const info = def(`${p}info`, "gauge", "Information about a custom resource; always 1.");
      const cond = def(
        `${p}status_condition`,
        "gauge",
        "Status of a condition in .status.conditions: 1 for the current status, 0 for the others.",
      );
      const reason = def(`${p}status_condition_reason`, "gauge", "Reason of a condition; always 1.");
      const ltt = def(
        `${p}status_condition_last_transition_timestamp_seconds`,
        "gauge",
        "Last transition time of a condition, Unix seconds.",
      );
      return {
        map(obj: KubeObject): MappingResult {
          const m = obj?.metadata;
          const name = typeof m?.name === "string" ? m.name : undefined;
          if (name === undefined)
            return { families: [], issues: [{ reason: "no_name", detail: "no metadata.name" }] };
          const labels: Array<[string, string]> = [
            ["group", kind.group],
            ["version", kind.version],
            ["kind", kind.kind],
          ];
          if (kind.namespaced && typeof m?.namespace === "string") labels.push(["namespace", m.namespace]);
          labels.push(["name", name]);
          const em = new Emitter(renderLabelPairs(labels), o.maxSeriesPerObject);
          em.add(info, typeof m?.uid === "string" ? pair("uid", m.uid) : "", 1);
          const status = obj.status as { conditions?: unknown } | undefined;
          const conditions = Array.isArray(status?.conditions) ? status.conditions : [];
          for (const c of conditions as Array<Record<string, unknown>>) {
            if (typeof c?.type !== "string") continue;
            const t = pair("type", c.type);
            const s = conditionStatus(c.status);
            for (const v of STATUSES) em.add(cond, `${t},${pair("status", v)}`, s === v ? 1 : 0);
            if (typeof c.reason === "string" && c.reason !== "")
              em.add(reason, `${t},${pair("reason", c.reason)}`, 1);
            const ts =
              typeof c.lastTransitionTime === "string" ? parseTimestamp(c.lastTransitionTime) : undefined;
            if (ts !== undefined) em.add(ltt, t, ts);
          }
          return em.result(undefined);
        },
      };
    },
  };
}
