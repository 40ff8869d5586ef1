// The walk of .status: every value becomes samples by its (schema or runtime) type.
//   number/bool → gauge; string → timestamp / number (quantity, %, duration) / state set;
//   object → its fields (struct) or its entries (map, key as a label);
//   list → conditions, keyed objects, or scalars, plus `_count`.
// Labels of enclosing lists/maps are carried down as an already-rendered string (`ctx`),
// their names in `used` (a stack) so no series ever gets a label name twice.

import { joinLabels, labelPair as pair } from "../exposition.ts";
import { isPlainObject } from "../json.ts";
import { emitConditionList, looksLikeConditions } from "./conditions.ts";
import type { Emitter } from "./emit.ts";
import { isIdentifier, segmentOf, truncate, uniqueLabel } from "./names.ts";
import type { Node } from "./schema.ts";
import type { StateBuilder } from "./state.ts";
import {
  looksLikeTimestamp,
  parseDate,
  parseDuration,
  parsePercent,
  parseQuantity,
  parseTimestamp,
} from "./values.ts";

export interface WalkLimits {
  readonly maxLabelValueLength: number;
  readonly maxListItems: number;
  readonly maxDepth: number;
}

/** How a string value is exported. */
const SKIP = 0;
const NUMBER = 1;
const TIMESTAMP = 2;
const STATE = 3;
const UNPARSABLE = 4;
type StringKind = typeof SKIP | typeof NUMBER | typeof TIMESTAMP | typeof STATE | typeof UNPARSABLE;

