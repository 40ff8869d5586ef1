// The per-kind compiled view of a status schema: one FieldShape per field path, holding what
// the walk needs precomputed (metric names, label-name candidates, enum values, formats, how a
// list or map is exported) and the families it produces, so the walk does lookups, not string
// work. Fields the schema does not declare get shapes built on first sight (cached, bounded).
//
// How a list or map is exported is decided here, from the schema, never from the data:
//   conditions  items with `type` + `status`            → per condition type (conditions.ts)
//   keyed       x-kubernetes-list-map-keys              → per item, keyed by those keys
//   aggregate   any other list                          → length + counts by value (aggregate.ts)
//   map         additionalProperties                    → per key (a map of lists: a length per key)

import { isPlainObject } from "../json.ts";
import type { FamilyMeta, JsonSchema } from "../types.ts";
import type { FamilyDef } from "./emit.ts";
import {
  isEnumLikeName,
  isFreeText,
  isTimeish,
  secondsName,
  segmentOf,
  timestampName,
  uniqueLabel,
} from "./names.ts";

/** Most enum values a state set emits 0-series for; a longer enum emits only the 1-series. */
export const MAX_ENUM_VALUES = 64;
/** Most schemaless children cached per field (beyond that they are built each time). */
const MAX_DYNAMIC_CHILDREN = 128;

function asSchema(v: unknown): JsonSchema | undefined {
  return isPlainObject(v) ? (v as JsonSchema) : undefined;
}

