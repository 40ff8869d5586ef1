// The zero-config `auto` mapper: every object of every kind → cr_* families.
// The contract (family names, labels, values) is documented in docs/metrics.md.

import { labelPair as pair, renderLabelPairs, sanitizeMetricName } from "../exposition.ts";
import { isPlainObject } from "../json.ts";
import type {
  FamilyMeta,
  KindInfo,
  KindMapper,
  KubeObject,
  Mapper,
  MappingResult,
  ObjectState,
} from "../types.ts";
import { type Allowlist, allowedKeys, EMPTY_ALLOWLIST } from "./allowlist.ts";
import { Emitter, type FamilyDef } from "./emit.ts";
import { HEALTH_STATES, healthOf } from "./health.ts";
import { emitKeyValues, emitMetadata, metadataDefs } from "./metadata.ts";
import { RESERVED_LABELS } from "./names.ts";
import { type Node, specNode, statusRoot } from "./schema.ts";
import { StateBuilder } from "./state.ts";
import { Walker } from "./walk.ts";

export { type Allowlist, allowedKeys, EMPTY_ALLOWLIST, parseAllowlist } from "./allowlist.ts";
export { HEALTH_STATES, type HealthState, healthOf } from "./health.ts";
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
  /** Longest label value taken from the object; longer values are cut and reported. */
  readonly maxLabelValueLength: number;
  /** Most items of one list (or entries of one map) walked; the rest are reported. */
  readonly maxListItems: number;
  /** Deepest nesting of objects/lists under .status walked. */
  readonly maxDepth: number;
  /** Most series one object may produce; the rest are reported. */
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

function fixed(name: string, type: FamilyMeta["type"], help: string): FamilyDef {
  return { meta: { name, type, help }, origin: `fixed:${name}` };
}

/** Everything about one kind that does not depend on the object. */
class AutoKindMapper implements KindMapper {
  private readonly kind: KindInfo;
  private readonly o: AutoOptions;
  private readonly kindLabels: string;
  private readonly meta: ReturnType<typeof metadataDefs>;
  private readonly health: FamilyDef;
  private readonly healthLabels: readonly string[];
  private readonly phaseTransitions: FamilyDef;
  private readonly status: Node;
  private readonly phaseNode: Node | undefined;
  private readonly spec: ReadonlyArray<readonly [path: readonly string[], node: Node]>;
  private readonly labelKeys: "all" | string[] | undefined;
  private readonly annotationKeys: "all" | string[] | undefined;

  constructor(kind: KindInfo, o: AutoOptions) {
    this.kind = kind;
    this.o = o;
    const p = o.prefix;
    this.kindLabels = renderLabelPairs([
      ["group", kind.group],
      ["version", kind.version],
      ["kind", kind.kind],
    ]);
    this.meta = metadataDefs(p);
    this.health = fixed(
      `${p}health`,
      "gauge",
      "Heuristic health of a custom resource by the kstatus rules (Terminating, InProgress, Failed, Current; Unknown when .status is unreadable): 1 for the current state, 0 for the others.",
    );
    this.healthLabels = HEALTH_STATES.map((s) => pair("state", s));
    this.phaseTransitions = fixed(
      `${p}status_phase_transitions_total`,
      "counter",
      "Times a custom resource entered each .status.phase value while this exporter watched it (not counted on first sight).",
    );
    this.status = statusRoot(p, kind.schema);
    this.phaseNode = this.status.property("phase");
    this.spec = o.specFields
      .filter((f) => f !== "")
      .map((f) => [f.split("."), specNode(p, kind.schema, f)] as const);
    this.labelKeys = allowedKeys(o.labelsAllowlist, kind.plural, kind.group);
    this.annotationKeys = allowedKeys(o.annotationsAllowlist, kind.plural, kind.group);
  }

  map(obj: KubeObject, previous: ObjectState | undefined): MappingResult {
    try {
      return this.mapUnsafe(obj, previous);
    } catch (err) {
      // Not expected (property tests say so); lose this event's series, keep the state.
      return {
        families: [],
        state: previous,
        issues: [{ reason: "internal_error", detail: `auto mapper: ${(err as Error)?.message}` }],
      };
    }
  }

  private mapUnsafe(obj: KubeObject, previous: ObjectState | undefined): MappingResult {
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
      prefix += `,${pair("namespace", m.namespace)}`;
    }
    prefix += `,${pair("name", m.name)}`;
    const o = this.o;
    const em = new Emitter(prefix, o.maxSeriesPerObject);
    const state = new StateBuilder(previous);

    emitMetadata(em, this.meta, m);
    if (this.labelKeys !== undefined) {
      emitKeyValues(em, this.meta.labels, m.labels, this.labelKeys, "label_", o.maxLabelValueLength);
    }
    if (this.annotationKeys !== undefined) {
      emitKeyValues(
        em,
        this.meta.annotations,
        m.annotations,
        this.annotationKeys,
        "annotation_",
        o.maxLabelValueLength,
      );
    }

    // Before the walk, so the per-object series bound never drops it.
    const health = healthOf(obj);
    for (let i = 0; i < HEALTH_STATES.length; i++) {
      em.add(this.health, this.healthLabels[i]!, HEALTH_STATES[i] === health ? 1 : 0);
    }

    const walker = new Walker(em, o, state);
    const used = [...RESERVED_LABELS];
    for (const [path, node] of this.spec) {
      let v: unknown = obj.spec;
      for (const part of path) v = isPlainObject(v) ? v[part] : undefined;
      if (typeof v === "number" || typeof v === "boolean" || typeof v === "string")
        walker.value(node, v, "", used, 0);
    }

    const status = obj.status;
    if (isPlainObject(status)) {
      walker.object(this.status, status, "", used, 0, []);
      const phase = status.phase;
      if (typeof phase === "string" && phase !== "")
        this.phase(em, state, walker.labelValue(phase, ".status.phase"));
    } else if (status !== undefined && status !== null) {
      em.issue(
        "status_not_object",
        `.status is a ${Array.isArray(status) ? "list" : typeof status}, not an object`,
      );
    }

    return em.result(state.build());
  }

  /** The phase-transition counter: one series per phase entered so far plus the schema's enum. */
  private phase(em: Emitter, state: StateBuilder, phase: string): void {
    const counts = state.setPhase(phase);
    const en = this.phaseNode?.enumValues;
    if (en !== undefined)
      for (const e of en) em.add(this.phaseTransitions, pair("phase", e), counts.get(e) ?? 0);
    for (const [p, n] of counts) if (!en?.includes(p)) em.add(this.phaseTransitions, pair("phase", p), n);
  }
}

/**
 * The auto mapper. Options default to defaultAutoOptions; every kind gets a KindMapper
 * (compiled once per kind and schema: names, enums, formats, HELP).
 */
export function createAutoMapper(options: Partial<AutoOptions> = {}): Mapper {
  const o: AutoOptions = { ...defaultAutoOptions, ...options };
  if (o.prefix !== "" && sanitizeMetricName(o.prefix) !== o.prefix) {
    throw new Error(`metric prefix "${o.prefix}" is not a valid metric name prefix`);
  }
  return {
    forKind(kind: KindInfo): KindMapper {
      return new AutoKindMapper(kind, o);
    },
  };
}
