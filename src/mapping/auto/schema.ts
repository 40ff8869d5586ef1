// The per-kind compiled view of a status schema: one Node per field path, holding everything
// map() needs precomputed (metric names, label-name candidates, enum values, formats, HELP and
// family definitions), so that the walk does lookups, not string work. Fields the schema does
// not declare get Nodes built on first sight (cached per parent, bounded).

import type { JsonSchema } from "../types.ts";
import type { FamilyDef } from "./emit.ts";
import { isFreeText, isTimeish, segmentOf, timestampName } from "./names.ts";

/** Most enum values a state set emits 0-series for; a longer enum emits only the 1-series. */
export const MAX_ENUM_VALUES = 64;
/** Most schemaless children cached per node (beyond that they are built each time). */
const MAX_DYNAMIC_CHILDREN = 128;

function asSchema(v: unknown): JsonSchema | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as JsonSchema) : undefined;
}

/** A schema's declared properties as a plain record (or undefined). */
function propsOf(s: JsonSchema | undefined): Record<string, unknown> | undefined {
  const p: unknown = s?.properties;
  return p !== null && typeof p === "object" && !Array.isArray(p)
    ? (p as Record<string, unknown>)
    : undefined;
}

/** The declared property `key` of `s` (own properties only). */
function propOf(s: JsonSchema | undefined, key: string): JsonSchema | undefined {
  const p = propsOf(s);
  return p !== undefined && Object.hasOwn(p, key) ? asSchema(p[key]) : undefined;
}

/**
 * Fold allOf/anyOf/oneOf into one schema (structural CRD schemas use them only for
 * validation, and for int-or-string as anyOf [integer, string]). The node's own keywords win.
 */
export function flatten(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (schema === undefined) return undefined;
  const subs = [schema.allOf, schema.anyOf, schema.oneOf].filter(Array.isArray).flat();
  if (subs.length === 0) return schema;
  const out: JsonSchema = { ...schema };
  const types = new Set<string>();
  for (const raw of subs) {
    const sub = flatten(asSchema(raw));
    if (sub === undefined) continue;
    if (typeof sub.type === "string") types.add(sub.type);
    out.type ??= sub.type;
    out.format ??= sub.format;
    out.description ??= sub.description;
    out.enum ??= sub.enum;
    out.items ??= sub.items;
    out.additionalProperties ??= sub.additionalProperties;
    out["x-kubernetes-list-map-keys"] ??= sub["x-kubernetes-list-map-keys"];
    out["x-kubernetes-preserve-unknown-fields"] ??= sub["x-kubernetes-preserve-unknown-fields"];
    out["x-kubernetes-int-or-string"] ??= sub["x-kubernetes-int-or-string"];
    if (sub.properties) out.properties = { ...sub.properties, ...out.properties };
  }
  if (types.has("integer") && types.has("string")) out["x-kubernetes-int-or-string"] = true;
  return out;
}

export interface NodeHelp {
  readonly value: string;
  readonly timestamp: string;
  readonly count: string;
}

/** What a node's kind of family is called in HELP texts (fixed wording for condition fields). */
function helpFor(path: string, conditionField: string | undefined): NodeHelp {
  const list = conditionField === undefined ? "" : path.slice(0, -`[*].${conditionField}`.length);
  const count = `Number of items in the custom resource's status field ${path}.`;
  if (conditionField === "reason")
    return {
      value: `Reason of each condition in ${list}; always 1 (the reason is the label).`,
      timestamp: `Custom resource status field ${path}, as Unix seconds.`,
      count,
    };
  if (conditionField === "lastTransitionTime")
    return {
      value: `Custom resource status field ${path}.`,
      timestamp: `Last time each condition in ${list} changed status, as Unix seconds.`,
      count,
    };
  if (conditionField === "observedGeneration")
    return {
      value: `Generation each condition in ${list} was set for.`,
      timestamp: `Custom resource status field ${path}, as Unix seconds.`,
      count,
    };
  return {
    value:
      `Custom resource status field ${path} (numbers as is; booleans 1/0; quantities, percentages and durations ` +
      "converted; strings as a state set labeled with the value).",
    timestamp: `Custom resource status field ${path} (a date-time), as Unix seconds.`,
    count,
  };
}

export interface ConditionDefs {
  readonly status: FamilyDef;
  readonly transitions: FamilyDef;
}

