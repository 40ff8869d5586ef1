// The walk of .status: every value becomes samples by its (schema or runtime) type.
//   number/bool → gauge; string → read.ts (timestamp, seconds, number, state or nothing);
//   object → its fields (struct) or its entries (map, key as a label);
//   list → conditions, keyed items, or aggregates (length + counts by value), as fields.ts
//   decided from the schema.
// Inside a keyed item or map entry ("item scope") only numbers, booleans, timestamps and
// states are exported, and nested lists give their length (conditions: per type), so an
// object's series stay bounded by --list-items-max per list, whatever the data.

import { joinLabels, labelPair } from "../exposition.ts";
import { isPlainObject } from "../json.ts";
import { aggregateList } from "./aggregate.ts";
import { emitConditionList, looksLikeConditions } from "./conditions.ts";
import type { Emitter } from "./emit.ts";
import { type FieldShape, keyLabelNames } from "./fields.ts";
import { isIdentifier, uniqueLabel } from "./names.ts";
import { readString } from "./read.ts";
import type { StateBuilder } from "./state.ts";

export interface WalkLimits {
  readonly maxLabelValueLength: number;
  /** Most items of a keyed list (entries of a map) exported one by one; beyond: aggregates. */
  readonly listItemsMax: number;
  readonly maxDepth: number;
}

/** Where the walk is: the labels of enclosing keys (rendered), their names, the depth. */
export interface Scope {
  readonly labels: string;
  /** Label names already in the series (object labels + enclosing keys): never reused. */
  readonly used: readonly string[];
  readonly depth: number;
  /** Inside a keyed item or map entry. */
  readonly item: boolean;
}

/** A schemaless object with more keys than this is read as a map, not a struct. */
export const MAX_STRUCT_FIELDS = 64;

export class Walker {
  readonly em: Emitter;
  readonly limits: WalkLimits;
  readonly state: StateBuilder;

  constructor(em: Emitter, limits: WalkLimits, state: StateBuilder) {
    this.em = em;
    this.limits = limits;
    this.state = state;
  }

  /** The scope one level down, with one more key label. */
  nested(scope: Scope, label: string, value: string): Scope {
    return {
      labels: joinLabels(scope.labels, labelPair(label, value)),
      used: [...scope.used, label],
      depth: scope.depth,
      item: scope.item,
    };
  }

  value(field: FieldShape, v: unknown, scope: Scope): void {
    if (v === null || v === undefined) return;
    switch (typeof v) {
      case "number":
        this.em.add(field.valueDef, scope.labels, v);
        return;
      case "boolean":
        this.em.add(field.valueDef, scope.labels, v ? 1 : 0);
        return;
      case "string":
        this.string(field, v, scope);
        return;
      case "object": {
        if (scope.depth >= this.limits.maxDepth) {
          this.em.issue(
            "depth_limit",
            `${field.path}: nested deeper than ${this.limits.maxDepth} levels, not walked`,
          );
          return;
        }
        const down: Scope = { ...scope, depth: scope.depth + 1 };
        if (Array.isArray(v)) this.list(field, v, down);
        else this.object(field, v as Record<string, unknown>, down);
        return;
      }
      default:
        // bigint, function, symbol: not JSON; nothing to export.
        this.em.issue("unparsable_value", `${field.path}: a ${typeof v} is not a JSON value`);
    }
  }

  string(field: FieldShape, s: string, scope: Scope): void {
    const r = readString(field, s, this.limits.maxLabelValueLength);
    switch (r.as) {
      case "number":
        this.em.add(field.valueDef, scope.labels, r.value);
        return;
      case "timestamp":
        this.em.add(field.timestampDef, scope.labels, r.value);
        return;
      case "seconds":
        this.em.add(field.secondsDef, scope.labels, r.value);
        return;
      case "state":
        if (!scope.item || field.enumLike) this.stateSet(field, s, scope);
        return;
      case "unparsable":
        this.em.issue("unparsable_value", `${field.path}: not a valid ${field.format} value`);
        return;
      default:
    }
  }

  /** A state set: 1 for the current value, 0 for the schema's other enum values. */
  stateSet(field: FieldShape, current: string, scope: Scope): void {
    const label = uniqueLabel([field.seg, field.altSeg], scope.used);
    const def = field.valueDef;
    const en = field.enumValues;
    if (en !== undefined) {
      for (const e of en)
        this.em.add(def, joinLabels(scope.labels, labelPair(label, e)), e === current ? 1 : 0);
      if (en.includes(current)) return;
    }
    this.em.add(def, joinLabels(scope.labels, labelPair(label, current)), 1);
  }

