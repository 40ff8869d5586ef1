// What the auto mapper will produce for one kind, read from its CRD schema alone: every family
// (type, labels, source field path), how each list and map is exported, and which fields are
// skipped and why. The walk follows src/mapping/auto/walk.ts, aggregate.ts and conditions.ts
// step by step but over the schema instead of a value, and takes every name (families, labels)
// from the mapper's own compiled view (FieldShape, catalogue, uniqueLabel), so it cannot drift
// from the mapper's naming rules. test/unit/explain.test.ts checks it against what the mapper
// emits for real objects.

import { fixedFamilies } from "../mapping/auto/catalogue.ts";
import type { FamilyDef } from "../mapping/auto/emit.ts";
import { type FieldShape, keyLabelNames, specShape, statusShape } from "../mapping/auto/fields.ts";
import { type AutoOptions, allowedKeys } from "../mapping/auto/index.ts";
import { RESERVED_LABELS, uniqueLabel } from "../mapping/auto/names.ts";
import type { JsonSchema, KindInfo } from "../mapping/types.ts";

/** How a list or map field is exported. */
export type Treatment =
  | "conditions"
  | "keyed"
  | "aggregate"
  | "map"
  | "map-of-lists"
  | "length-only"
  | "conditions-or-aggregate";

export interface PlannedFamily {
  readonly name: string;
  readonly type: string;
  /** Label names after the object's (group, kind, namespace, name). */
  readonly labels: readonly string[];
  /** Field paths (or `metadata.*` / `health` for fixed families) that feed it. */
  readonly sources: readonly string[];
  /** Only in some cases: e.g. only when a keyed list is longer than --list-items-max. */
  readonly when?: string;
}

export interface PlannedList {
  readonly path: string;
  readonly treatment: Treatment;
  /** One line saying what is exported. */
  readonly detail: string;
  /** For aggregates: the item fields counted by value. */
  readonly countsBy?: readonly string[];
  /** For keyed lists: the key fields. */
  readonly keys?: readonly string[];
}

export interface SkippedField {
  readonly path: string;
  readonly why: string;
}

export interface KindPlan {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** The object labels every series starts with. */
  readonly objectLabels: readonly string[];
  readonly families: PlannedFamily[];
  readonly lists: PlannedList[];
  readonly skipped: SkippedField[];
  /** Fields whose schema leaves their shape open: read by their runtime type. */
  readonly runtime: SkippedField[];
  /** Families a plain string field gives instead of its state when its value reads as a date-time or duration. */
  readonly byValue: string[];
}

export type PlanOptions = Pick<
  AutoOptions,
  "prefix" | "specFields" | "labelsAllowlist" | "annotationsAllowlist" | "listItemsMax"
>;

/** Where the static walk is: label names of enclosing keys, label names taken, item scope. */
interface At {
  readonly labels: readonly string[];
  readonly used: readonly string[];
  readonly item: boolean;
  readonly depth: number;
  /** Set while planning the aggregates of a list that only aggregates past --list-items-max. */
  readonly when?: string;
}

const MAX_DEPTH = 12;
/** As aggregate.ts: how deep inside an item state fields are counted. */
const MAX_ITEM_DEPTH = 3;

function propertyNames(s: JsonSchema | undefined): string[] {
  const p = s?.properties;
  return p !== null && typeof p === "object" && !Array.isArray(p) ? Object.keys(p) : [];
}

function hasProperties(shape: FieldShape): boolean {
  return propertyNames(shape.schema).length > 0;
}

/** The kind of value a shape's schema declares. */
function typeOf(shape: FieldShape): "number" | "boolean" | "string" | "object" | "array" | "open" {
  const t = shape.type;
  if (t === "integer" || t === "number") return "number";
  if (t === "boolean") return "boolean";
  if (t === "string" || shape.intOrString) return "string";
  if (t === "array" || (t === undefined && shape.schema?.items !== undefined)) return "array";
  if (t === "object" || hasProperties(shape) || shape.isDeclaredMap) {
    return hasProperties(shape) || shape.isDeclaredMap ? "object" : "open";
  }
  return "open";
}

class Planner {
  private readonly families = new Map<string, { f: PlannedFamily; sources: Set<string> }>();
  readonly lists: PlannedList[] = [];
  readonly skipped: SkippedField[] = [];
  readonly runtime: SkippedField[] = [];
  /** Families a plain string field gives when its value reads as a date-time or a duration. */
  readonly byValue = new Set<string>();
  private readonly listItemsMax: number;

  constructor(listItemsMax: number) {
    this.listItemsMax = listItemsMax;
  }