/** One field path of the status (or an allowlisted spec field). */
export class Node {
  /** Path for HELP, issues and family origins: `.status.nodes[*].ready`, `.status.byZone{*}`. */
  readonly path: string;
  /** Metric base name: `cr_status_nodes_ready`. */
  readonly name: string;
  /** snake_case segment of the last field name: the first label-name candidate. */
  readonly seg: string;
  /** Second label-name candidate: parent segment + `_` + seg. */
  readonly altSeg: string;
  readonly schema: JsonSchema | undefined;
  readonly type: string | undefined;
  readonly format: string | undefined;
  readonly enumValues: readonly string[] | undefined;
  readonly intOrString: boolean;
  readonly freeText: boolean;
  readonly timeish: boolean;
  /** The schema declares no properties but keeps unknown fields (or has no schema at all). */
  readonly schemaless: boolean;
  readonly listMapKeys: readonly string[] | undefined;
  /** The schema says this is a list of conditions (items with `type` and `status`). */
  readonly schemaConditions: boolean;
  /** Set on the items node of a condition list: the name of the condition field, if standard. */
  readonly conditionItem: boolean;
  readonly help: NodeHelp;
  /** Prefix + "status" or "spec": used to keep HELP wording for spec fields honest. */
  private readonly root: string;

  private props: Map<string, Node> | undefined;
  private dynamic: Map<string, Node> | undefined;
  private itemsNode: Node | undefined;
  private conditionItemsNode: Node | undefined;
  private valuesNode: Node | undefined;
  private valueDefCache: FamilyDef | undefined;
  private timestampDefCache: FamilyDef | undefined;
  private countDefCache: FamilyDef | undefined;
  private conditionDefsCache: ConditionDefs | undefined;

