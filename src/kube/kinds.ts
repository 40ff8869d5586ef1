// The cluster source: which kinds are read, driven by a watch on CustomResourceDefinitions. A CRD
// appearing (and Established) starts its readings: one list+watch per version some mapper needs
// (auto mode: the preferred served version; a kube-state-metrics config: the version it names,
// while served); a change of versions, schema or mappers restarts only that CRD's readings; a
// CRD going away stops them and removes their series. Other kinds are never relisted.

import type { KindInfo } from "../mapping/types.ts";
import { type KindPipeline, type PipelineContext, RelistingSink } from "../pipeline.ts";
import type { MetricStore } from "../store/store.ts";
import type { Logger } from "../telemetry/log.ts";
import { type KindFreshness, removeKindSeries } from "../telemetry/metrics.ts";
import type { KubeClient } from "./client.ts";
import { type Crd, isSelected, kindInfoFromCrd, kindKey, notEstablished, resourcePath } from "./crds.ts";
import { describeFreshness, ListWatch, type ListWatchSink, oldestFreshness } from "./list-watch.ts";
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

const CRD_RESOURCE = "customresourcedefinitions.apiextensions.k8s.io";

interface Watched {
  readonly reading: Reading;
  /** What identifies "the same reading, same mapping": version, schema, loop options, mappers. */
  readonly fingerprint: string;
  readonly loops: ListWatch[];
  readonly forbidden: Set<ListWatch>;
}

export class KindsController extends ReadingSource {
  private readonly client: KubeClient;
  /** Reading key (`plural.group/version`) → its loops. */
  private readonly watched = new Map<string, Watched>();
  /** Kind key (`plural.group`) → its readings, one per version read. */
  private readonly byKind = new Map<string, Set<Watched>>();
  private crdLoop: ListWatch | undefined;
  private crdForbidden = false;
  /** CRD name → the latest CRD seen, so a reconfiguration can re-evaluate every CRD. */
  private readonly crds = new Map<string, Crd>();
  /** CRD name → why it is not Established, for the selected CRDs the API server does not serve. */
  private readonly pending = new Map<string, string>();
  private seenCrds: Set<string> | undefined;

