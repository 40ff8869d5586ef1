// Kinds and objects from manifests on disk (--from-files): the file-system counterpart of
// KindsController. Re-reads the directory when it changes, and applies the new contents the
// way a relist does (objects gone from the files disappear from /metrics).

import { type FSWatcher, watch } from "node:fs";
import type { Mapper } from "../mapping/types.ts";
import { KindPipeline, type PipelineContext, RelistingSink } from "../pipeline.ts";
import type { MetricStore } from "../store/store.ts";
import type { Logger } from "../telemetry/log.ts";
import { isSelected, kindInfoFromCrd, kindKey, type Selection, servedVersions } from "./crds.ts";
import { readManifests } from "./files.ts";

interface FileKind {
  readonly fingerprint: string;
  readonly sink: RelistingSink;
}

export class FilesController {
  private readonly dir: string;
  private readonly mappers: readonly Mapper[];
  private readonly store: MetricStore;
  private readonly ctx: PipelineContext;
  private readonly log: Logger;
  private readonly selection: Selection;
  private readonly seriesLimit: number;
  private readonly kinds = new Map<string, FileKind>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  loaded = false;

  constructor(
    dir: string,
    mappers: readonly Mapper[],
    store: MetricStore,
    ctx: PipelineContext,
    log: Logger,
    selection: Selection,
    seriesLimit: number,
  ) {
    this.dir = dir;
    this.mappers = mappers;
    this.store = store;
    this.ctx = ctx;
    this.log = log;
    this.selection = selection;
    this.seriesLimit = seriesLimit;
  }

  /** Load now, then reload whenever a file below the directory changes. */
  start(watchForChanges = true): void {
    this.load();
    if (!watchForChanges) return;
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

  stop(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }

  kindKeys(): string[] {
    return [...this.kinds.keys()];
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

    // kind key → objects, for the CRDs that are selected.
    const byApiKind = new Map<string, { key: string; served: string[] }>();
    const wanted = new Map<string, { sink: RelistingSink; fingerprint: string }>();
    for (const crd of set.crds) {
      const info = kindInfoFromCrd(crd);
      if (!info || !isSelected(info, this.selection)) continue;
      const key = kindKey(info);
      const fingerprint = `${info.version}\u0000${JSON.stringify(info.schema ?? null)}`;
      const existing = this.kinds.get(key);
      if (existing && existing.fingerprint === fingerprint) {
        wanted.set(key, existing);
      } else {
        if (existing) this.store.dropKind(key);
        const kindMappers = this.mappers.map((m) => m.forKind(info)).filter((m) => m !== undefined);
        if (kindMappers.length === 0) continue;
        const pipeline = new KindPipeline(
          info,
          kindMappers,
          this.store.kind(key, this.seriesLimit),
          this.ctx,
        );
        wanted.set(key, { sink: new RelistingSink(pipeline), fingerprint });
      }
      byApiKind.set(`${info.group}\u0000${info.kind}`, { key, served: servedVersions(crd) });
    }
    for (const key of this.kinds.keys()) if (!wanted.has(key)) this.store.dropKind(key);
    this.kinds.clear();
    for (const [key, kind] of wanted) {
      this.kinds.set(key, kind);
      kind.sink.listStart();
    }

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
      this.kinds.get(target.key)?.sink.upsert(obj);
    }
    for (const kind of this.kinds.values()) kind.sink.listDone();
    this.loaded = true;
    this.log.info(
      {
        dir: this.dir,
        kinds: this.kinds.size,
        objects: set.objects.length - skipped,
        skipped,
        errors: set.errors.length,
      },
      "manifests loaded",
    );
  }
}
