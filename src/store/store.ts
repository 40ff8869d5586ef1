// The metric store: for every watched kind, object (namespace/name) → pre-rendered sample text
// per family, kept joined in chunks. Render on event (the mapper does it), concatenate on scrape
// (snapshot() + the HTTP layer).
// Whole objects are never kept here, only their rendered text and a small mapper state.

import type { FamilyMeta, FamilySamples, ObjectState } from "../mapping/types.ts";
import { type DeflatedPiece, deflateText } from "./deflate.ts";

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
  /**
   * The uid of the object stored under this key. The key is the object's namespace/name, so a
   * re-created object (same name, new uid) replaces the old one's series instead of joining them:
   * a scrape can never hold one name twice, even while a relist has not yet found the old uid gone.
   */
  uid: string;
  /** Family names this object currently has text in (so delete needs no scan). */
  families: string[];
  series: number;
  state: ObjectState | undefined;
  /**
   * While the object is not exported because the kind's series limit had no room for it: the
   * series its last rendering wanted (0 when it is exported). Only this number is kept, not the
   * rendering: room that frees up asks for a relist instead (see onRoom).
   */
  waiting: number;
}

interface FamilyEntry {
  meta: FamilyMeta;
  /** Kinds with at least one object in this family, each with its uid → text map. */
  readonly producers: Set<KindStore>;
}

/** About how many characters a scrape writes at once; a segment is joined into chunks this big. */
export const CHUNK_CHARS = 64 * 1024;
/**
 * Chunks at least this long are kept compressed too, for gzip scrapes. Smaller ones (segments of
 * a few objects) are compressed with their neighbours in the scrape instead: compressed alone
 * they would compress badly and cost a write each.
 */
const MIN_DEFLATED_CHARS = 4 * 1024;

/** One family in a scrape snapshot: its header metadata and one segment per producing kind. */
export interface SnapshotFamily {
  readonly meta: FamilyMeta;
  readonly segments: readonly SegmentView[];
}

/**
 * Texts of a segment joined into chunks, their UTF-8 size, and their compressed forms (made
 * when a chunk is joined as objects arrive, or by the first gzip scrape that writes a chunk a
 * scrape joined). Never changed once made (a scrape in flight may hold it): growing it makes a
 * new one.
 */
interface Joined {
  readonly chunks: readonly string[];
  readonly bytes: number;
  /** Empty slots are filled by the first gzip scrape that writes the chunk: a write-once cache, not a change. */
  readonly deflated: Array<DeflatedPiece | undefined>;
}

const NOTHING_JOINED: Joined = { chunks: [], bytes: 0, deflated: [] };

/**
 * The texts of one family in one kind (key → text), kept as chunks: the texts in Map order,
 * joined about CHUNK_CHARS at a time, each stored text re-pointed into its chunk (a substring,
 * which V8 makes a slice of the chunk), so the chunks cost no memory beyond the texts and a
 * scrape writes them as they are: no join, no UTF-8 size count, no garbage.
 *
 * `joined` holds the first texts; `tail` the keys added after them, in order. A new key (an
 * object seen for the first time: the whole initial LIST) goes to the tail, and a full tail is
 * joined there and then, so the texts of a big LIST are chunked as they arrive and do not all
 * wait, and die, at the first scrape (which used to double the heap's peak; docs/performance.md).
 * A text that changes in place, or a delete, drops the chunks; the next scrape joins the segment
 * again. A text stored again unchanged changes nothing.
 */
class Segment {
  readonly texts = new Map<string, string>();
  /** Bumped by every change, so a scrape can tell whether what it joined is still current. */
  version = 0;
  /** The first texts (Map order) as chunks; undefined after a change in place or a delete. */
  joined: Joined | undefined = NOTHING_JOINED;
  /** Keys after those of `joined`, in Map order (unused while `joined` is undefined). */
  tail: string[] = [];
  private tailChars = 0;