  family(
    def: FamilyDef | { meta: { name: string; type: string } },
    labels: readonly string[],
    source: string,
    when?: string,
  ): void {
    const name = def.meta.name;
    const existing = this.families.get(name);
    if (existing !== undefined) {
      existing.sources.add(source);
      return;
    }
    const f: PlannedFamily = {
      name,
      type: def.meta.type,
      labels: [...labels],
      sources: [],
      ...(when ? { when } : {}),
    };
    this.families.set(name, { f, sources: new Set([source]) });
  }

  has(name: string): boolean {
    return this.families.has(name);
  }

  result(): PlannedFamily[] {
    return [...this.families.values()].map(({ f, sources }) => ({ ...f, sources: [...sources] }));
  }

  /** walk.ts value(): one field by its declared type. */
  value(shape: FieldShape, at: At): void {
    const path = shape.path;
    switch (typeOf(shape)) {
      case "number":
        this.family(shape.valueDef, at.labels, path, at.when);
        return;
      case "boolean":
        this.family(shape.valueDef, at.labels, `${path} (1/0)`, at.when);
        return;
      case "string":
        this.string(shape, at);
        return;
      case "object":
        if (at.depth >= MAX_DEPTH) {
          this.skipped.push({ path, why: `nested deeper than ${MAX_DEPTH} levels` });
          return;
        }
        this.object(shape, { ...at, depth: at.depth + 1 });
        return;
      case "array":
        if (at.depth >= MAX_DEPTH) {
          this.skipped.push({ path, why: `nested deeper than ${MAX_DEPTH} levels` });
          return;
        }
        this.list(shape, { ...at, depth: at.depth + 1 });
        return;
      default:
        this.runtime.push({
          path,
          why: "the schema does not declare its shape (x-kubernetes-preserve-unknown-fields or no type): read by the value's type",
        });
    }
  }

  /** read.ts readString(), as far as the schema decides it. */
  private string(shape: FieldShape, at: At): void {
    const path = shape.path;
    const f = shape.format;
    const label = uniqueLabel([shape.seg, shape.altSeg], at.used);
    if (f === "date-time" || f === "date") this.family(shape.timestampDef, at.labels, path, at.when);
    else if (f === "duration") this.family(shape.secondsDef, at.labels, path, at.when);
    else if (shape.enumValues !== undefined)
      this.family(
        shape.valueDef,
        [...at.labels, label],
        `${path} (state set: enum of ${shape.enumValues.length})`,
        at.when,
      );
    else if (shape.seg === "observed_generation") this.family(shape.valueDef, at.labels, path, at.when);
    else if (shape.intOrString) this.family(shape.valueDef, at.labels, `${path} (int-or-string)`, at.when);
    else this.plainString(shape, label, at);
  }

  /** A string field with no format or enum: the value decides between a state, a timestamp, a duration, a number. */
  private plainString(shape: FieldShape, label: string, at: At): void {
    const path = shape.path;
    if (shape.freeText) {
      this.skipped.push({ path, why: "free text (by its name or schema description): never a label" });
      return;
    }
    const byValue = [shape.timestampDef.meta.name, shape.secondsDef.meta.name];
    for (const n of byValue) this.byValue.add(n);
    if (at.item && !shape.enumLike) {
      this.skipped.push({
        path,
        why: `not a state, inside a keyed item or map entry: exported only when its value reads as a date-time, duration or quantity (${byValue.join(", ")})`,
      });
      return;
    }
    this.family(
      shape.valueDef,
      [...at.labels, label],
      shape.enumLike
        ? `${path} (state: the value as label)`
        : `${path} (a string: the value as label; or, by its value, ${byValue.join(" / ")} or a number; nothing if prose)`,
      at.when,
    );
  }

  /** walk.ts object(): a struct's fields, or a map's entries. */
  private object(shape: FieldShape, at: At, skip: readonly string[] = []): void {
    const props = propertyNames(shape.schema);
    if (shape.isDeclaredMap && props.length === 0) {
      if (at.item) {
        this.skipped.push({
          path: shape.path,
          why: "a map inside a keyed item or map entry: not exported (its keys would multiply the item's series)",
        });
        return;
      }
      this.map(shape, at);
      return;
    }
    for (const key of props) {
      if (skip.includes(key)) continue;
      const child = shape.property(key);
      if (child !== undefined) this.value(child, at);
    }
    if (shape.isDeclaredMap && !at.item) this.map(shape, at, " (undeclared keys)");
  }

