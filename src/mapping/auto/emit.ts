// Per-object output buffer: collects sample lines by family, refuses duplicate series and
// family-name collisions, enforces the per-object bounds and caps the issue list.

import { IssueList } from "../issues.ts";
import { SampleLines } from "../samples.ts";
import type { FamilyMeta, FamilySamples, MappingResult, ObjectState } from "../types.ts";

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
  readonly lines: SampleLines;
}

export class Emitter {
  /** Rendered labels every sample of this object starts with (group, kind, namespace, name). */
  readonly prefix: string;
  private readonly maxSeries: number;
  private readonly families = new Map<string, Building>();
  private readonly issues = new IssueList();
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
      fam = { def, lines: new SampleLines(name, this.prefix) };
      this.families.set(name, fam);
    } else if (fam.def !== def && (fam.def.origin !== def.origin || fam.def.meta.type !== def.meta.type)) {
      this.issue("name_collision", `${def.origin} and ${fam.def.origin} both map to ${name}; kept the first`);
      return false;
    }
    if (fam.lines.has(labels)) {
      this.issue(
        "duplicate_series",
        `${def.origin}: series ${name}{${labels}} emitted twice; kept the first`,
      );
      return false;
    }
    if (this.total >= this.maxSeries) return this.limit();
    fam.lines.add(labels, value);
    this.total++;
    return true;
  }

  private limit(): false {
    if (!this.limitReported) {
      this.limitReported = true;
      this.issue("object_series_limit", `object has more than ${this.maxSeries} series; the rest dropped`);
    }
    return false;
  }

  /** Report a problem (bounded and folded by IssueList). */
  issue(reason: string, detail: string): void {
    this.issues.add(reason, detail);
  }

  result(state: ObjectState | undefined): MappingResult {
    const families: FamilySamples[] = [];
    for (const f of this.families.values()) {
      if (f.lines.series > 0) families.push({ meta: f.def.meta, text: f.lines.text, series: f.lines.series });
    }
    const issues = this.issues.list();
    return issues ? { families, state, issues } : { families, state };
  }
}