/** A schema's declared properties as a plain record (or undefined). */
function propsOf(s: JsonSchema | undefined): Record<string, unknown> | undefined {
  const p: unknown = s?.properties;
  return isPlainObject(p) ? p : undefined;
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

/** The condition field a shape stands for (their families get fixed HELP wording). */
type ConditionField = "reason" | "lastTransitionTime" | "observedGeneration";
const CONDITION_FIELDS: readonly string[] = ["reason", "lastTransitionTime", "observedGeneration"];

export interface FieldInit {
  /** Path for HELP, issues and family origins: `.status.nodes[*].ready`, `.status.byZone{*}`. */
  readonly path: string;
  /** Metric base name: `cr_status_nodes_ready`. */
  readonly name: string;
  /** snake_case segment of the last field name: the first label-name candidate. */
  readonly seg: string;
  /** Second label-name candidate: parent segment + `_` + seg. */
  readonly altSeg: string;
  readonly schema: JsonSchema | undefined;
  /** "status" or "spec": keeps HELP wording honest for allowlisted spec fields. */
  readonly root: "status" | "spec";
  /** This is the items shape of a condition list. */
  readonly conditionItem?: boolean;
  readonly conditionField?: ConditionField;
}

/** Families of a condition list (on its items shape). */
export interface ConditionDefs {
  readonly status: FamilyDef;
  readonly transitions: FamilyDef;
  /** Aggregate mode: how many items of an unkeyed list have each condition type at each status. */
  readonly counts: FamilyDef;
}

/** What one field path of the status (or an allowlisted spec field) is and produces. */
export class FieldShape {
  readonly path: string;
  readonly name: string;
  readonly seg: string;
  readonly altSeg: string;
  readonly schema: JsonSchema | undefined;
  readonly type: string | undefined;
  readonly format: string | undefined;
  readonly enumValues: readonly string[] | undefined;
  readonly intOrString: boolean;
  /** Never a label: by name or schema description (message, description, error...). */
  readonly freeText: boolean;
  /** Its name has a time word: `5m` is five minutes here, not the quantity 0.005. */
  readonly timeish: boolean;
  /** A string field that reads as a state (schema enum, or a name such as status/phase/state). */
  readonly enumLike: boolean;
  /** The schema declares no properties but keeps unknown fields (or has no schema at all). */
  readonly schemaless: boolean;
  readonly listMapKeys: readonly string[] | undefined;
  /** The schema says this is a list of conditions (items with `type` and `status`). */
  readonly schemaConditions: boolean;
  readonly conditionItem: boolean;
  readonly conditionField: ConditionField | undefined;
  private readonly root: "status" | "spec";

  private props: Map<string, FieldShape> | undefined;
  private dynamic: Map<string, FieldShape> | undefined;
  private itemsShape: FieldShape | undefined;
  private conditionItemsShape: FieldShape | undefined;
  private valuesShape: FieldShape | undefined;
  private readonly defs = new Map<string, FamilyDef>();
  private conditionDefsCache: ConditionDefs | undefined;

  constructor(init: FieldInit) {
    const s = flatten(init.schema);
    this.path = init.path;
    this.name = init.name;
    this.seg = init.seg;
    this.altSeg = init.altSeg;
    this.schema = s;
    this.root = init.root;
    this.conditionItem = init.conditionItem ?? false;
    this.conditionField = init.conditionField;
    this.type = typeof s?.type === "string" ? s.type : undefined;
    this.format = typeof s?.format === "string" ? s.format : undefined;
    const en = Array.isArray(s?.enum) ? s.enum.filter((v): v is string => typeof v === "string") : [];
    this.enumValues = en.length > 0 && en.length <= MAX_ENUM_VALUES ? [...new Set(en)] : undefined;
    this.intOrString = s?.["x-kubernetes-int-or-string"] === true;
    this.freeText = isFreeText(init.seg, typeof s?.description === "string" ? s.description : undefined);
    this.timeish = isTimeish(init.seg) || this.format === "duration";
    this.enumLike =
      this.enumValues !== undefined ||
      (this.type !== "number" &&
        this.type !== "integer" &&
        this.type !== "boolean" &&
        isEnumLikeName(init.seg));
    const props = propsOf(s);
    this.schemaless =
      s === undefined ||
      (props === undefined &&
        asSchema(s.additionalProperties) === undefined &&
        s.additionalProperties !== true &&
        s.items === undefined);
    const keys = s?.["x-kubernetes-list-map-keys"];
    this.listMapKeys =
      s?.["x-kubernetes-list-type"] === "map" &&
      Array.isArray(keys) &&
      keys.length > 0 &&
      keys.every((k) => typeof k === "string")
        ? keys
        : undefined;
    const items = flatten(asSchema(s?.items));
    const status = flatten(propOf(items, "status"));
    this.schemaConditions =
      propOf(items, "type") !== undefined &&
      status !== undefined &&
      (!Array.isArray(status.enum) || status.enum.includes("True") || status.enum.includes("False"));
  }

  /** The child for a declared property, or undefined. */
  property(key: string): FieldShape | undefined {
    let n = this.props?.get(key);
    if (n !== undefined) return n;
    const props = propsOf(this.schema);
    if (props === undefined || !Object.hasOwn(props, key)) return undefined;
    n = this.child(key, asSchema(props[key]));
    this.props ??= new Map();
    this.props.set(key, n);
    return n;
  }

  /** The child for a field the schema does not declare (read by its runtime type). */
  undeclared(key: string): FieldShape {
    let n = this.dynamic?.get(key);
    if (n !== undefined) return n;
    n = this.child(key, undefined);
    this.dynamic ??= new Map();
    if (this.dynamic.size < MAX_DYNAMIC_CHILDREN) this.dynamic.set(key, n);
    return n;
  }

  /** The schema declares map values (additionalProperties). */
  get isDeclaredMap(): boolean {
    const ap = this.schema?.additionalProperties;
    return ap === true || asSchema(ap) !== undefined;
  }

  /** Map values: same name as the map (the key goes to a label). */
  values(): FieldShape {
    this.valuesShape ??= this.derived(
      `${this.path}{*}`,
      this.name,
      asSchema(this.schema?.additionalProperties),
    );
    return this.valuesShape;
  }

  /** List items: same name as the list (the item key goes to a label). */
  items(): FieldShape {
    this.itemsShape ??= this.derived(`${this.path}[*]`, this.name, asSchema(this.schema?.items));
    return this.itemsShape;
  }

  /** Items of this list read as conditions: `.status.conditions` → `cr_status_condition`. */
  conditionItems(): FieldShape {
    if (this.conditionItemsShape === undefined) {
      const base = this.name.endsWith("conditions") ? this.name.slice(0, -1) : `${this.name}_condition`;
      this.conditionItemsShape = new FieldShape({
        path: `${this.path}[*]`,
        name: base,
        seg: this.seg,
        altSeg: this.altSeg,
        schema: asSchema(this.schema?.items),
        root: this.root,
        conditionItem: true,
      });
    }
    return this.conditionItemsShape;
  }

  private derived(path: string, name: string, schema: JsonSchema | undefined): FieldShape {
    return new FieldShape({ path, name, seg: this.seg, altSeg: this.altSeg, schema, root: this.root });
  }

  private child(key: string, schema: JsonSchema | undefined): FieldShape {
    const seg = segmentOf(key);
    const conditionField =
      this.conditionItem && CONDITION_FIELDS.includes(key) ? (key as ConditionField) : undefined;
    return new FieldShape({
      path: `${this.path}.${key}`,
      name: `${this.name}_${seg}`,
      seg,
      altSeg: `${this.seg}_${seg}`,
      schema,
      root: this.root,
      conditionField,
    });
  }

  /**
   * The family of one kind of this field, built on first use: its name and HELP are made once
   * per kind and field, not per sample (these getters run for every sample the walk writes).
   */
  private def(
    kind: string,
    make: () => { name: string; help: string },
    type: FamilyMeta["type"] = "gauge",
  ): FamilyDef {
    let d = this.defs.get(kind);
    if (d === undefined) {
      const { name, help } = make();
      d = { meta: { name, type, help }, origin: kind === "value" ? this.path : `${this.path}#${kind}` };
      this.defs.set(kind, d);
    }
    return d;
  }

  private get where(): string {
    return `custom resource ${this.root} field ${this.path}`;
  }

  /**
   * The gauge (or state set) named after this field. A name a counter family takes in
   * OpenMetrics (`..._transitions`, `..._transitions_total`) gets `_value` appended.
   */
  get valueDef(): FamilyDef {
    return (
      this.defs.get("value") ??
      this.def("value", () => {
        const n = this.name;
        const name = n.endsWith("_transitions") || n.endsWith("_transitions_total") ? `${n}_value` : n;
        if (this.conditionField === "reason")
          return {
            name,
            help: `Reason of each condition in ${this.listPath}; always 1 (the reason is the label).`,
          };
        if (this.conditionField === "observedGeneration")
          return { name, help: `Generation each condition in ${this.listPath} was set for.` };
        return {
          name,
          help: `The ${this.where} (numbers as is; booleans 1/0; quantities and percentages converted; states as a label).`,
        };
      })
    );
  }

  /** The `_timestamp_seconds` family of a date-time field. */
  get timestampDef(): FamilyDef {
    return (
      this.defs.get("timestamp") ??
      this.def("timestamp", () => ({
        name: timestampName(this.name),
        help:
          this.conditionField === "lastTransitionTime"
            ? `Last time each condition in ${this.listPath} changed status, as Unix seconds.`
            : `The ${this.where} (a date-time), as Unix seconds.`,
      }))
    );
  }

  /** The `_seconds` family of a duration field (Go or ISO 8601 duration strings). */
  get secondsDef(): FamilyDef {
    return (
      this.defs.get("seconds") ??
      this.def("seconds", () => ({
        name: secondsName(this.name),
        help: `The ${this.where} (a duration), in seconds.`,
      }))
    );
  }

  /** The `_items` family: number of items of a list / entries of a map. */
  get itemsDef(): FamilyDef {
    return (
      this.defs.get("items") ??
      this.def("items", () => ({
        name: `${this.name}_items`,
        help: `Number of items in the ${this.where}.`,
      }))
    );
  }

  /** Aggregate mode: how many items of the enclosing list have each value of this field. */
  countsDef(list: string): FamilyDef {
    return (
      this.defs.get("counts") ??
      this.def("counts", () => {
        // The items shape of a list of scalars has the list's name: its counts get their own.
        const scalarItems = this.path.endsWith("[*]") || this.path.endsWith("{*}");
        return {
          name: scalarItems ? `${this.name}_value_items` : `${this.name}_items`,
          help: `Number of items of the list ${list} by the value of their field ${this.path} (the value is the label).`,
        };
      })
    );
  }

  /** On a condition-items shape: the condition status family, its transitions counter, its counts. */
  get conditionDefs(): ConditionDefs {
    if (this.conditionDefsCache === undefined) {
      const list = this.listPath;
      this.conditionDefsCache = {
        status: this.def("value", () => ({
          name: this.name,
          help: `Status of each condition in the custom resource's ${list}: 1 for its current status (True, False or Unknown), 0 for the other two.`,
        })),
        transitions: this.def(
          "transitions",
          () => ({
            name: `${this.name}_transitions_total`,
            help: `Changes of status of each condition in ${list} seen by this exporter, by new status (not counted on first sight).`,
          }),
          "counter",
        ),
        counts: this.def("counts", () => ({
          name: `${this.name}_items`,
          help: `Number of items of ${list.replace(/\[\*\]\.[^.[]+$/, "")} whose condition of each type has each status.`,
        })),
      };
    }
    return this.conditionDefsCache;
  }

  /** The condition list this shape belongs to (`.status.conditions` for its items or fields). */
  private get listPath(): string {
    const items = this.conditionItem ? this.path : this.path.slice(0, this.path.lastIndexOf("."));
    return items.endsWith("[*]") ? items.slice(0, -"[*]".length) : items;
  }
}

/** The root shape of `.status` for a kind's object schema. */
export function statusShape(prefix: string, objectSchema: JsonSchema | undefined): FieldShape {
  const status = propOf(flatten(objectSchema), "status");
  return new FieldShape({
    path: ".status",
    name: `${prefix}status`,
    seg: "status",
    altSeg: "status",
    schema: status,
    root: "status",
  });
}

/** The shape of one allowlisted spec field (`replicas` or a dotted path like `template.replicas`). */
export function specShape(prefix: string, objectSchema: JsonSchema | undefined, field: string): FieldShape {
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
  return new FieldShape({ path: `.spec.${field}`, name, seg, altSeg: alt, schema, root: "spec" });
}

/**
 * The label names of a keyed list's keys (`<list>_<key>`, else `<parent>_<list>_<key>`), none of
 * them one of `used` nor each other.
 */
export function keyLabelNames(list: FieldShape, keys: readonly string[], used: readonly string[]): string[] {
  const names: string[] = [];
  for (const k of keys) {
    const s = segmentOf(k);
    names.push(uniqueLabel([`${list.seg}_${s}`, `${list.altSeg}_${s}`], [...used, ...names]));
  }
  return names;
}