  /** walk.ts map(): per key, or a length per key for a map of lists. */
  private map(shape: FieldShape, at: At, note = ""): void {
    const values = shape.values();
    const label = uniqueLabel([`${shape.seg}_key`, `${shape.altSeg}_key`], at.used);
    const nested: At = {
      labels: [...at.labels, label],
      used: [...at.used, label],
      item: true,
      depth: at.depth,
      ...(at.when ? { when: at.when } : {}),
    };
    const over = `past --list-items-max ${this.listItemsMax} entries`;
    if (typeOf(values) === "array") {
      this.family(shape.itemsDef, nested.labels, `${shape.path} (entries' lengths)`, at.when);
      this.family(
        shape.itemsDef,
        at.labels,
        `${shape.path} (number of entries, without the key label, ${over})`,
        over,
      );
      this.lists.push({
        path: shape.path + note,
        treatment: "map-of-lists",
        detail: `map of lists: the length of each entry's list, keyed by ${label} (up to --list-items-max ${this.listItemsMax} keys; beyond, the number of entries only)`,
      });
      return;
    }
    this.family(shape.itemsDef, at.labels, `${shape.path} (entries)`, at.when);
    this.lists.push({
      path: shape.path + note,
      treatment: "map",
      detail: `map: per entry keyed by ${label} (numbers, booleans, timestamps, states), up to --list-items-max ${this.listItemsMax} entries; beyond, its length and counts by state only`,
    });
    this.value(values, nested);
    this.aggregate(values, { ...at, when: over }, shape.path, true);
  }

  /** walk.ts list(). */
  private list(shape: FieldShape, at: At): void {
    const items = shape.items();
    if (shape.schemaConditions) {
      this.conditions(shape, at);
      return;
    }
    const open = typeOf(items) === "open";
    this.family(shape.itemsDef, at.labels, `${shape.path} (length)`, at.when);
    if (at.item) {
      this.lists.push({
        path: shape.path,
        treatment: "length-only",
        detail: "a list inside a keyed item or map entry: its length only",
      });
      return;
    }
    const keys = shape.listMapKeys;
    if (keys !== undefined) {
      this.keyed(shape, keys, at);
      this.aggregate(
        items,
        { ...at, when: `past --list-items-max ${this.listItemsMax} items, or when keys repeat` },
        shape.path,
        false,
      );
      return;
    }
    if (open) {
      this.lists.push({
        path: shape.path,
        treatment: "conditions-or-aggregate",
        detail:
          "no item schema: condition families when every item reads as a condition (type + True/False/Unknown status), else its length and counts by state",
      });
      return;
    }
    const countsBy = this.aggregate(items, at, shape.path, false);
    this.lists.push({
      path: shape.path,
      treatment: "aggregate",
      detail:
        countsBy.length > 0
          ? `no declared key: its length, and counts of items by ${countsBy.join(", ")}; never one series per item`
          : "no declared key: its length only (no state field in its items); never one series per item",
      countsBy,
    });
  }

  /** conditions.ts emitConditionList(). */
  private conditions(shape: FieldShape, at: At): void {
    const items = shape.conditionItems();
    const defs = items.conditionDefs;
    const typeLabel = uniqueLabel(["type", `${shape.seg}_type`], at.used);
    const statusLabel = uniqueLabel(["status", `${shape.seg}_status`], [...at.used, typeLabel]);
    this.family(defs.status, [...at.labels, typeLabel, statusLabel], `${shape.path}[*].status`, at.when);
    this.family(
      defs.transitions,
      [...at.labels, typeLabel, statusLabel],
      `${shape.path}[*].status (changes seen)`,
      at.when,
    );
    this.lists.push({
      path: shape.path,
      treatment: "conditions",
      detail: `conditions: per condition type (${typeLabel}), one series per status (${statusLabel}); reason, times and generation per type; message never`,
    });
    const inner: At = {
      labels: [...at.labels, typeLabel],
      used: [...at.used, typeLabel, statusLabel],
      item: at.item,
      depth: at.depth,
      ...(at.when ? { when: at.when } : {}),
    };
    this.object(items, inner, ["type", "status"]);
  }

  /** walk.ts keyedItems(). */
  private keyed(shape: FieldShape, keys: readonly string[], at: At): void {
    const items = shape.items();
    const names = keyLabelNames(shape, keys, at.used);
    const used = [...at.used, ...names];
    this.lists.push({
      path: shape.path,
      treatment: "keyed",
      detail: `keyed by ${keys.join(", ")} (labels ${names.join(", ")}): per item numbers, booleans, timestamps and states, up to --list-items-max ${this.listItemsMax} items; beyond, its length and counts by state only`,
      keys,
    });
    this.object(
      items,
      {
        labels: [...at.labels, ...names],
        used,
        item: true,
        depth: at.depth,
        ...(at.when ? { when: at.when } : {}),
      },
      keys,
    );
  }

