// The zero-config `auto` mapper: every object of every kind → cr_* families.
// The contract (family names, labels, values) is documented in docs/metrics.md.

import { labelPair, renderLabelPairs, sanitizeMetricName } from "../exposition.ts";
import { compileHealthRules, HEALTH_STATES, type HealthRuleSet } from "../health/index.ts";
import { isPlainObject } from "../json.ts";
import type { KindInfo, KindMapper, KubeObject, Mapper, MappingResult, ObjectState } from "../types.ts";
import { type Allowlist, allowedKeys, EMPTY_ALLOWLIST } from "./allowlist.ts";
import { type FixedFamilies, fixedFamilies } from "./catalogue.ts";
import { Emitter } from "./emit.ts";
import { type FieldShape, specShape, statusShape } from "./fields.ts";
import { emitKeyValues, emitMetadata } from "./metadata.ts";
import { RESERVED_LABELS } from "./names.ts";
import { StateBuilder } from "./state.ts";
import { type Scope, Walker } from "./walk.ts";

export { type Allowlist, allowedKeys, EMPTY_ALLOWLIST, parseAllowlist } from "./allowlist.ts";
export type { AutoState } from "./state.ts";

export interface AutoOptions {
  /** Prefix of every family name (default `cr_`; `--metric-prefix`). */
  readonly prefix: string;
  /** .spec fields exported as `<prefix>spec_<field>` (dotted paths allowed; `--spec-fields`). */
  readonly specFields: readonly string[];
  /** `--metric-labels-allowlist`, parsed by parseAllowlist. */
  readonly labelsAllowlist: Allowlist;
  /** `--metric-annotations-allowlist`, parsed by parseAllowlist. */
  readonly annotationsAllowlist: Allowlist;
  /** Longest label value taken from the object; longer strings read as prose (not exported). */
  readonly maxLabelValueLength: number;
  /** Most items of a keyed list (entries of a map) exported one by one (`--list-items-max`). */
  readonly listItemsMax: number;
  /** Deepest nesting of objects/lists under .status walked. */
  readonly maxDepth: number;
  /** Most series one object may produce; the rest are dropped and counted (`--series-limit-per-object`). */
  readonly seriesLimitPerObject: number;
  /** Health rules (built-in per-kind rules plus the config file's `healthRules`). */
  readonly health: HealthRuleSet;
}

export const defaultAutoOptions: Omit<AutoOptions, "health"> = {
  prefix: "cr_",
  specFields: ["replicas", "suspend", "paused"],
  labelsAllowlist: EMPTY_ALLOWLIST,
  annotationsAllowlist: EMPTY_ALLOWLIST,
  maxLabelValueLength: 128,
  listItemsMax: 32,
  maxDepth: 12,
  seriesLimitPerObject: 500,
};

/** Everything about one kind that does not depend on the object. */
class AutoKindMapper implements KindMapper {
  private readonly kind: KindInfo;
  private readonly o: AutoOptions;
  private readonly kindLabels: string;
  private readonly families: FixedFamilies;
  private readonly healthLabels: readonly string[];
  private readonly health: ReturnType<HealthRuleSet["forKind"]>;
  private readonly status: FieldShape;
  private readonly phaseShape: FieldShape | undefined;
  private readonly spec: ReadonlyArray<readonly [path: readonly string[], shape: FieldShape]>;
  private readonly labelKeys: "all" | string[] | undefined;
  private readonly annotationKeys: "all" | string[] | undefined;

  constructor(kind: KindInfo, o: AutoOptions) {
    this.kind = kind;
    this.o = o;
    const p = o.prefix;
    // Identity: no `version` here (it is a label of cr_info only), so a CRD version bump does
    // not give every series a new identity.
    this.kindLabels = renderLabelPairs([
      ["group", kind.group],
      ["kind", kind.kind],
    ]);
    this.families = fixedFamilies(p);
    this.healthLabels = HEALTH_STATES.map((s) => labelPair("state", s));
    const statusSchema = isPlainObject(kind.schema?.properties) ? kind.schema.properties.status : undefined;
    // A kind whose CRD schema declares no status (config-only kinds) is not "waiting for status".
    this.health = o.health.forKind({
      ...kind,
      ...(kind.schema !== undefined ? { statusDeclared: statusSchema !== undefined } : {}),
    });
    this.status = statusShape(p, kind.schema);
    this.phaseShape = this.status.property("phase");
    this.spec = o.specFields
      .filter((f) => f !== "")
      .map((f) => [f.split("."), specShape(p, kind.schema, f)] as const);
    this.labelKeys = allowedKeys(o.labelsAllowlist, kind.plural, kind.group);
    this.annotationKeys = allowedKeys(o.annotationsAllowlist, kind.plural, kind.group);
  }

