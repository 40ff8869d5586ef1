// The metric store: for every watched kind, uid → pre-rendered sample text per family.
// Render on event (the mapper does it), concatenate on scrape (snapshot() + the HTTP layer).
// Whole objects are never kept here, only their rendered text and a small mapper state.

import type { FamilyMeta, FamilySamples, ObjectState } from "../mapping/types.ts";

/** Why series were not stored; used as the `reason` label of the dropped-series self-metric. */
export const DROP_REASONS = ["series_limit", "type_conflict"] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface UpsertOutcome {
  /** Series stored for the object after this upsert. */
  readonly series: number;
  /** Series the upsert produced but did not store, by reason. */
  readonly dropped: ReadonlyArray<readonly [DropReason, number]>;
}

interface ObjectEntry {
  /** Family names this object currently has text in (so delete needs no scan). */
  families: string[];
  series: number;
  state: ObjectState | undefined;
}

interface FamilyEntry {
  meta: FamilyMeta;
  /** Kinds with at least one object in this family, each with its uid → text map. */
  readonly producers: Set<KindStore>;
}

/** One family in a scrape snapshot: its header metadata and the text chunks to write. */
export interface SnapshotFamily {
  readonly meta: FamilyMeta;
  readonly chunks: readonly string[];
}

/**
 * All families of all kinds. Family metadata is global (one HELP/TYPE per name); the first
 * registration of a name fixes its type, and samples of another type under the same name are
 * dropped (a scrape with one name under two types would be rejected whole by Prometheus).
 */
export class MetricStore {
  private readonly families = new Map<string, FamilyEntry>();
  private readonly kinds = new Map<string, KindStore>();

  /** The store of one kind (created on first use). `key` is e.g. `messagequeues.queue.example.com`. */
  kind(key: string, maxSeries = Number.POSITIVE_INFINITY): KindStore {
    let store = this.kinds.get(key);
    if (!store) {
      store = new KindStore(key, this, maxSeries);
      this.kinds.set(key, store);
    }
    return store;
  }

  /** Remove a kind and all its series (its CRD went away or is no longer selected). */
  dropKind(key: string): void {
    const store = this.kinds.get(key);
    if (!store) return;
    store.clear();
    this.kinds.delete(key);
  }

  kindKeys(): string[] {
    return [...this.kinds.keys()];
  }

  /**
   * A consistent point-in-time view for one scrape: for every family (sorted by name), the
   * text chunks of every object. Taken synchronously, so no event can interleave; the chunks
   * are immutable strings, so later events cannot change what this scrape writes.
   */
  snapshot(): SnapshotFamily[] {
    const names = [...this.families.keys()].sort();
    const out: SnapshotFamily[] = [];
    for (const name of names) {
      const entry = this.families.get(name)!;
      const chunks: string[] = [];
      for (const producer of entry.producers) producer.collect(name, chunks);
      if (chunks.length > 0) out.push({ meta: entry.meta, chunks });
    }
    return out;
  }

  /** @internal called by KindStore: may this kind put samples of `meta` into the family? */
  register(meta: FamilyMeta, producer: KindStore): boolean {
    const entry = this.families.get(meta.name);
    if (!entry) {
      this.families.set(meta.name, { meta, producers: new Set([producer]) });
      return true;
    }
    if (entry.meta.type !== meta.type) return false;
    entry.producers.add(producer);
    return true;
  }

  /** @internal called by KindStore when it holds no more samples of a family. */
  unregister(name: string, producer: KindStore): void {
    const entry = this.families.get(name);
    if (!entry) return;
    entry.producers.delete(producer);
    if (entry.producers.size === 0) this.families.delete(name);
  }
}

/**
 * Mappers build a text by appending lines: in V8, a rope of many small pieces. A scrape that
 * meets a rope flattens it there and then (a copy, and garbage as big as the body on the first
 * scrape after a change), and ropes take more memory than flat strings; Buffer.byteLength
 * flattens it here instead, once per change. Performance only: the text is the same either way.
 */