  /**
   * aggregate.ts: the counts of a list's items by the value of their state fields (and
   * booleans), and their condition lists' counts. Returns the field paths counted.
   */
  private aggregate(items: FieldShape, at: At, listPath: string, quiet: boolean): string[] {
    const counted: string[] = [];
    const scalar = typeOf(items);
    if (scalar === "boolean" || scalar === "string") {
      if (this.countable(items)) {
        this.family(
          items.countsDef(listPath),
          [...at.labels, uniqueLabel([items.seg, items.altSeg], at.used)],
          `${items.path} (count by value)`,
          at.when,
        );
        counted.push("value");
      }
      return counted;
    }
    if (scalar === "object") this.countFields(items, at, listPath, 1, counted, quiet);
    return counted;
  }

  private countable(shape: FieldShape): boolean {
    const t = typeOf(shape);
    return t === "boolean" || (t === "string" && shape.enumLike && !shape.freeText);
  }

  private countFields(
    shape: FieldShape,
    at: At,
    listPath: string,
    depth: number,
    counted: string[],
    quiet: boolean,
  ): void {
    for (const key of propertyNames(shape.schema)) {
      const child = shape.property(key);
      if (child === undefined) continue;
      const t = typeOf(child);
      const rel = child.path.slice(listPath.length + "[*].".length);
      if (t === "array") {
        if (child.schemaConditions) {
          const def = child.conditionItems().conditionDefs.counts;
          const typeLabel = uniqueLabel(["type", `${child.seg}_type`], at.used);
          const statusLabel = uniqueLabel(["status", `${child.seg}_status`], [...at.used, typeLabel]);
          this.family(
            def,
            [...at.labels, typeLabel, statusLabel],
            `${child.path} (items by condition type and status)`,
            at.when,
          );
          counted.push(`${rel} (conditions)`);
        }
      } else if (t === "object") {
        if (depth < MAX_ITEM_DEPTH && !child.isDeclaredMap)
          this.countFields(child, at, listPath, depth + 1, counted, quiet);
      } else if (this.countable(child)) {
        const label = uniqueLabel([child.seg, child.altSeg], at.used);
        this.family(
          child.countsDef(listPath),
          [...at.labels, label],
          `${child.path} (count by value)`,
          at.when,
        );
        counted.push(rel);
      } else if (!quiet && at.when === undefined && (t === "string" || t === "number")) {
        this.skipped.push({
          path: child.path,
          why:
            t === "number"
              ? "a number in the items of an unkeyed list: not exported (the list is aggregated)"
              : child.freeText
                ? "free text (by its name or schema description): never a label"
                : "not a state field, in the items of an unkeyed list: not counted (a label per value would grow with the items)",
        });
      }
    }
  }
}

/** The plan of one kind: every family the auto mapper may produce for its objects. */
export function planKind(kind: KindInfo, o: PlanOptions): KindPlan {
  const fixed = fixedFamilies(o.prefix);
  const p = new Planner(o.listItemsMax);
  p.family(fixed.info, ["version", "uid"], "every object (1)");
  p.family(fixed.created, [], "metadata.creationTimestamp");
  p.family(fixed.deletion, [], "metadata.deletionTimestamp (while terminating)");
  p.family(fixed.generation, [], "metadata.generation");
  p.family(fixed.health, ["state"], "health verdict (docs/health.md)");
  p.family(fixed.healthReason, ["state", "reason"], "the health rule that decided");
  if (allowedKeys(o.labelsAllowlist, kind.plural, kind.group) !== undefined)
    p.family(fixed.labels, ["label_<key>"], "allowlisted metadata.labels");
  if (allowedKeys(o.annotationsAllowlist, kind.plural, kind.group) !== undefined)
    p.family(fixed.annotations, ["annotation_<key>"], "allowlisted metadata.annotations");

  const root: At = { labels: [], used: RESERVED_LABELS, item: false, depth: 0 };
  for (const field of o.specFields) {
    if (field === "") continue;
    const shape = specShape(o.prefix, kind.schema, field);
    if (shape.schema !== undefined) p.value(shape, root);
  }
  const status = statusShape(o.prefix, kind.schema);
  if (status.schema === undefined) {
    p.runtime.push({
      path: ".status",
      why:
        kind.schema === undefined
          ? "the CRD has no schema: every field read by its value's type"
          : "the schema declares no status",
    });
  } else {
    p.value(status, root);
    const phase = status.property("phase");
    if (phase !== undefined && typeOf(phase) === "string")
      p.family(fixed.phaseTransitions, ["phase"], ".status.phase (phases entered)");
  }
  return {
    group: kind.group,
    kind: kind.kind,
    version: kind.version,
    plural: kind.plural,
    namespaced: kind.namespaced,
    objectLabels: kind.namespaced ? ["group", "kind", "namespace", "name"] : ["group", "kind", "name"],
    families: p.result(),
    lists: p.lists,
    skipped: p.skipped,
    runtime: p.runtime,
    byValue: [...p.byValue].filter((n) => !p.has(n)),
  };
}