  constructor(
    client: KubeClient,
    bindings: readonly MapperBinding[],
    store: MetricStore,
    ctx: PipelineContext,
    log: Logger,
    options: SourceOptions,
  ) {
    super(bindings, store, ctx, log, options);
    this.client = client;
    ctx.metrics.kindFreshness = () => this.freshness();
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
        if (this.crdLoop?.synced) this.reportCrds();
      },
      remove: (obj) => {
        this.ctx.metrics.crdEvents.inc({ type: "delete" });
        this.removeCrd((obj as Crd).metadata?.name ?? "");
        if (this.crdLoop?.synced) this.reportCrds();
      },
      listDone: () => {
        const seen = this.seenCrds ?? new Set();
        for (const name of [...this.crds.keys()]) if (!seen.has(name)) this.removeCrd(name);
        this.seenCrds = undefined;
        // Every CRD is known now: report the config resources that match none.
        this.reportCrds();
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
          this.log.warn({ resource: CRD_RESOURCE, reason, detail }, "watch restarted"),
        forbidden: (f) => {
          this.crdForbidden = f;
          if (f) this.log.error({ resource: CRD_RESOURCE }, "forbidden to list CustomResourceDefinitions");
          else this.log.info({ resource: CRD_RESOURCE }, "access restored");
        },
      },
    );
    this.crdLoop.start();
  }

  async stop(): Promise<void> {
    await this.crdLoop?.stop();
    await Promise.all([...this.watched.keys()].map((key) => this.stopReading(key, "shutdown")));
  }

  /** True when the CRD list and every reading that is not forbidden have completed a list. */
  ready(): boolean {
    if (!this.crdLoop?.synced) return false;
    return [...this.watched.values()].every((w) => w.forbidden.size > 0 || w.loops.every((l) => l.synced));
  }

  status(): SourceStatus[] {
    const loop = this.crdLoop;
    const out: SourceStatus[] = [
      {
        key: CRD_RESOURCE,
        state: this.crdForbidden ? "forbidden" : loop?.synced ? "synced" : "listing",
        detail: loop ? describeFreshness([loop]) : undefined,
        blocking: true,
      },
    ];
    for (const w of this.watched.values()) {
      out.push({
        key: readingName(w.reading),
        state: w.forbidden.size > 0 ? "forbidden" : w.loops.every((l) => l.synced) ? "synced" : "listing",
        // Stale data does not fail readiness (see docs/operations.md): it is shown and alerted on.
        detail: describeFreshness(w.loops),
        blocking: true,
      });
    }
    for (const [name, reason] of this.pending)
      out.push({ key: name, state: "not_established", detail: reason, blocking: false });
    out.push(...this.unmatched.status());
    return out;
  }

  protected readingKeys(): Iterable<string> {
    return this.watched.keys();
  }

  /** After a reload: only readings whose selection, loop options or mapping changed restart. */
  protected reapply(): void {
    for (const crd of [...this.crds.values()]) this.applyCrd(crd);
    if (this.crdLoop?.synced) this.reportCrds();
  }

  /** Why a CRD's objects cannot be read (for config resources naming it), or undefined. */
  private unusable(crd: Crd): string | undefined {
    const excluded = unselected(crd, this.options.selection);
    if (excluded !== undefined) return excluded;
    const pending = notEstablished(crd);
    return pending === undefined ? undefined : `not Established: ${pending}`;
  }

  private reportCrds(): void {
    this.reportUnmatched(this.crds.values(), (crd) => this.unusable(crd));
  }

  private selectors(info: KindInfo): { labelSelector?: string; fieldSelector?: string } {
    const own = this.options.kindSelectors?.[kindKey(info)];
    return own ?? { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector };
  }

  /** Start, restart or stop a CRD's readings so they match what it and the mappers need now. */
  private applyCrd(crd: Crd): void {
    const name = crd.metadata?.name ?? "";
    this.crds.set(name, crd);
    const info = kindInfoFromCrd(crd);
    const selected = info !== undefined && isSelected(info, this.options.selection);
    this.setPending(
      name,
      selected ? notEstablished(crd) : undefined,
      info,
      notEstablished(crd) === undefined,
    );
    const wanted = selected && !this.pending.has(name) ? readingsOf(crd, this.bindings) : [];
    const wantedKeys = new Set(wanted.map((r) => r.key));
    for (const [key, w] of [...this.watched])
      if (w.reading.crd === name && !wantedKeys.has(key)) void this.stopReading(key, "unselected");
    for (const reading of wanted) {
      const fingerprint = this.fingerprint(reading, this.options.namespaces, this.selectors(reading.info));
      const current = this.watched.get(reading.key);
      if (current?.fingerprint === fingerprint) continue; // e.g. only status or labels changed
      if (current) {
        this.log.info(
          { kind: reading.kindKey, version: reading.info.version },
          "CRD changed: restarting its reading",
        );
        // A restart, not a removal: the kind's self-metric series stay. Removed and made again,
        // a counter would start over at what it held before (one LIST: 1 again), and rate()
        // would miss the increase.
        void this.stopReading(reading.key, "crd_changed", { keepKindSeries: true });
      }
      this.startReading(reading, fingerprint);
      if (current) this.updateKindGauges(reading.info); // listing again: not synced
    }
  }

  /** Track a selected CRD the API server does not serve (yet): reported, never waited for. */
  private setPending(
    name: string,
    reason: string | undefined,
    info: KindInfo | undefined,
    established = false,
  ): void {
    const before = this.pending.get(name);
    if (reason === before) return;
    const gauge = this.ctx.metrics.crdNotEstablished;
    const labels = { crd: name, group: info?.group ?? "", kind: info?.kind ?? "" };
    if (reason === undefined) {
      this.pending.delete(name);
      gauge.remove(labels);
      if (established) this.log.info({ crd: name }, "CRD established");
      return;
    }
    this.pending.set(name, reason);
    gauge.set(labels, 1);
    // A CRD just created is briefly not Established: only a stated failure is a warning.
    const level = reason === "not Established yet" ? "info" : "warn";
    this.log[level]({ crd: name, reason }, "CRD not established: its objects are not read");
  }

  private removeCrd(name: string): void {
    const crd = this.crds.get(name);
    this.crds.delete(name);
    if (this.pending.has(name)) this.setPending(name, undefined, crd ? kindInfoFromCrd(crd) : undefined);
    for (const [key, w] of [...this.watched])
      if (w.reading.crd === name) void this.stopReading(key, "crd_removed");
  }

  /** Per kind, the oldest freshness of its loops (for the data-age self-metrics). */
  private freshness(): KindFreshness[] {
    const out: KindFreshness[] = [];
    for (const readings of this.byKind.values()) {
      const all = [...readings];
      const loops = all.flatMap((w) => w.loops);
      if (all[0] && loops.length > 0)
        out.push({
          group: all[0].reading.info.group,
          kind: all[0].reading.info.kind,
          ...oldestFreshness(loops),
        });
    }
    return out;
  }

  /** Per-kind gauges over every reading of the kind: synced, forbidden, objects, series. */
  private updateKindGauges(info: KindInfo): void {
    const m = this.ctx.metrics;
    const labels = { group: info.group, kind: info.kind };
    const all = [...(this.byKind.get(kindKey(info)) ?? [])];
    if (all.length === 0) {
      removeKindSeries(m, labels); // every per-kind self-metric, so CRD churn leaves none behind
      return;
    }
    m.kindSynced.set(labels, all.every((w) => w.loops.every((l) => l.synced)) ? 1 : 0);
    m.kindForbidden.set(labels, all.some((w) => w.forbidden.size > 0) ? 1 : 0);
    this.updateCounts(info);
  }

  /** Objects and series of a kind, after every change of its stores (kept cheap: per object). */
  private updateCounts(info: KindInfo): void {
    const readings = this.byKind.get(kindKey(info));
    if (!readings || readings.size === 0) return;
    let objects = 0;
    let series = 0;
    // The same objects at each version: count them once; their series add up.
    for (const w of readings) {
      const store = this.store.kind(w.reading.key);
      objects = Math.max(objects, store.objectCount);
      series += store.seriesCount;
    }
    const labels = { group: info.group, kind: info.kind };
    this.ctx.metrics.objects.set(labels, objects);
    this.ctx.metrics.series.set(labels, series);
  }

  private startReading(reading: Reading, fingerprint: string): void {
    const { info } = reading;
    const pipeline: KindPipeline | undefined = openPipeline(
      reading,
      this.store,
      this.ctx,
      this.options.seriesLimitPerKind,
      () => this.updateCounts(info),
    );
    if (!pipeline) return; // no mapper has anything to say about this kind
    const namespaces =
      info.namespaced && this.options.namespaces.length > 0 ? this.options.namespaces : [undefined];
    const watched: Watched = { reading, fingerprint, loops: [], forbidden: new Set() };
    const labels = { group: info.group, kind: info.kind };
    const key = readingName(reading);
    const m = this.ctx.metrics;
    for (const namespace of namespaces) {
      const sink = new RelistingSink(pipeline);
      const loop: ListWatch = new ListWatch(
        this.client,
        { ...this.options.listWatch, path: resourcePath(info, namespace), ...this.selectors(info) },
        sink,
        {
          listed: (seconds, objects) => {
            m.listDuration.observe(labels, seconds);
            m.lastSync.set(labels, Date.now() / 1000);
            this.updateKindGauges(info);
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
            if (this.watched.get(reading.key) === watched) this.updateKindGauges(info);
            if (isForbidden)
              this.log.error(
                { kind: key, namespace },
                "forbidden to list/watch this kind; retrying with backoff",
              );
            else this.log.info({ kind: key, namespace }, "access restored");
          },
        },
      );
      watched.loops.push(loop);
    }
    this.watched.set(reading.key, watched);
    const siblings = this.byKind.get(reading.kindKey) ?? new Set();
    this.byKind.set(reading.kindKey, siblings.add(watched));
    this.updateKindGauges(info);
    m.watchedKinds.set(this.byKind.size);
    this.log.info({ kind: key, version: info.version, namespaces: this.options.namespaces }, "watch started");
    for (const loop of watched.loops) loop.start();
  }

  /** Stops a reading's loops and drops its series at once (synchronously); resolves when the loops exited. */
  private stopReading(key: string, reason: string, { keepKindSeries = false } = {}): Promise<void> {
    const watched = this.watched.get(key);
    if (!watched) return Promise.resolve();
    this.watched.delete(key);
    const siblings = this.byKind.get(watched.reading.kindKey);
    siblings?.delete(watched);
    if (siblings?.size === 0) this.byKind.delete(watched.reading.kindKey);
    // stop() aborts synchronously, so no loop delivers into the store after this line.
    const stopped = Promise.all(watched.loops.map((l) => l.stop()));
    this.store.dropKind(key);
    if (!keepKindSeries) this.updateKindGauges(watched.reading.info);
    this.ctx.metrics.watchedKinds.set(this.byKind.size);
    this.log.info({ kind: readingName(watched.reading), reason }, "watch stopped");
    return stopped.then(() => undefined);
  }
}
