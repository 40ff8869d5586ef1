// Which kinds are watched, driven by a watch on CustomResourceDefinitions: a CRD appearing
// starts its kind's loop(s), a change of preferred version or schema restarts only that kind,
// a CRD going away stops its loop and removes its series. Other kinds are never relisted.

import type { KindInfo, Mapper } from "../mapping/types.ts";
import { KindPipeline, type PipelineContext, RelistingSink } from "../pipeline.ts";
import type { MetricStore } from "../store/store.ts";
import type { Logger } from "../telemetry/log.ts";
import type { KubeClient } from "./client.ts";
import { type Crd, isSelected, kindInfoFromCrd, kindKey, resourcePath, type Selection } from "./crds.ts";
import { ListWatch, type ListWatchOptions, type ListWatchSink } from "./list-watch.ts";

export interface KindsOptions {
  readonly selection: Selection;
  /** Server-side label selector on CRDs. */
  readonly crdLabelSelector?: string;
  /** Namespaces to watch namespaced kinds in; empty = all namespaces. */
  readonly namespaces: readonly string[];
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Per-kind selectors (keyed by plural.group), replacing the global ones for that kind. */
  readonly kindSelectors?: Readonly<Record<string, { labelSelector?: string; fieldSelector?: string }>>;
  readonly seriesLimitPerKind: number;
  readonly listWatch: Omit<ListWatchOptions, "path" | "labelSelector" | "fieldSelector">;
}

/** Status of one watched kind, for /readyz and logs. */
export interface KindStatus {
  readonly key: string;
  readonly version: string;
  readonly synced: boolean;
  readonly forbidden: boolean;
}

interface WatchedKind {
  readonly info: KindInfo;
  /** What identifies "the same kind, same mapping": version + schema. */
  readonly fingerprint: string;
  readonly loops: ListWatch[];
  readonly forbidden: Set<ListWatch>;
}

export class KindsController {
  private readonly client: KubeClient;
  private mappers: readonly Mapper[];
  /** Bumped when the mappers change, so every kind's fingerprint changes with them. */
  private mapperGeneration = 0;
  private readonly store: MetricStore;
  private readonly ctx: PipelineContext;
  private readonly log: Logger;
  private options: KindsOptions;
  private readonly kinds = new Map<string, WatchedKind>();
  private crdLoop: ListWatch | undefined;
  /** CRD name → kind key, for CRD deletions and relists. */
  private readonly crdKinds = new Map<string, string>();
  /** CRD name → the latest CRD seen, so a reconfiguration can re-evaluate every CRD. */
  private readonly crds = new Map<string, Crd>();
  private seenCrds: Set<string> | undefined;

  constructor(
    client: KubeClient,
    mappers: readonly Mapper[],
    store: MetricStore,
    ctx: PipelineContext,
    log: Logger,
    options: KindsOptions,
  ) {
    this.client = client;
    this.mappers = mappers;
    this.store = store;
    this.ctx = ctx;
    this.log = log;
    this.options = options;
  }

  start(): void {
    const sink: ListWatchSink = {
      listStart: () => {
        this.seenCrds = new Set();
      },
      upsert: (obj) => {
        const crd = obj as Crd;
        if (crd.metadata?.name) this.seenCrds?.add(crd.metadata.name);
        this.ctx.metrics.crdEvents.inc({ type: "upsert" });
        this.applyCrd(crd);
      },
      remove: (obj) => {
        this.ctx.metrics.crdEvents.inc({ type: "delete" });
        this.removeCrd((obj as Crd).metadata?.name ?? "");
      },
      listDone: () => {
        const seen = this.seenCrds ?? new Set();
        for (const name of [...this.crdKinds.keys()]) if (!seen.has(name)) this.removeCrd(name);
        this.seenCrds = undefined;
      },
    };
    this.crdLoop = new ListWatch(
      this.client,
      {
        ...this.options.listWatch,
        path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        labelSelector: this.options.crdLabelSelector,
      },
      sink,
      {
        restart: (reason, detail) =>
          this.log.warn({ resource: "customresourcedefinitions", reason, detail }, "watch restarted"),
        forbidden: (f) =>
          f &&
          this.log.error(
            { resource: "customresourcedefinitions" },
            "forbidden to list CustomResourceDefinitions",
          ),
      },
    );
    this.crdLoop.start();
  }

  async stop(): Promise<void> {
    await this.crdLoop?.stop();
    await Promise.all([...this.kinds.keys()].map((key) => this.stopKind(key, "shutdown")));
  }

  /** True when the CRD list and every watched kind that is not forbidden have completed a list. */
  ready(): boolean {
    if (!this.crdLoop?.synced) return false;
    return this.status().every((k) => k.synced || k.forbidden);
  }

  crdsSynced(): boolean {
    return this.crdLoop?.synced ?? false;
  }

  status(): KindStatus[] {
    return [...this.kinds.entries()].map(([key, k]) => ({
      key,
      version: k.info.version,
      synced: k.loops.every((l) => l.synced),
      forbidden: k.forbidden.size > 0,
    }));
  }

  /**
   * Apply new mappers and/or options (a config reload). Only kinds whose selection, loop options
   * or mapping changed are restarted; unchanged watches keep running.
   */
  reconfigure(mappers: readonly Mapper[] | undefined, options: KindsOptions): void {
    if (mappers) {
      this.mappers = mappers;
      this.mapperGeneration++;
    }
    this.options = options;
    for (const store of this.kinds.keys()) this.store.kind(store).setMaxSeries(options.seriesLimitPerKind);
    for (const crd of [...this.crds.values()]) this.applyCrd(crd);
  }

