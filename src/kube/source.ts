// What the exporter reads objects from: the cluster (KindsController: CRDs and their objects
// through list+watch) or manifests on disk (FilesController). Both implement `Source`, and both
// turn a CRD into readings the same way (here): which versions to read, which mappers map each,
// one pipeline per reading into the store; and both report kube-state-metrics config resources
// that match nothing served.

import type { KindInfo, Mapper } from "../mapping/types.ts";
import { KindPipeline, type PipelineContext } from "../pipeline.ts";
import type { MetricStore } from "../store/store.ts";
import type { Logger } from "../telemetry/log.ts";
import {
  type ConfigResource,
  type Crd,
  configResourceLabels,
  isSelected,
  kindInfoFromCrd,
  kindKey,
  plannedVersions,
  type Selection,
  unmatchedReason,
} from "./crds.ts";
import type { ListWatchOptions } from "./list-watch.ts";

/** A mapper and what it reads: `resources` for a kube-state-metrics config, none for auto mode. */
export interface MapperBinding {
  readonly mapper: Mapper;
  /** The config's resources; absent: every selected kind at its preferred served version. */
  readonly resources?: readonly ConfigResource[];
}

/**
 * One line of `/readyz?verbose`: a resource read (a kind at a version, or the CRD list itself),
 * or something the source reports without reading it (a CRD not Established, a config resource
 * that matches nothing). Only `blocking` entries hold readiness back until synced.
 */
export interface SourceStatus {
  readonly key: string;
  readonly state: "synced" | "listing" | "forbidden" | "not_established" | "unmatched";
  /** Why, for the states that need a reason. */
  readonly detail?: string;
  readonly blocking: boolean;
}

/** The settings sources read (the file source only the first two); a reload hands new ones. */
export interface SourceOptions {
  readonly selection: Selection;
  readonly seriesLimitPerKind: number;
  /** Server-side label selector on CRDs. */
  readonly crdLabelSelector?: string;
  /** Namespaces to watch namespaced kinds in; empty = all namespaces. */
  readonly namespaces: readonly string[];
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Per-kind selectors (keyed by plural.group), replacing the global ones for that kind. */
  readonly kindSelectors?: Readonly<Record<string, { labelSelector?: string; fieldSelector?: string }>>;
  readonly listWatch: Omit<ListWatchOptions, "path" | "labelSelector" | "fieldSelector">;
}

export interface Source {
  start(): void;
  stop(): Promise<void>;
  /** True when everything that blocks readiness has completed its first list. */
  ready(): boolean;
  status(): SourceStatus[];
  /**
   * Apply new mappers (undefined: keep them) and/or options, restarting only what they change.
   * Throws nothing for a valid config; unchanged readings keep running.
   */
  reconfigure(mappers: readonly MapperBinding[] | undefined, options: SourceOptions): void;
}

/** One kind at one version, with the mappers that read it there. */
export interface Reading {
  /** Store key and map key: `plural.group/version`. */
  readonly key: string;
  readonly kindKey: string;
  /** The CRD's name. */
  readonly crd: string;
  /** Whether `info.version` is the CRD's preferred served version. */
  readonly preferred: boolean;
  readonly info: KindInfo;
  readonly mappers: readonly Mapper[];
  /** Indexes of the bindings the mappers come from (part of what identifies the reading). */
  readonly readers: readonly number[];
}

/** The readings of a CRD for these mapper bindings: one per version some mapper needs. */
export function readingsOf(crd: Crd, bindings: readonly MapperBinding[]): Reading[] {
  const preferred = kindInfoFromCrd(crd)?.version;
  const out: Reading[] = [];
  for (const [version, readers] of plannedVersions(crd, bindings)) {
    const info = kindInfoFromCrd(crd, version);
    if (!info) continue;
    const mappers = readers.map((i) => (bindings[i] as MapperBinding).mapper);
    out.push({
      key: `${kindKey(info)}/${version}`,
      kindKey: kindKey(info),
      crd: crd.metadata?.name ?? kindKey(info),
      preferred: version === preferred,
      info,
      mappers,
      readers,
    });
  }
  return out;
}

/** The `/readyz?verbose` name of a reading: the kind, plus the version when not the preferred. */
export function readingName(r: Pick<Reading, "kindKey" | "preferred" | "info">): string {
  return r.preferred ? r.kindKey : `${r.kindKey}/${r.info.version}`;
}

/**
 * A pipeline for a reading, into its own store entry; undefined when none of its mappers has
 * anything to say about the kind. `countsChanged` replaces the per-kind object/series gauges
 * (a kind read at two versions sums them).
 */
export function openPipeline(
  reading: Reading,
  store: MetricStore,
  ctx: PipelineContext,
  seriesLimit: number,
  countsChanged?: () => void,
): KindPipeline | undefined {
  const kindMappers = reading.mappers.map((m) => m.forKind(reading.info)).filter((m) => m !== undefined);
  if (kindMappers.length === 0) return undefined;
  return new KindPipeline(
    reading.info,
    kindMappers,
    store.kind(reading.key, seriesLimit),
    ctx,
    countsChanged,
  );
}