  set(key: string, text: string): void {
    const old = this.texts.get(key);
    if (old === text) return;
    this.texts.set(key, text);
    this.version++;
    if (old !== undefined) {
      this.dropJoined();
      return;
    }
    if (!this.joined) return;
    this.tail.push(key);
    this.tailChars += text.length;
    if (this.tailChars >= CHUNK_CHARS) this.joinTail();
  }

  delete(key: string): void {
    if (!this.texts.delete(key)) return;
    this.version++;
    this.dropJoined();
  }

  view(): SegmentView {
    const joined = this.joined;
    // With chunks, only the tail's texts are looked up; without, the Map is read in order.
    const keys = joined ? this.tail.slice() : [...this.texts.keys()];
    const texts = joined ? keys.map((k) => this.texts.get(k)!) : [...this.texts.values()];
    return new SegmentView(this, this.version, joined, keys, texts);
  }

  /** @internal the tail, as of `version`, was joined into `built`: append it to `joined`. */
  extend(version: number, built: Joined): void {
    if (version !== this.version) return;
    const base = this.joined ?? NOTHING_JOINED;
    this.joined = {
      chunks: [...base.chunks, ...built.chunks],
      bytes: base.bytes + built.bytes,
      deflated: [...base.deflated, ...built.deflated],
    };
    this.tail = [];
    this.tailChars = 0;
  }

  private joinTail(): void {
    const keys = this.tail;
    const parts = keys.map((k) => this.texts.get(k)!);
    const chunk = parts.join("");
    this.repoint(keys, parts, 0, keys.length, chunk);
    // Compressed here too, as the texts arrive, not by the first gzip scrape: that scrape would
    // otherwise compress the whole initial LIST at once (1.4 s at 50,000 objects), allocating
    // as it goes, and the GC work it set off held the event loop for up to 156 ms
    // (docs/performance.md, step 20).
    const piece = chunk.length >= MIN_DEFLATED_CHARS ? deflateText(chunk) : undefined;
    this.extend(this.version, {
      chunks: [chunk],
      bytes: piece ? piece.bytes : Buffer.byteLength(chunk, "utf8"),
      deflated: [piece],
    });
  }

  /** @internal store each of `keys[start..end)` as its slice of `chunk` (those `parts` joined, in order). */
  repoint(
    keys: readonly string[],
    parts: readonly string[],
    start: number,
    end: number,
    chunk: string,
  ): void {
    let offset = 0;
    for (let i = start; i < end; i++) {
      const length = parts[i]!.length;
      this.texts.set(keys[i]!, chunk.slice(offset, offset + length));
      offset += length;
    }
  }

  private dropJoined(): void {
    this.joined = undefined;
    this.tail = [];
    this.tailChars = 0;
  }
}

/** What one scrape writes of a segment: its joined chunks, then the texts not joined yet at snapshot time. */
export class SegmentView {
  /** UTF-8 size of what chunks() yielded, once it is done. */
  bytes = 0;

  private readonly segment: Segment;
  private readonly version: number;
  private readonly joined: Joined | undefined;
  private readonly keys: readonly string[];
  private readonly texts: readonly string[];

  constructor(
    segment: Segment,
    version: number,
    joined: Joined | undefined,
    keys: readonly string[],
    texts: readonly string[],
  ) {
    this.segment = segment;
    this.version = version;
    this.joined = joined;
    this.keys = keys;
    this.texts = texts;
  }

