// The `ksm` mapper: kube-state-metrics' CustomResourceStateMetrics config, compiled once, then
// applied to every object of the kinds it names, producing the series ksm v2.20 produces.
// docs/ksm-compatibility.md says what is identical, what differs and why, and the extensions.

import { IssueList } from "../issues.ts";
import { isPlainObject } from "../json.ts";
import type {
  FamilySamples,
  KindInfo,
  KindMapper,
  KubeObject,
  Mapper,
  MappingResult,
  ObjectState,
} from "../types.ts";
import type { KsmConfig, ResourceSpec } from "./config.ts";
import {
  type CompiledFamily,
  type CounterState,
  compileFamilies,
  MAX_COUNTER_VALUES,
  ObjectBases,
} from "./family.ts";

export { type KsmConfig, KsmConfigError, parseKsmConfig } from "./config.ts";

const matches = (pattern: string, value: string) => pattern === "" || pattern === "*" || pattern === value;

/**
 * The resource entry for a kind read at `kind.version`: group equal, version and kind equal or
 * wildcards. The source reads a kind at every version a config entry names (while served) and
 * at the preferred one for wildcards, so `kind.version` is one of those. When several entries
 * match (a wildcard and an explicit one), the last wins, as in ksm, whose later store replaces
 * the earlier (a known edge: a trailing wildcard also wins at a version another entry pins).
 */
export function resourceFor(config: KsmConfig, kind: KindInfo): ResourceSpec | undefined {
  let found: ResourceSpec | undefined;
  for (const r of config.resources) {
    if (r.group === kind.group && matches(r.version, kind.version) && matches(r.kind, kind.kind)) found = r;
  }
  return found;
}

/** Counter state of one object: family name → series → counts. Opaque to the store. */
type KsmState = ReadonlyMap<string, CounterState>;

class KsmKindMapper implements KindMapper {
  private readonly kind: KindInfo;
  private readonly families: readonly CompiledFamily[];

  constructor(kind: KindInfo, families: readonly CompiledFamily[]) {
    this.kind = kind;
    this.families = families;
  }

  map(obj: KubeObject, previous: ObjectState | undefined): MappingResult {
    if (!isPlainObject(obj))
      return { families: [], issues: [{ reason: "not_an_object", detail: "object is not a JSON object" }] };
    const before = previous instanceof Map ? (previous as KsmState) : undefined;
    // Two metrics may share a name (ksm writes one HELP/TYPE, the first); the store merges
    // families of one name, so each metric's output is handed on as it is.
    const families: FamilySamples[] = [];
    const issues = new IssueList();
    const state = new Map<string, CounterState>();
    const bases = new ObjectBases(obj);
    for (const family of this.families) {
      const name = family.meta.name;
      const out = family.generate(obj, bases, before?.get(name));
      for (const p of out.problems) issues.add(p.reason, `${this.kind.kind} ${name} ${p.path}: ${p.problem}`);
      if (out.duplicates > 0)
        issues.add(
          "duplicate_series",
          `${this.kind.kind} ${name}: the same labels more than once; kept the first`,
        );
      if (out.truncated)
        issues.add(
          "counter_values_limit",
          `${this.kind.kind} ${name}: more than ${MAX_COUNTER_VALUES} values counted; new values ignored`,
        );
      if (out.state) state.set(name, out.state);
      if (out.series > 0) families.push({ meta: family.meta, text: out.text, series: out.series });
    }
    const list = issues.list();
    return { families, ...(state.size > 0 ? { state } : {}), ...(list ? { issues: list } : {}) };
  }
}

/** A Mapper for a validated config (see parseKsmConfig). Kinds the config does not name get none. */
export function createKsmMapper(config: KsmConfig): Mapper {
  return {
    forKind(kind: KindInfo): KindMapper | undefined {
      const resource = resourceFor(config, kind);
      if (!resource || resource.metrics.length === 0) return undefined;
      return new KsmKindMapper(kind, compileFamilies(resource, kind));
    },
  };
}