  object(field: FieldShape, obj: Record<string, unknown>, scope: Scope, skip: readonly string[] = []): void {
    if (field.schemaless && field.path !== ".status") {
      // No declared shape: a struct if its keys look like field names and are not too many
      // (each field is a family name), else a map. (.status itself is always a struct.)
      let n = 0;
      for (const key in obj) {
        if (!isIdentifier(key) || ++n > MAX_STRUCT_FIELDS) {
          this.map(field, obj, Object.keys(obj), scope);
          return;
        }
      }
    }
    const declaredMap = field.isDeclaredMap;
    let mapKeys: string[] | undefined;
    for (const key in obj) {
      if (skip.length > 0 && skip.includes(key)) continue;
      const child = field.property(key);
      if (child !== undefined) this.value(child, obj[key], scope);
      else if (declaredMap) {
        mapKeys ??= [];
        mapKeys.push(key);
      } else this.value(field.undeclared(key), obj[key], scope);
    }
    if (mapKeys !== undefined) this.map(field, obj, mapKeys, scope);
  }

  /**
   * Map entries, keyed by the map key in a `<field>_key` label. A map of lists gives one
   * length per key; past --list-items-max entries, aggregates only.
   */
  private map(field: FieldShape, obj: Record<string, unknown>, keys: readonly string[], scope: Scope): void {
    // A map inside a keyed item or map entry: its keys would multiply the item's series.
    if (scope.item) return;
    const values = field.values();
    const label = uniqueLabel([`${field.seg}_key`, `${field.altSeg}_key`], scope.used);
    // One label-name list for every entry (not a copy per entry).
    const used = [...scope.used, label];
    const entry = (key: string): Scope => ({
      labels: joinLabels(scope.labels, labelPair(label, key)),
      used,
      depth: scope.depth,
      item: true,
    });
    const ofLists = keys.length > 0 && keys.every((k) => Array.isArray(obj[k]));
    if (keys.length > this.limits.listItemsMax) {
      this.em.add(field.itemsDef, scope.labels, keys.length);
      this.overflow(field, keys.length);
      if (!ofLists)
        aggregateList(
          this,
          values,
          keys.map((k) => obj[k]),
          scope,
          field.path,
        );
      return;
    }
    if (ofLists) {
      for (const key of keys) this.em.add(field.itemsDef, entry(key).labels, (obj[key] as unknown[]).length);
      return;
    }
    this.em.add(field.itemsDef, scope.labels, keys.length);
    for (const key of keys) this.value(values, obj[key], entry(key));
  }

  private list(field: FieldShape, arr: readonly unknown[], scope: Scope): void {
    const items = field.items();
    if (field.schemaConditions || (items.schemaless && looksLikeConditions(arr))) {
      emitConditionList(this, field, arr, scope);
      return;
    }
    this.em.add(field.itemsDef, scope.labels, arr.length);
    if (scope.item) return; // a list inside a keyed item: its length only
    const keys = field.listMapKeys;
    if (keys !== undefined && arr.length > 0) {
      if (arr.length > this.limits.listItemsMax) this.overflow(field, arr.length);
      else if (!uniqueKeys(arr, keys))
        this.em.issue(
          "duplicate_list_key",
          `${field.path}: items miss or repeat the list-map keys; aggregated`,
        );
      else {
        this.keyedItems(field, arr, keys, scope);
        return;
      }
    }
    aggregateList(this, items, arr, scope, field.path);
  }

  /** A list with declared list-map keys: each item's numbers, booleans, timestamps and states. */
  private keyedItems(
    field: FieldShape,
    arr: readonly unknown[],
    keys: readonly string[],
    scope: Scope,
  ): void {
    const items = field.items();
    const names = keyLabelNames(field, keys, scope.used);
    const used = [...scope.used, ...names];
    for (const item of arr) {
      if (!isPlainObject(item)) continue;
      let labels = scope.labels;
      for (let j = 0; j < keys.length; j++)
        labels = joinLabels(labels, labelPair(names[j]!, keyString(item[keys[j]!])));
      this.object(items, item, { labels, used, depth: scope.depth, item: true }, keys);
    }
  }

  /** A list or map past --list-items-max: exported as aggregates; the items not exported are counted. */
  private overflow(field: FieldShape, size: number): void {
    this.em.drop(
      "list_items_max",
      size,
      `${field.path}: ${size} items, more than --list-items-max ${this.limits.listItemsMax}; exported as aggregates only`,
    );
  }
}

function keyString(v: unknown): string {
  return typeof v === "string" ? v : String(v);
}

/** Every item has every key as a non-empty scalar, and no two items have the same keys. */
function uniqueKeys(arr: readonly unknown[], fields: readonly string[]): boolean {
  const seen = new Set<string>();
  for (const item of arr) {
    if (!isPlainObject(item)) return false;
    let k = "";
    for (const f of fields) {
      const v = item[f];
      if (typeof v === "string") {
        if (v === "") return false;
      } else if (typeof v !== "number" && typeof v !== "boolean") return false;
      k += `${String(v)}\u0000`;
    }
    if (seen.has(k)) return false;
    seen.add(k);
  }
  return true;
}