  constructor(
    path: string,
    name: string,
    seg: string,
    altSeg: string,
    schema: JsonSchema | undefined,
    root: string,
    conditionItem = false,
    conditionField?: string,
  ) {
    const s = flatten(schema);
    this.path = path;
    this.name = name;
    this.seg = seg;
    this.altSeg = altSeg;
    this.schema = s;
    this.root = root;
    this.conditionItem = conditionItem;
    this.type = typeof s?.type === "string" ? s.type : undefined;
    this.format = typeof s?.format === "string" ? s.format : undefined;
    const en = Array.isArray(s?.enum) ? s.enum.filter((v): v is string => typeof v === "string") : [];
    this.enumValues = en.length > 0 && en.length <= MAX_ENUM_VALUES ? [...new Set(en)] : undefined;
    this.intOrString = s?.["x-kubernetes-int-or-string"] === true;
    this.freeText = isFreeText(seg, typeof s?.description === "string" ? s.description : undefined);
    this.timeish = isTimeish(seg) || this.format === "duration";
    const props = propsOf(s);
    this.schemaless =
      s === undefined ||
      (props === undefined &&
        asSchema(s.additionalProperties) === undefined &&
        s.additionalProperties !== true &&
        s.items === undefined);
    const keys = s?.["x-kubernetes-list-map-keys"];
    this.listMapKeys =
      Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === "string") ? keys : undefined;
    const items = flatten(asSchema(s?.items));
    const status = flatten(propOf(items, "status"));
    this.schemaConditions =
      propOf(items, "type") !== undefined &&
      status !== undefined &&
      (!Array.isArray(status.enum) || status.enum.includes("True") || status.enum.includes("False"));
    this.help = helpFor(path, conditionField);
  }

  /** The child for a declared property, or undefined. */
  property(key: string): Node | undefined {
    let n = this.props?.get(key);
    if (n !== undefined) return n;
    const props = propsOf(this.schema);
    if (props === undefined || !Object.hasOwn(props, key)) return undefined;
    n = this.makeChild(key, asSchema(props[key]));
    this.props ??= new Map();
    this.props.set(key, n);
    return n;
  }

  /** The child for a field the schema does not declare (walked by its runtime type). */
  undeclared(key: string): Node {
    let n = this.dynamic?.get(key);
    if (n !== undefined) return n;
    n = this.makeChild(key, undefined);
    this.dynamic ??= new Map();
    if (this.dynamic.size < MAX_DYNAMIC_CHILDREN) this.dynamic.set(key, n);
    return n;
  }

  /** The schema of map values (additionalProperties), or undefined when this is no declared map. */
  get mapSchema(): JsonSchema | boolean | undefined {
    const ap = this.schema?.additionalProperties;
    if (ap === true) return true;
    return asSchema(ap);
  }

  /** Map values: same name as the map (the key goes to a label). */
  values(): Node {
    this.valuesNode ??= new Node(
      `${this.path}{*}`,
      this.name,
      this.seg,
      this.altSeg,
      asSchema(this.schema?.additionalProperties),
      this.root,
    );
    return this.valuesNode;
  }

  /** List items: same name as the list (the item key goes to a label). */
  items(): Node {
    this.itemsNode ??= new Node(
      `${this.path}[*]`,
      this.name,
      this.seg,
      this.altSeg,
      asSchema(this.schema?.items),
      this.root,
    );
    return this.itemsNode;
  }

  /** Items of this list read as conditions: `.status.conditions` → `cr_status_condition`. */
  conditionItems(): Node {
    if (this.conditionItemsNode === undefined) {
      const base = this.name.endsWith("conditions") ? this.name.slice(0, -1) : `${this.name}_condition`;
      this.conditionItemsNode = new Node(
        `${this.path}[*]`,
        base,
        this.seg,
        this.altSeg,
        asSchema(this.schema?.items),
        this.root,
        true,
      );
    }
    return this.conditionItemsNode;
  }

  private makeChild(key: string, schema: JsonSchema | undefined): Node {
    const seg = segmentOf(key);
    const field = this.conditionItem && ["reason", "lastTransitionTime", "observedGeneration"].includes(key);
    return new Node(
      `${this.path}.${key}`,
      `${this.name}_${seg}`,
      seg,
      `${this.seg}_${seg}`,
      schema,
      this.root,
      false,
      field ? key : undefined,
    );
  }

  /**
   * The gauge (or state set) family named after this field. A field whose name would end like
   * a transitions counter (`..._transitions_total`) gets `_value` appended, so a gauge never
   * takes a counter's name.
   */
  get valueDef(): FamilyDef {
    const name = this.name.endsWith("_transitions_total") ? `${this.name}_value` : this.name;
    this.valueDefCache ??= { meta: { name, type: "gauge", help: this.helpText("value") }, origin: this.path };
    return this.valueDefCache;
  }

  /** The `_timestamp_seconds` family of a date-time field. */
  get timestampDef(): FamilyDef {
    this.timestampDefCache ??= {
      meta: { name: timestampName(this.name), type: "gauge", help: this.helpText("timestamp") },
      origin: this.path,
    };
    return this.timestampDefCache;
  }

  /** The `_count` family of a list or map. */
  get countDef(): FamilyDef {
    this.countDefCache ??= {
      meta: { name: `${this.name}_count`, type: "gauge", help: this.help.count },
      origin: `${this.path}#count`,
    };
    return this.countDefCache;
  }

  /** On a condition-items node: the condition status family and its transitions counter. */
  get conditionDefs(): ConditionDefs {
    if (this.conditionDefsCache === undefined) {
      const list = this.path.slice(0, -"[*]".length);
      this.conditionDefsCache = {
        status: {
          meta: {
            name: this.name,
            type: "gauge",
            help: `Status of each condition in the custom resource's ${list}: 1 for its current status (True, False or Unknown), 0 for the other two.`,
          },
          origin: this.path,
        },
        transitions: {
          meta: {
            name: `${this.name}_transitions_total`,
            type: "counter",
            help: `Changes of status of each condition in ${list} seen by this exporter, by new status (not counted on first sight).`,
          },
          origin: `${this.path}#transitions`,
        },
      };
    }
    return this.conditionDefsCache;
  }

  private helpText(which: "value" | "timestamp"): string {
    const text = this.help[which];
    return this.root === "spec" ? text.replace("status field", "spec field") : text;
  }
}

/** The root node of `.status` for a kind's object schema. */
export function statusRoot(prefix: string, objectSchema: JsonSchema | undefined): Node {
  const status = propOf(flatten(objectSchema), "status");
  return new Node(".status", `${prefix}status`, "status", "status", status, "status");
}

/** The node of one allowlisted spec field (`replicas` or a dotted path like `template.replicas`). */
export function specNode(prefix: string, objectSchema: JsonSchema | undefined, field: string): Node {
  let schema = propOf(flatten(objectSchema), "spec");
  let name = `${prefix}spec`;
  let seg = "spec";
  let alt = "spec";
  for (const part of field.split(".")) {
    schema = propOf(flatten(schema), part);
    const s = segmentOf(part);
    alt = `${seg}_${s}`;
    seg = s;
    name = `${name}_${s}`;
  }
  return new Node(`.spec.${field}`, name, seg, alt, schema, "spec");
}
