// Per-object output buffer: collects sample lines by family, refuses duplicate series and
// family-name collisions, enforces the per-object bounds and caps the issue list.

import { escapeLabelValue, formatValue } from "../exposition.ts";
import type { FamilyMeta, FamilySamples, MappingIssue, MappingResult, ObjectState } from "../types.ts";

/**
 * A family as the mapper knows it: its metadata plus an `origin` naming what produces it
 * (a fixed family, or a status field path). Two different origins that end up with the same
 * family name in one object are a collision: the first one wins, the second is reported.
 */
export interface FamilyDef {
  readonly meta: FamilyMeta;
  readonly origin: string;
}

interface Building {
  readonly def: FamilyDef;
  /** `name{` + the object prefix: every line of the family starts with it. */
  readonly head: string;
  text: string;
  series: number;
  /** Label strings emitted so far: the first one alone, a Set from the second on. */
  first: string;
  keys: Set<string> | undefined;
}

/** Most issues reported for one object; the rest are summed into one `issues_truncated`. */
export const MAX_ISSUES_PER_OBJECT = 20;

/**
 * One `name="value"` pair, the value escaped. `name` must already be a valid label name.
 * Lone UTF-16 surrogates become U+FFFD here (as they would on the wire), so two values that
 * differ only in them cannot become duplicate series after UTF-8 encoding.
 */
export function pair(name: string, value: string): string {
  const v = value.isWellFormed() ? value : value.toWellFormed();
  return `${name}="${escapeLabelValue(v)}"`;
}

/** Join two rendered label lists (either may be empty). */
export function joinLabels(a: string, b: string): string {
  return a === "" ? b : b === "" ? a : `${a},${b}`;
}

export class Emitter {
  /** Rendered labels every sample of this object starts with (group, version, kind, ...). */
  readonly prefix: string;
  private readonly maxSeries: number;
  private readonly families = new Map<string, Building>();
  private readonly issues: MappingIssue[] = [];
  private droppedIssues = 0;
  private issueKeys: Set<string> | undefined;
  private total = 0;
  private limitReported = false;

  constructor(prefix: string, maxSeries: number) {
    this.prefix = prefix;
    this.maxSeries = maxSeries;
  }

  /** Whether the per-object series bound has been reached (walks stop early; reported once). */
  isFull(): boolean {
    if (this.total < this.maxSeries) return false;
    this.limit();
    return true;
  }

  /**
   * Add one sample. `labels` are this sample's own rendered labels (after the object prefix).
   * Returns false when the sample was refused (duplicate, collision, limit).
   */
  add(def: FamilyDef, labels: string, value: number): boolean {
    const name = def.meta.name;
    let fam = this.families.get(name);
    if (fam === undefined) {
      if (this.total >= this.maxSeries) return this.limit();
      const head = this.prefix === "" ? `${name}{` : `${name}{${this.prefix}`;
      fam = { def, head, text: "", series: 0, first: labels, keys: undefined };
      this.families.set(name, fam);
    } else {
      if (fam.def !== def && (fam.def.origin !== def.origin || fam.def.meta.type !== def.meta.type)) {
        this.issue(
          "name_collision",
          `${def.origin} and ${fam.def.origin} both map to ${name}; kept the first`,
        );
        return false;
      }
      if (fam.keys === undefined) {
        if (fam.first === labels) return this.duplicate(def, labels);
        fam.keys = new Set([fam.first]);
      } else if (fam.keys.has(labels)) return this.duplicate(def, labels);
      if (this.total >= this.maxSeries) return this.limit();
      fam.keys.add(labels);
    }
    const v = formatValue(value);
    if (labels === "") fam.text += this.prefix === "" ? `${name} ${v}\n` : `${fam.head}} ${v}\n`;
    else fam.text += this.prefix === "" ? `${fam.head}${labels}} ${v}\n` : `${fam.head},${labels}} ${v}\n`;
    fam.series++;
    this.total++;
    return true;
  }

  private duplicate(def: FamilyDef, labels: string): false {
    this.issue(
      "duplicate_series",
      `${def.origin}: series ${def.meta.name}{${labels}} emitted twice; kept the first`,
    );
    return false;
  }

  private limit(): false {
    if (!this.limitReported) {
      this.limitReported = true;
      this.issue("object_series_limit", `object has more than ${this.maxSeries} series; the rest dropped`);
    }
    return false;
  }

  /**
   * Report a problem. Repeats of the same reason+detail are folded; past
   * MAX_ISSUES_PER_OBJECT the rest are only counted.
   */
  issue(reason: string, detail: string): void {
    const k = `${reason}\u0000${detail}`;
    this.issueKeys ??= new Set();
    if (this.issueKeys.has(k)) return;
    this.issueKeys.add(k);
    if (this.issues.length >= MAX_ISSUES_PER_OBJECT) {
      this.droppedIssues++;
      return;
    }
    this.issues.push({ reason, detail });
  }

  result(state: ObjectState | undefined): MappingResult {
    const families: FamilySamples[] = [];
    for (const f of this.families.values()) {
      if (f.series > 0) families.push({ meta: f.def.meta, text: f.text, series: f.series });
    }
    if (this.droppedIssues > 0) {
      this.issues.push({
        reason: "issues_truncated",
        detail: `${this.droppedIssues} more issues for this object not reported`,
      });
    }
    return this.issues.length > 0 ? { families, state, issues: this.issues } : { families, state };
  }
}
