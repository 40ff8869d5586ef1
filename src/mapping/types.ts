// The contract between the mappers (pure: object → rendered samples) and the store.
// A mapper never sees the network or the store; it gets one object at a time, plus the small
// per-object state it asked the store to keep last time (for counters), and returns
// pre-rendered sample lines grouped by family.

/** Prometheus metric type as written in `# TYPE` lines. */
export type MetricType = "gauge" | "counter" | "info" | "stateset" | "unknown";

/** Name, type and help of a metric family. Sample lines are rendered separately. */
export interface FamilyMeta {
  /** Full family name as it appears in the TYPE line (for counters: including `_total`). */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
}

/**
 * One object's contribution to one family: complete sample lines, each ending in "\n",
 * with labels already escaped. Identical for text 0.0.4 and OpenMetrics.
 */
export interface FamilySamples {
  readonly meta: FamilyMeta;
  readonly text: string;
  /** Number of sample lines in `text` (for per-kind series limits and self-metrics). */
  readonly series: number;
}

/** Which kind (and served version) an object belongs to, and what the CRD says about it. */
export interface KindInfo {
  readonly group: string;
  /** The version read (the CRD's preferred served version; a label of cr_info only in auto mode). */
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /**
   * The served version's `openAPIV3Schema` (whole object schema), if the CRD has one.
   * Mappers read `.properties.status` and friends from it.
   */
  readonly schema?: JsonSchema;
}

/** The subset of a CRD's JSONSchemaProps the mappers read. */
export interface JsonSchema {
  type?: string;
  format?: string;
  description?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** A Kubernetes object as decoded from JSON. Only these fields are read by name. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

/**
 * Small per-object state a mapper keeps between events (e.g. last seen condition statuses,
 * transition counts). Opaque to the store; must stay small (never the object itself).
 */
export type ObjectState = unknown;

/** A problem found while mapping one object (an unparsable value, a dropped series...). */
export interface MappingIssue {
  /** Stable, low-cardinality reason, used as a self-metric label. */
  readonly reason: string;
  /** Human-readable detail naming the field, for the (rate-limited) log. */
  readonly detail: string;
}

/** Series a mapper did not export by design (a per-object cap, a list past its item limit). */
export interface MappingDrop {
  /** One of MAPPING_DROP_REASONS: the `reason` label of cr_exporter_series_dropped_total. */
  readonly reason: string;
  readonly count: number;
  /** For the (rate-limited) log; "" when nothing more to say. */
  readonly detail: string;
}

/** The reasons of MappingDrop, so their counters can start at 0 for every kind. */
export const MAPPING_DROP_REASONS = ["object_series_limit", "list_items_max"] as const;

export interface MappingResult {
  readonly families: FamilySamples[];
  /** State to hand back on this object's next event; undefined keeps nothing. */
  readonly state?: ObjectState;
  readonly issues?: MappingIssue[];
  readonly dropped?: MappingDrop[];
}

/** A mapper compiled for one kind. Created when a kind starts or its schema changes. */
export interface KindMapper {
  /**
   * Map one object. `previous` is the state returned for the same uid last time, or
   * undefined on first sight. Must be pure with respect to its inputs and never throw
   * for any JSON value of `obj` (bad input becomes issues, not exceptions).
   */
  map(obj: KubeObject, previous: ObjectState | undefined): MappingResult;
}

/** Builds KindMappers. One per mapping mode (auto, ksm). */
export interface Mapper {
  /** Undefined when this mapper has nothing to say about the kind. */
  forKind(kind: KindInfo): KindMapper | undefined;
}