/** Why a CRD is not read under this selection (for config resources naming it), or undefined. */
export function unselected(crd: Crd, selection: Selection): string | undefined {
  const info = kindInfoFromCrd(crd);
  if (!info) return "the CRD serves no version";
  return isSelected(info, selection) ? undefined : "excluded by the --include-*/--exclude-* flags";
}

/** Every config resource of these bindings, once. */
export function configResources(bindings: readonly MapperBinding[]): ConfigResource[] {
  const seen = new Map<string, ConfigResource>();
  for (const b of bindings)
    for (const r of b.resources ?? []) seen.set(JSON.stringify(configResourceLabels(r)), r);
  return [...seen.values()];
}

/**
 * Config resources that match no served version (or no CRD): a self-metric per resource (1 while
 * unmatched, 0 once matched), a warning each time the reason changes, and status lines.
 */
export class UnmatchedReport {
  private readonly ctx: PipelineContext;
  private readonly log: Logger;
  /** Resource labels (JSON) → current reason; undefined when matched. */
  private readonly reasons = new Map<string, string | undefined>();

  constructor(ctx: PipelineContext, log: Logger) {
    this.ctx = ctx;
    this.log = log;
  }

  /** Re-evaluate every resource against the CRDs known now. */
  update(
    resources: readonly ConfigResource[],
    crds: Iterable<Crd>,
    unusable: (crd: Crd) => string | undefined,
  ): void {
    const all = [...crds];
    const gauge = this.ctx.metrics.configResourcesUnmatched;
    const current = new Set<string>();
    for (const r of resources) {
      const labels = configResourceLabels(r);
      const id = JSON.stringify(labels);
      current.add(id);
      const reason = unmatchedReason(r, all, unusable);
      const before = this.reasons.get(id);
      const known = this.reasons.has(id);
      this.reasons.set(id, reason);
      gauge.set(labels, reason === undefined ? 0 : 1);
      // A CRD just created is briefly not Established: that alone is no warning.
      if (reason !== undefined && reason !== before)
        this.log[reason.endsWith("not Established yet") ? "info" : "warn"](
          { ...labels, reason },
          "config resource matches nothing served: no series for it",
        );
      else if (reason === undefined && known && before !== undefined)
        this.log.info(labels, "config resource matched again");
    }
    for (const id of [...this.reasons.keys()]) {
      if (current.has(id)) continue;
      this.reasons.delete(id);
      gauge.remove(JSON.parse(id) as { group: string; version: string; kind: string });
    }
  }

  status(): SourceStatus[] {
    const out: SourceStatus[] = [];
    for (const [id, reason] of this.reasons) {
      if (reason === undefined) continue;
      const { group, version, kind } = JSON.parse(id) as { group: string; version: string; kind: string };
      out.push({
        key: `config resource ${group}/${version}, Kind=${kind}`,
        state: "unmatched",
        detail: reason,
        blocking: false,
      });
    }
    return out;
  }
}

/**
 * What both sources share: the mapper bindings (and a generation bumped when they are replaced,
 * so every reading's fingerprint changes with them), the settings, the unmatched-resource report,
 * and how a reconfiguration is applied.
 */
export abstract class ReadingSource implements Source {
  protected bindings: readonly MapperBinding[];
  protected mapperGeneration = 0;
  protected readonly store: MetricStore;
  protected readonly ctx: PipelineContext;
  protected readonly log: Logger;
  protected options: SourceOptions;
  protected readonly unmatched: UnmatchedReport;

  constructor(
    bindings: readonly MapperBinding[],
    store: MetricStore,
    ctx: PipelineContext,
    log: Logger,
    options: SourceOptions,
  ) {
    this.bindings = bindings;
    this.store = store;
    this.ctx = ctx;
    this.log = log;
    this.options = options;
    this.unmatched = new UnmatchedReport(ctx, log);
  }

  abstract start(): void;
  abstract stop(): Promise<void>;
  abstract ready(): boolean;
  abstract status(): SourceStatus[];
  /** Store keys of the running readings. */
  protected abstract readingKeys(): Iterable<string>;
  /** Bring every reading in line with the current bindings and options. */
  protected abstract reapply(): void;

  reconfigure(bindings: readonly MapperBinding[] | undefined, options: SourceOptions): void {
    if (bindings) {
      this.bindings = bindings;
      this.mapperGeneration++;
    }
    this.options = options;
    for (const key of this.readingKeys()) this.store.kind(key).setMaxSeries(options.seriesLimitPerKind);
    this.reapply();
  }

  /** What identifies "the same reading, same mapping": version, schema, mappers, and `extra`. */
  protected fingerprint(r: Reading, ...extra: unknown[]): string {
    return JSON.stringify([
      r.info.version,
      r.info.schema ?? null,
      r.readers,
      this.mapperGeneration,
      ...extra,
    ]);
  }

  /** Re-evaluate the config resources against these CRDs. */
  protected reportUnmatched(crds: Iterable<Crd>, unusable: (crd: Crd) => string | undefined): void {
    this.unmatched.update(configResources(this.bindings), crds, unusable);
  }
}