function flatten(text: string): string {
  Buffer.byteLength(text);
  return text;
}

/** The objects of one kind: family → uid → text, plus uid → what that object holds. */
export class KindStore {
  private readonly byFamily = new Map<string, Map<string, string>>();
  private readonly objects = new Map<string, ObjectEntry>();
  private seriesTotal = 0;

  readonly key: string;
  private readonly parent: MetricStore;
  /** Upper bound on this kind's series; an object that would pass it is not stored. */
  private maxSeries: number;

  constructor(key: string, parent: MetricStore, maxSeries: number) {
    this.key = key;
    this.parent = parent;
    this.maxSeries = maxSeries;
  }

  get objectCount(): number {
    return this.objects.size;
  }

  get seriesCount(): number {
    return this.seriesTotal;
  }

  setMaxSeries(max: number): void {
    this.maxSeries = max;
  }

  has(uid: string): boolean {
    return this.objects.has(uid);
  }

  state(uid: string): ObjectState | undefined {
    return this.objects.get(uid)?.state;
  }

  uids(): IterableIterator<string> {
    return this.objects.keys();
  }

  /** Replace everything stored for one object with its newly rendered families. */
  upsert(uid: string, families: readonly FamilySamples[], state: ObjectState | undefined): UpsertOutcome {
    const previous = this.objects.get(uid);
    const previousSeries = previous?.series ?? 0;
    let produced = 0;
    for (const f of families) produced += f.series;

    if (this.seriesTotal - previousSeries + produced > this.maxSeries) {
      // Keep the object's old series (if any) rather than half of the new ones: a partial
      // object would make queries like ready/desired lie. Keep its state so counters go on.
      if (previous) previous.state = state;
      else this.objects.set(uid, { families: [], series: 0, state });
      return { series: previousSeries, dropped: [["series_limit", produced]] };
    }

    // One entry per family name, even if a mapper (or two mappers) emitted a name twice.
    const merged = new Map<string, { meta: FamilyMeta; text: string; series: number }>();
    for (const f of families) {
      if (f.series === 0 || f.text === "") continue;
      const seen = merged.get(f.meta.name);
      if (seen) {
        seen.text += f.text;
        seen.series += f.series;
      } else merged.set(f.meta.name, { meta: f.meta, text: f.text, series: f.series });
    }

    const names: string[] = [];
    const dropped: Array<[DropReason, number]> = [];
    let series = 0;
    for (const [name, f] of merged) {
      let texts = this.byFamily.get(name);
      if (!texts) {
        if (!this.parent.register(f.meta, this)) {
          dropped.push(["type_conflict", f.series]);
          continue;
        }
        texts = new Map();
        this.byFamily.set(name, texts);
      }
      texts.set(uid, flatten(f.text));
      names.push(name);
      series += f.series;
    }
    if (previous) {
      for (const name of previous.families) if (!merged.has(name)) this.removeText(name, uid);
    }
    this.objects.set(uid, { families: names, series, state });
    this.seriesTotal += series - previousSeries;
    return { series, dropped };
  }

  /** Delete an object and all its series at once. Returns whether it was stored. */
  delete(uid: string): boolean {
    const entry = this.objects.get(uid);
    if (!entry) return false;
    for (const name of entry.families) this.removeText(name, uid);
    this.seriesTotal -= entry.series;
    this.objects.delete(uid);
    return true;
  }

  clear(): void {
    for (const name of this.byFamily.keys()) this.parent.unregister(name, this);
    this.byFamily.clear();
    this.objects.clear();
    this.seriesTotal = 0;
  }

  /** @internal append this kind's chunks of one family. */
  collect(family: string, into: string[]): void {
    const texts = this.byFamily.get(family);
    if (texts) for (const text of texts.values()) into.push(text);
  }

  private removeText(name: string, uid: string): void {
    const texts = this.byFamily.get(name);
    if (!texts) return;
    texts.delete(uid);
    if (texts.size === 0) {
      this.byFamily.delete(name);
      this.parent.unregister(name, this);
    }
  }
}