  /**
   * The segment as chunks of whole texts (about CHUNK_CHARS each; a longer text alone), or, for
   * a gzip scrape (`deflate`), chunks of at least MIN_DEFLATED_CHARS as compressed pieces. The
   * texts not joined at snapshot time are joined here; if the segment is still as it was then,
   * the new chunks (and pieces) are kept for the next scrape and their texts re-pointed into
   * them. Both happen chunk by chunk, between the scrape's yields to the event loop; a change in
   * between stops them, and a re-pointed text is equal to the one it replaced, so stopping
   * half-way is safe. A kept chunk without its compressed piece (one a plain scrape joined) gets
   * it from the first gzip scrape that needs it (a piece is a write-once cache slot of the chunk).
   */
  *chunks(deflate = false): Generator<string | DeflatedPiece> {
    let bytes = 0;
    if (this.joined) {
      bytes = this.joined.bytes;
      const { chunks, deflated } = this.joined;
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i]!;
        if (!deflate || chunk.length < MIN_DEFLATED_CHARS) {
          yield chunk;
          continue;
        }
        let piece = deflated[i];
        if (!piece) {
          piece = deflateText(chunk);
          deflated[i] = piece;
        }
        yield piece;
      }
    }
    const texts = this.texts;
    const built: string[] = [];
    const deflated: Array<DeflatedPiece | undefined> = [];
    let builtBytes = 0;
    for (let start = 0; start < texts.length; ) {
      let end = start + 1;
      let size = texts[start]!.length;
      while (end < texts.length && size + texts[end]!.length <= CHUNK_CHARS) size += texts[end++]!.length;
      const chunk = end - start === 1 ? texts[start]! : texts.slice(start, end).join("");
      const piece = deflate && chunk.length >= MIN_DEFLATED_CHARS ? deflateText(chunk) : undefined;
      const chunkBytes = piece ? piece.bytes : Buffer.byteLength(chunk, "utf8"); // compressing encoded it already
      builtBytes += chunkBytes;
      if (this.current()) {
        built.push(chunk);
        deflated.push(piece);
        this.segment.repoint(this.keys, texts, start, end, chunk);
      }
      start = end;
      yield piece ?? chunk;
    }
    this.bytes = bytes + builtBytes;
    if (texts.length > 0 && this.current())
      this.segment.extend(this.version, { chunks: built, bytes: builtBytes, deflated });
  }

  private current(): boolean {
    return this.segment.version === this.version;
  }
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
   * A consistent point-in-time view for one scrape: for every family (sorted by name), one
   * segment per kind, either the chunks joined by an earlier scrape or the texts themselves.
   * Taken synchronously, so no event can interleave; chunks and texts are immutable strings,
   * so later events cannot change what this scrape writes.
   */
  snapshot(): SnapshotFamily[] {
    const names = [...this.families.keys()].sort();
    const out: SnapshotFamily[] = [];
    for (const name of names) {
      const entry = this.families.get(name)!;
      const segments: SegmentView[] = [];
      for (const producer of entry.producers) {
        const view = producer.view(name);
        if (view) segments.push(view);
      }
      if (segments.length > 0) out.push({ meta: entry.meta, segments });
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

/** The objects of one kind: family → segment (uid → text), plus uid → what that object holds. */
export class KindStore {
  private readonly byFamily = new Map<string, Segment>();
  private readonly objects = new Map<string, ObjectEntry>();
  private seriesTotal = 0;
  /** Objects waiting over the series limit, and the fewest series one of them wants (a lower bound). */
  private waitingTotal = 0;
  private smallestWaiting = Number.POSITIVE_INFINITY;
  private readonly roomListeners = new Set<() => void>();

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

  /** Objects known but not exported because the series limit had no room for them. */
  get waitingCount(): number {
    return this.waitingTotal;
  }

  setMaxSeries(max: number): void {
    this.maxSeries = max;
    this.checkRoom();
  }

  /**
   * Call `listener` whenever room frees up under the series limit while objects wait for it
   * (their rendering is not kept, so their source must deliver them again: a relist). Returns
   * a function that removes the listener.
   */
  onRoom(listener: () => void): () => void {
    this.roomListeners.add(listener);
    return () => this.roomListeners.delete(listener);
  }

  has(key: string): boolean {
    return this.objects.has(key);
  }

  /** The mapper state kept for the object under `key`, unless another uid is stored there. */
  state(key: string, uid: string = key): ObjectState | undefined {
    const entry = this.objects.get(key);
    return entry && entry.uid === uid ? entry.state : undefined;
  }

  /**
   * Replace everything stored under `key` (the object's namespace/name) with its newly rendered
   * families. An object of another `uid` stored under the same key is replaced whole.
   */
  upsert(
    key: string,
    families: readonly FamilySamples[],
    state: ObjectState | undefined,
    uid: string = key,
  ): UpsertOutcome {
    const previous = this.objects.get(key);
    const previousSeries = previous?.series ?? 0;
    let produced = 0;
    for (const f of families) produced += f.series;

    if (this.seriesTotal - previousSeries + produced > this.maxSeries) {
      // Keep the object's old series (if any) rather than half of the new ones: a partial
      // object would make queries like ready/desired lie. Keep its state so counters go on.
      if (previous && previous.uid === uid) {
        previous.state = state;
        if (previous.series === 0) this.setWaiting(previous, produced);
        return { series: previousSeries, dropped: [["series_limit", produced]] };
      }
      // A new object, or a new uid under an old name: the old one's series must go either way.
      if (previous) this.delete(key);
      const entry: ObjectEntry = { uid, families: [], series: 0, state, waiting: 0 };
      this.objects.set(key, entry);
      this.setWaiting(entry, produced);
      return { series: 0, dropped: [["series_limit", produced]] };
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
      let segment = this.byFamily.get(name);
      if (!segment) {
        if (!this.parent.register(f.meta, this)) {
          dropped.push(["type_conflict", f.series]);
          continue;
        }
        segment = new Segment();
        this.byFamily.set(name, segment);
      }
      segment.set(key, flatten(f.text));
      names.push(name);
      series += f.series;
    }
    if (previous) {
      for (const name of previous.families) if (!merged.has(name)) this.removeText(name, key);
      if (previous.waiting > 0) this.waitingTotal--;
    }
    this.objects.set(key, { uid, families: names, series, state, waiting: 0 });
    this.seriesTotal += series - previousSeries;
    if (series < previousSeries) this.checkRoom();
    return { series, dropped };
  }

  /**
   * Delete the object under `key` and all its series at once; with `uid`, only if that uid is
   * the one stored there (a late deletion of an old uid must not remove its successor).
   * Returns whether something was deleted.
   */
  delete(key: string, uid?: string): boolean {
    const entry = this.objects.get(key);
    if (!entry || (uid !== undefined && entry.uid !== uid)) return false;
    for (const name of entry.families) this.removeText(name, key);
    this.seriesTotal -= entry.series;
    if (entry.waiting > 0) this.waitingTotal--;
    this.objects.delete(key);
    if (entry.series > 0) this.checkRoom();
    return true;
  }

  clear(): void {
    for (const name of this.byFamily.keys()) this.parent.unregister(name, this);
    this.byFamily.clear();
    this.objects.clear();
    this.seriesTotal = 0;
    this.waitingTotal = 0;
    this.smallestWaiting = Number.POSITIVE_INFINITY;
    this.roomListeners.clear();
  }

  private setWaiting(entry: ObjectEntry, wanted: number): void {
    if (entry.waiting === 0) this.waitingTotal++;
    entry.waiting = Math.max(wanted, 1);
    if (entry.waiting < this.smallestWaiting) this.smallestWaiting = entry.waiting;
  }

  /** Tell the listeners when a waiting object may now fit. */
  private checkRoom(): void {
    if (this.waitingTotal === 0) {
      this.smallestWaiting = Number.POSITIVE_INFINITY;
      return;
    }
    const room = this.maxSeries - this.seriesTotal;
    if (room < this.smallestWaiting) return;
    // The bound may be stale (its object was admitted or deleted since): make it exact, once.
    let smallest = Number.POSITIVE_INFINITY;
    for (const entry of this.objects.values())
      if (entry.waiting > 0 && entry.waiting < smallest) smallest = entry.waiting;
    this.smallestWaiting = smallest;
    if (room < smallest) return;
    for (const listener of this.roomListeners) listener();
  }

  /** @internal this kind's segment of one family, for a snapshot. */
  view(family: string): SegmentView | undefined {
    const segment = this.byFamily.get(family);
    return segment && segment.texts.size > 0 ? segment.view() : undefined;
  }

  private removeText(name: string, uid: string): void {
    const segment = this.byFamily.get(name);
    if (!segment) return;
    segment.delete(uid);
    if (segment.texts.size === 0) {
      this.byFamily.delete(name);
      this.parent.unregister(name, this);
    }
  }
}