function isDigitLead(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

const NO_SKIP: readonly string[] = [];

/** A schemaless object with more keys than this is read as a map, not a struct. */
export const MAX_STRUCT_FIELDS = 64;

export class Walker {
  readonly em: Emitter;
  readonly limits: WalkLimits;
  readonly state: StateBuilder;
  /** The number parsed by the last classify() that returned NUMBER or TIMESTAMP. */
  private num = 0;

  constructor(em: Emitter, limits: WalkLimits, state: StateBuilder) {
    this.em = em;
    this.limits = limits;
    this.state = state;
  }

  /** A label value taken from the object, cut to the length cap (and reported when cut). */
  labelValue(s: string, path: string): string {
    if (s.length <= this.limits.maxLabelValueLength) return s;
    this.em.issue(
      "label_truncated",
      `${path}: label value longer than ${this.limits.maxLabelValueLength} characters cut`,
    );
    return truncate(s, this.limits.maxLabelValueLength);
  }

  value(node: Node, v: unknown, ctx: string, used: string[], depth: number): void {
    if (v === null || v === undefined || this.em.isFull()) return;
    switch (typeof v) {
      case "number":
        this.em.add(node.valueDef, ctx, v);
        return;
      case "boolean":
        this.em.add(node.valueDef, ctx, v ? 1 : 0);
        return;
      case "string":
        this.string(node, v, ctx, used);
        return;
      case "object":
        if (depth >= this.limits.maxDepth) {
          this.em.issue(
            "depth_limit",
            `${node.path}: nested deeper than ${this.limits.maxDepth} levels, not walked`,
          );
          return;
        }
        if (Array.isArray(v)) this.list(node, v, ctx, used, depth + 1);
        else this.object(node, v as Record<string, unknown>, ctx, used, depth + 1, NO_SKIP);
        return;
      default:
        // bigint, function, symbol: not JSON; nothing to export.
        this.em.issue("unparsable_value", `${node.path}: a ${typeof v} is not a JSON value`);
    }
  }

  /** Classify a string; the number (if any) is left in `this.num`. */
  private classify(node: Node, s: string): StringKind {
    if (s === "") return SKIP;
    const format = node.format;
    if (format === "date-time") return this.parsed(parseTimestamp(s), TIMESTAMP);
    if (format === "date") return this.parsed(parseDate(s), TIMESTAMP);
    if (format === "duration") return this.parsed(parseDuration(s), NUMBER);
    if (node.enumValues !== undefined) return STATE;
    if (looksLikeTimestamp(s)) {
      const t = parseTimestamp(s);
      if (t !== undefined) {
        this.num = t;
        return TIMESTAMP;
      }
    }
    const last = s.charCodeAt(s.length - 1);
    if (last === 37 /* % */) {
      const p = parsePercent(s);
      if (p !== undefined) {
        this.num = p;
        return NUMBER;
      }
    } else if (isDigitLead(s.charCodeAt(0))) {
      const n = node.timeish
        ? (parseDuration(s) ?? parseQuantity(s))
        : (parseQuantity(s) ?? parseDuration(s));
      if (n !== undefined) {
        this.num = n;
        return NUMBER;
      }
    }
    if (node.freeText || s.includes("\n")) return SKIP;
    return STATE;
  }

  private parsed(n: number | undefined, kind: StringKind): StringKind {
    if (n === undefined) return UNPARSABLE;
    this.num = n;
    return kind;
  }

  string(node: Node, s: string, ctx: string, used: string[]): void {
    switch (this.classify(node, s)) {
      case NUMBER:
        this.em.add(node.valueDef, ctx, this.num);
        return;
      case TIMESTAMP:
        this.em.add(node.timestampDef, ctx, this.num);
        return;
      case STATE:
        this.stateSet(node, [s], ctx, used);
        return;
      case UNPARSABLE:
        this.em.issue("unparsable_value", `${node.path}: not a valid ${node.format} value`);
        return;
      default:
    }
  }

  /**
   * A state set: 1 for each current value, 0 for the schema's other enum values. The label is
   * named after the field.
   */
  private stateSet(node: Node, current: readonly string[], ctx: string, used: string[]): void {
    const label = uniqueLabel([node.seg, node.altSeg], used);
    const def = node.valueDef;
    const en = node.enumValues;
    const max = this.limits.maxLabelValueLength;
    if (en !== undefined) {
      for (const e of en) {
        this.em.add(def, joinLabels(ctx, pair(label, truncate(e, max))), current.includes(e) ? 1 : 0);
      }
    }
    for (const s of current) {
      if (en?.includes(s)) continue;
      this.em.add(def, joinLabels(ctx, pair(label, this.labelValue(s, node.path))), 1);
    }
  }

  object(
    node: Node,
    obj: Record<string, unknown>,
    ctx: string,
    used: string[],
    depth: number,
    skip: readonly string[],
  ): void {
    if (node.schemaless && node.path !== ".status") {
      // No declared shape: a struct if its keys look like field names and are not too many
      // (each field is a family name), else a map. (.status itself is always a struct.)
      let n = 0;
      for (const key in obj) {
        if (!isIdentifier(key) || ++n > MAX_STRUCT_FIELDS) {
          this.map(node, obj, Object.keys(obj), ctx, used, depth);
          return;
        }
      }
    }
    const declaredMap = node.mapSchema !== undefined;
    let mapKeys: string[] | undefined;
    for (const key in obj) {
      if (this.em.isFull()) return;
      if (skip.length > 0 && skip.includes(key)) continue;
      const child = node.property(key);
      if (child !== undefined) this.value(child, obj[key], ctx, used, depth);
      else if (declaredMap) {
        mapKeys ??= [];
        mapKeys.push(key);
      } else this.value(node.undeclared(key), obj[key], ctx, used, depth);
    }
    if (mapKeys !== undefined) this.map(node, obj, mapKeys, ctx, used, depth);
  }

  /** Map entries: the key in a `<field>_key` label, the value walked under the map's name. */
  private map(
    node: Node,
    obj: Record<string, unknown>,
    keys: readonly string[],
    ctx: string,
    used: string[],
    depth: number,
  ): void {
    this.em.add(node.countDef, ctx, keys.length);
    const values = node.values();
    const label = uniqueLabel([`${node.seg}_key`, `${node.altSeg}_key`], used);
    used.push(label);
    const n = Math.min(keys.length, this.limits.maxListItems);
    if (n < keys.length) {
      this.em.issue("list_truncated", `${node.path}: only the first ${n} of a map's entries walked`);
    }
    for (let i = 0; i < n && !this.em.isFull(); i++) {
      const key = keys[i]!;
      this.value(
        values,
        obj[key],
        joinLabels(ctx, pair(label, this.labelValue(key, node.path))),
        used,
        depth,
      );
    }
    used.pop();
  }

  private list(node: Node, arr: readonly unknown[], ctx: string, used: string[], depth: number): void {
    const n = Math.min(arr.length, this.limits.maxListItems);
    if (node.schemaConditions || (node.items().schemaless && looksLikeConditions(arr, n))) {
      emitConditionList(this, node, arr, ctx, used, depth);
      return;
    }
    this.em.add(node.countDef, ctx, arr.length);
    if (n < arr.length) {
      this.em.issue("list_truncated", `${node.path}: only the first ${n} of ${arr.length} items walked`);
    }
    let objects = n > 0;
    for (let i = 0; i < n; i++) {
      const item = arr[i];
      if (!isPlainObject(item) && item !== null) {
        objects = false;
        break;
      }
    }
    if (objects) this.objectList(node, arr, n, ctx, used, depth);
    else this.scalarList(node, arr, n, ctx, used, depth);
  }

  /** Lists of objects: keyed by list-map keys, else name / type / id, else the index. */
  private objectList(
    node: Node,
    arr: readonly unknown[],
    n: number,
    ctx: string,
    used: string[],
    depth: number,
  ): void {
    const items = node.items();
    const keys = this.chooseKeys(node, arr, n);
    const mark = used.length;
    const names: string[] = [];
    for (const k of keys ?? ["index"]) {
      const s = segmentOf(k);
      const name = uniqueLabel([`${node.seg}_${s}`, `${node.altSeg}_${s}`], used);
      names.push(name);
      used.push(name);
    }
    for (let i = 0; i < n && !this.em.isFull(); i++) {
      const item = arr[i];
      if (!isPlainObject(item)) continue;
      let itemCtx = ctx;
      if (keys === undefined) itemCtx = joinLabels(itemCtx, pair(names[0]!, String(i)));
      else {
        for (let j = 0; j < keys.length; j++) {
          itemCtx = joinLabels(
            itemCtx,
            pair(names[j]!, this.labelValue(keyString(item[keys[j]!]), node.path)),
          );
        }
      }
      this.object(items, item, itemCtx, used, depth, keys ?? NO_SKIP);
    }
    used.length = mark;
  }

  /**
   * The item key of a list: the schema's list-map keys, else the first of name/type/id that
   * every item has as a scalar with no two items equal; undefined means "by index".
   */
  private chooseKeys(node: Node, arr: readonly unknown[], n: number): readonly string[] | undefined {
    const candidates: Array<readonly string[]> = [];
    if (node.listMapKeys !== undefined) candidates.push(node.listMapKeys);
    candidates.push(["name"], ["type"], ["id"]);
    for (const cand of candidates) {
      if (uniqueKeys(arr, n, cand)) return cand;
      if (cand === node.listMapKeys) {
        this.em.issue(
          "duplicate_list_key",
          `${node.path}: items miss or repeat the list-map keys; keyed otherwise`,
        );
      }
    }
    return undefined;
  }

  /** Lists of scalars: strings as a set (value label), numbers and the rest by index. */
  private scalarList(
    node: Node,
    arr: readonly unknown[],
    n: number,
    ctx: string,
    used: string[],
    depth: number,
  ): void {
    const items = node.items();
    let members: string[] | undefined;
    let indexLabel: string | undefined;
    for (let i = 0; i < n && !this.em.isFull(); i++) {
      const v = arr[i];
      if (v === null || v === undefined) continue;
      let kind: StringKind = NUMBER;
      if (typeof v === "string") {
        kind = this.classify(items, v);
        if (kind === SKIP) continue;
        if (kind === STATE) {
          members ??= [];
          if (!members.includes(v)) members.push(v);
          continue;
        }
        if (kind === UNPARSABLE) {
          this.em.issue("unparsable_value", `${items.path}: not a valid ${items.format} value`);
          continue;
        }
      }
      indexLabel ??= uniqueLabel([`${node.seg}_index`, `${node.altSeg}_index`], used);
      const itemCtx = joinLabels(ctx, pair(indexLabel, String(i)));
      if (typeof v !== "string") {
        used.push(indexLabel);
        this.value(items, v, itemCtx, used, depth);
        used.pop();
      } else this.em.add(kind === TIMESTAMP ? items.timestampDef : items.valueDef, itemCtx, this.num);
    }
    if (members !== undefined || items.enumValues !== undefined)
      this.stateSet(items, members ?? [], ctx, used);
  }
}

function keyString(v: unknown): string {
  return typeof v === "string" ? v : String(v);
}

function uniqueKeys(arr: readonly unknown[], n: number, fields: readonly string[]): boolean {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const item = arr[i];
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