  /** What decides whether a running kind must restart: its version, schema, loop options and mappers. */
  private fingerprint(info: KindInfo): string {
    const o = this.options;
    return JSON.stringify([
      info.version,
      info.schema ?? null,
      o.namespaces,
      this.selectors(info),
      this.mapperGeneration,
    ]);
  }

  private selectors(info: KindInfo): { labelSelector?: string; fieldSelector?: string } {
    const own = this.options.kindSelectors?.[kindKey(info)];
    return own ?? { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector };
  }

  private applyCrd(crd: Crd): void {
    const name = crd.metadata?.name ?? "";
    this.crds.set(name, crd);
    const info = kindInfoFromCrd(crd);
    if (!info || !isSelected(info, this.options.selection)) {
      this.unselect(name);
      return;
    }
    const key = kindKey(info);
    this.crdKinds.set(name, key);
    const fingerprint = this.fingerprint(info);
    const current = this.kinds.get(key);
    if (current?.fingerprint === fingerprint) return; // e.g. only status or labels changed
    if (current) {
      this.log.info(
        { kind: key, from: current.info.version, to: info.version },
        "CRD changed: restarting its kind",
      );
      void this.stopKind(key, "crd_changed");
      this.startKind(key, info, fingerprint);
      return;
    }
    this.startKind(key, info, fingerprint);
  }

  private removeCrd(name: string): void {
    this.crds.delete(name);
    this.unselect(name, "crd_removed");
  }

  /** Stop watching a CRD's kind, but remember the CRD (a reconfiguration may select it again). */
  private unselect(name: string, reason = "unselected"): void {
    const key = this.crdKinds.get(name);
    if (key === undefined) return;
    this.crdKinds.delete(name);
    void this.stopKind(key, reason);
  }

  private startKind(key: string, info: KindInfo, fingerprint: string): void {
    if (this.kinds.has(key)) return;
    const kindMappers = this.mappers.map((m) => m.forKind(info)).filter((m) => m !== undefined);
    if (kindMappers.length === 0) return; // no mapper has anything to say about this kind
    const pipeline = new KindPipeline(
      info,
      kindMappers,
      this.store.kind(key, this.options.seriesLimitPerKind),
      this.ctx,
    );
    const namespaces =
      info.namespaced && this.options.namespaces.length > 0 ? this.options.namespaces : [undefined];
    const watched: WatchedKind = { info, fingerprint, loops: [], forbidden: new Set() };
    const labels = { group: info.group, kind: info.kind };
    const m = this.ctx.metrics;
    for (const namespace of namespaces) {
      const sink = new RelistingSink(pipeline);
      const loop: ListWatch = new ListWatch(
        this.client,
        {
          ...this.options.listWatch,
          path: resourcePath(info, namespace),
          ...this.selectors(info),
        },
        sink,
        {
          listed: (seconds, objects) => {
            m.listDuration.observe(labels, seconds);
            m.lastSync.set(labels, Date.now() / 1000);
            if (watched.loops.every((l) => l.synced)) m.kindSynced.set(labels, 1);
            this.log.info({ kind: key, version: info.version, namespace, objects, seconds }, "list complete");
          },
          event: (type) => {
            m.watchEvents.inc({ ...labels, type });
            m.lastSync.set(labels, Date.now() / 1000);
          },
          restart: (reason, detail) => {
            m.watchRestarts.inc({ ...labels, reason });
            const level = reason === "closed" ? "debug" : "warn";
            this.log[level]({ kind: key, namespace, reason, detail }, "watch restarted");
          },
          requestError: (verb, code) => m.requestErrors.inc({ ...labels, verb, code: String(code) }),
          forbidden: (isForbidden) => {
            if (isForbidden) watched.forbidden.add(loop);
            else watched.forbidden.delete(loop);
            m.kindForbidden.set(labels, watched.forbidden.size > 0 ? 1 : 0);
            if (isForbidden)
              this.log.error(
                { kind: key, namespace },
                "forbidden to list/watch this kind; retrying with backoff",
              );
            else this.log.info({ kind: key, namespace }, "access to kind restored");
          },
        },
      );
      watched.loops.push(loop);
    }
    this.kinds.set(key, watched);
    m.kindSynced.set(labels, 0);
    m.kindForbidden.set(labels, 0);
    m.watchedKinds.set(this.kinds.size);
    this.log.info({ kind: key, version: info.version, namespaces: this.options.namespaces }, "watch started");
    for (const loop of watched.loops) loop.start();
  }

  /** Stops a kind's loops and drops its series at once (synchronously); resolves when the loops exited. */
  private stopKind(key: string, reason: string): Promise<void> {
    const watched = this.kinds.get(key);
    if (!watched) return Promise.resolve();
    this.kinds.delete(key);
    // stop() aborts synchronously, so no loop delivers into the store after this line.
    const stopped = Promise.all(watched.loops.map((l) => l.stop()));
    this.store.dropKind(key);
    const labels = { group: watched.info.group, kind: watched.info.kind };
    const m = this.ctx.metrics;
    for (const g of [m.kindSynced, m.kindForbidden, m.objects, m.series]) g.remove(labels);
    m.watchedKinds.set(this.kinds.size);
    this.log.info({ kind: key, reason }, "watch stopped");
    return stopped.then(() => undefined);
  }
}