  map(obj: KubeObject, previous: ObjectState | undefined): MappingResult {
    if (!isPlainObject(obj)) {
      return { families: [], issues: [{ reason: "not_an_object", detail: "object is not a JSON object" }] };
    }
    const m = obj.metadata;
    if (!isPlainObject(m) || typeof m.name !== "string" || m.name === "") {
      return {
        families: [],
        issues: [{ reason: "object_without_name", detail: "object has no metadata.name" }],
      };
    }
    let prefix = this.kindLabels;
    if (this.kind.namespaced && typeof m.namespace === "string" && m.namespace !== "") {
      prefix += `,${labelPair("namespace", m.namespace)}`;
    }
    prefix += `,${labelPair("name", m.name)}`;
    const o = this.o;
    const f = this.families;
    const em = new Emitter(prefix, o.seriesLimitPerObject);
    const state = new StateBuilder(previous);

    // Identity and health first, so the per-object series cap never drops them.
    emitMetadata(em, f, m, this.kind.version);
    const verdict = this.health.assess(obj);
    for (let i = 0; i < HEALTH_STATES.length; i++) {
      em.add(f.health, this.healthLabels[i]!, HEALTH_STATES[i] === verdict.state ? 1 : 0);
    }
    em.add(
      f.healthReason,
      `${this.healthLabels[HEALTH_STATES.indexOf(verdict.state)]},${labelPair("reason", verdict.reason)}`,
      1,
    );
    if (verdict.ruleError !== undefined) em.issue("health_rule_error", verdict.ruleError);

    if (this.labelKeys !== undefined) {
      emitKeyValues(em, f.labels, m.labels, this.labelKeys, "label_", o.maxLabelValueLength);
    }
    if (this.annotationKeys !== undefined) {
      emitKeyValues(
        em,
        f.annotations,
        m.annotations,
        this.annotationKeys,
        "annotation_",
        o.maxLabelValueLength,
      );
    }

    const walker = new Walker(em, o, state);
    const root: Scope = { labels: "", used: RESERVED_LABELS, depth: 0, item: false };
    for (const [path, shape] of this.spec) {
      let v: unknown = obj.spec;
      for (const part of path) v = isPlainObject(v) ? v[part] : undefined;
      if (typeof v === "number" || typeof v === "boolean" || typeof v === "string")
        walker.value(shape, v, root);
    }

    const status = obj.status;
    if (isPlainObject(status)) {
      walker.object(this.status, status, root);
      const phase = status.phase;
      if (typeof phase === "string" && phase !== "" && phase.length <= o.maxLabelValueLength) {
        this.phaseCounter(em, state, phase);
      }
    } else if (status !== undefined && status !== null) {
      em.issue(
        "status_not_object",
        `.status is a ${Array.isArray(status) ? "list" : typeof status}, not an object`,
      );
    }

    return em.result(state.build());
  }

  /** The phase-transition counter: one series per phase entered so far plus the schema's enum. */
  private phaseCounter(em: Emitter, state: StateBuilder, phase: string): void {
    const def = this.families.phaseTransitions;
    const counts = state.setPhase(phase);
    const en = this.phaseShape?.enumValues;
    if (en !== undefined) for (const e of en) em.add(def, labelPair("phase", e), counts.get(e) ?? 0);
    for (const [p, n] of counts) if (!en?.includes(p)) em.add(def, labelPair("phase", p), n);
  }
}

/**
 * The auto mapper. Options default to defaultAutoOptions (health: the built-in rules); every
 * kind gets a KindMapper compiled once per kind and schema (names, enums, formats, HELP).
 */
export function createAutoMapper(options: Partial<AutoOptions> = {}): Mapper {
  const o: AutoOptions = {
    ...defaultAutoOptions,
    health: options.health ?? compileHealthRules(undefined),
    ...options,
  };
  if (o.prefix !== "" && sanitizeMetricName(o.prefix) !== o.prefix) {
    throw new Error(`metric prefix "${o.prefix}" is not a valid metric name prefix`);
  }
  return {
    forKind(kind: KindInfo): KindMapper {
      return new AutoKindMapper(kind, o);
    },
  };
}
