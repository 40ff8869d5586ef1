// Per-object output buffer: collects sample lines by family, refuses duplicate series and
// family-name collisions, enforces the per-object series cap (counting what it drops) and
// bounds the issue list.

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
  private readonly drops = new Map<string, { count: number; detail: string }>();

  constructor(prefix: string, maxSeries: number) {
    this.prefix = prefix;
    this.maxSeries = maxSeries;
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
    // Over the cap only a new series is a drop; a repeated one is a duplicate either way. Under
    // it, add() checks the identity itself: one lookup per sample.
    if (this.total >= this.maxSeries && !fam.lines.has(labels)) return this.limit(def);
    if (this.total >= this.maxSeries || !fam.lines.add(labels, value)) {
      this.issue(
        "duplicate_series",
        `${def.origin}: series ${name}{${labels}} emitted twice; kept the first`,
      );
      return false;
    }
    this.total++;
    return true;
  }

  /** A sample over the per-object series cap: counted as dropped, reported once. */
  private limit(def: FamilyDef): false {
    const detail = `object has more than ${this.maxSeries} series; the rest dropped (first: ${def.meta.name})`;
    this.drop("object_series_limit", 1, this.limitReported ? "" : detail);
    this.limitReported = true;
    return false;
  }

  /** Series (or list items) not exported by design limits: counted in cr_exporter_series_dropped_total. */
  drop(reason: string, count: number, detail: string): void {
    const d = this.drops.get(reason);
    if (d === undefined) this.drops.set(reason, { count, detail });
    else d.count += count;
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
    const dropped = [...this.drops].map(([reason, d]) => ({ reason, count: d.count, detail: d.detail }));
    return {
      families,
      state,
      ...(issues ? { issues } : {}),
      ...(dropped.length > 0 ? { dropped } : {}),
    };
  }
}
