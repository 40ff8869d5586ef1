// The file source (--from-files): kinds and objects from manifests on disk, no cluster. Re-reads
// the directory when it changes, and applies the new contents the way a relist does (objects gone
// from the files disappear from /metrics). CRDs become readings exactly as in the cluster source
// (source.ts); an object is read as written, whatever served version it names.

import { type FSWatcher, watch } from "node:fs";
import type { PipelineContext } from "../pipeline.ts";
import { RelistingSink } from "../pipeline.ts";
import type { MetricStore } from "../store/store.ts";
import type { Logger } from "../telemetry/log.ts";
import { isSelected, kindInfoFromCrd, servedVersions } from "./crds.ts";
import { readManifests } from "./files.ts";
import {
  type MapperBinding,
  openPipeline,
  type Reading,
  ReadingSource,
  readingName,
  readingsOf,
  type SourceOptions,
  type SourceStatus,
  unselected,
} from "./source.ts";

interface FileReading {
  readonly reading: Reading;
  readonly fingerprint: string;
  readonly sink: RelistingSink;
}

export class FilesController extends ReadingSource {
  private readonly dir: string;
  private readonly watchForChanges: boolean;
  /** Reading key (`plural.group/version`) → its sink. */
  private readings = new Map<string, FileReading>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private loaded = false;

  constructor(
    dir: string,
    bindings: readonly MapperBinding[],
    store: MetricStore,
    ctx: PipelineContext,
    log: Logger,
    options: SourceOptions,
    watchForChanges = true,
  ) {
    super(bindings, store, ctx, log, options);
    this.dir = dir;
    this.watchForChanges = watchForChanges;
  }

  /** Load now, then reload whenever a file below the directory changes. */
  start(): void {
    this.load();
    if (!this.watchForChanges) return;
    try {
      this.watcher = watch(this.dir, { recursive: true }, () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.load(), 300);
      });
    } catch (err) {
      this.log.warn(
        { dir: this.dir, err: (err as Error).message },
        "cannot watch directory; changes need a restart",
      );
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
  }

  ready(): boolean {
    return this.loaded;
  }

  status(): SourceStatus[] {
    return [
      ...[...this.readings.values()].map(
        (r): SourceStatus => ({ key: readingName(r.reading), state: "synced", blocking: true }),
      ),
      ...this.unmatched.status(),
    ];
  }

  protected readingKeys(): Iterable<string> {
    return this.readings.keys();
  }

  protected reapply(): void {
    this.load();
  }

  /** Read every manifest and apply it; a bad document is logged and skipped, never fatal. */
  load(): void {
    let set: ReturnType<typeof readManifests>;
    try {
      set = readManifests(this.dir);
    } catch (err) {
      this.log.error({ dir: this.dir, err: (err as Error).message }, "cannot read manifests");
      return;
    }
    for (const error of set.errors) this.log.warn({ error }, "skipped a manifest document");

    // group + kind → the readings of that kind and the versions its objects may be written in.
    const byApiKind = new Map<string, { keys: string[]; served: string[] }>();
    const wanted = new Map<string, FileReading>();
    for (const crd of set.crds) {
      const info = kindInfoFromCrd(crd);
      if (!info || !isSelected(info, this.options.selection)) continue;
      const keys: string[] = [];
      for (const reading of readingsOf(crd, this.bindings)) {
        const fingerprint = this.fingerprint(reading);
        const existing = this.readings.get(reading.key);
        if (existing?.fingerprint === fingerprint) {
          wanted.set(reading.key, existing);
          keys.push(reading.key);
          continue;
        }
        if (existing) this.store.dropKind(reading.key);
        const pipeline = openPipeline(reading, this.store, this.ctx, this.options.seriesLimitPerKind);
        if (!pipeline) continue;
        wanted.set(reading.key, { reading, fingerprint, sink: new RelistingSink(pipeline) });
        keys.push(reading.key);
      }
      byApiKind.set(`${info.group}\u0000${info.kind}`, { keys, served: servedVersions(crd) });
    }
    for (const key of this.readings.keys()) if (!wanted.has(key)) this.store.dropKind(key);
    this.readings = wanted;
    for (const r of wanted.values()) r.sink.listStart();

    let skipped = 0;
    for (const obj of set.objects) {
      const [group, version] = String(obj.apiVersion).includes("/")
        ? String(obj.apiVersion).split("/")
        : ["", obj.apiVersion];
      const target = byApiKind.get(`${group}\u0000${obj.kind}`);
      if (!target?.served.includes(String(version))) {
        skipped++;
        continue;
      }
      for (const key of target.keys) this.readings.get(key)?.sink.upsert(obj);
    }
    for (const r of wanted.values()) r.sink.listDone();
    this.reportUnmatched(set.crds, (crd) => unselected(crd, this.options.selection));
    this.loaded = true;
    this.log.info(
      {
        dir: this.dir,
        kinds: new Set([...wanted.values()].map((r) => r.reading.kindKey)).size,
        objects: set.objects.length - skipped,
        skipped,
        errors: set.errors.length,
      },
      "manifests loaded",
    );
  }
}
