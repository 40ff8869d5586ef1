// The glue of the data flow for one kind: object (from a list/watch loop or a file) → every
// mapper that handles the kind → one store entry per uid. Objects are forgotten after mapping.

import {
  type KindInfo,
  type KindMapper,
  type KubeObject,
  MAPPING_DROP_REASONS,
  type MappingIssue,
} from "./mapping/types.ts";
import { DROP_REASONS, type KindStore } from "./store/store.ts";
import type { RateLimitedLog } from "./telemetry/log.ts";
import type { SelfMetrics } from "./telemetry/metrics.ts";

export interface PipelineContext {
  readonly metrics: SelfMetrics;
  readonly warnings: RateLimitedLog;
  /** Keep only objects this returns true for (sharding). */
  readonly owns: (uid: string) => boolean;
}

/**
 * The identity of an object in the store: namespace/name, the identity of its series. Keyed by
 * name rather than uid, an object deleted and re-created under the same name while the exporter
 * was not watching replaces its predecessor when it is listed, so no scrape holds it twice.
 */
export function objectKey(obj: KubeObject): string | undefined {
  const m = obj.metadata;
  return m?.name ? `${m.namespace ?? ""}/${m.name}` : undefined;
}

/** What shards hash: the uid, or the key for objects without one (files). */
function shardKey(obj: KubeObject, key: string): string {
  return obj.metadata?.uid || key;
}

export class KindPipeline {
  readonly info: KindInfo;
  private readonly mappers: readonly KindMapper[];
  private readonly store: KindStore;
  private readonly ctx: PipelineContext;
  private readonly labels: { group: string; kind: string };
  /** Replaces the per-kind object/series gauges (a kind read at two versions sums its stores). */
  private readonly countsChanged: (() => void) | undefined;

  constructor(
    info: KindInfo,
    mappers: readonly KindMapper[],
    store: KindStore,
    ctx: PipelineContext,
    countsChanged?: () => void,
  ) {
    this.info = info;
    this.mappers = mappers;
    this.store = store;
    this.ctx = ctx;
    this.countsChanged = countsChanged;
    this.labels = { group: info.group, kind: info.kind };
    // Start the kind's drop counters at 0: a counter that first appears at N hides its first
    // increase from rate()/increase(), so a one-off drop would never alert.
    for (const reason of [...DROP_REASONS, ...MAPPING_DROP_REASONS])
      ctx.metrics.seriesDropped.inc({ ...this.labels, reason }, 0);
  }

  upsert(obj: KubeObject): string | undefined {
    const key = objectKey(obj);
    if (key === undefined) {
      this.report([{ reason: "object_without_name", detail: "object has no metadata.name" }]);
      return undefined;
    }
    const uid = shardKey(obj, key);
    if (!this.ctx.owns(uid)) return undefined;
    // A new uid under a known name is a new object: its counters start afresh.
    // The store keeps, per object, one state per mapper (in mapper order), as stored below.
    const kept = this.store.state(key, uid);
    const previous = Array.isArray(kept) ? kept : undefined;
    const families = [];
    const states: unknown[] = [];
    for (let i = 0; i < this.mappers.length; i++) {
      let result: ReturnType<KindMapper["map"]>;
      try {
        result = this.mappers[i]!.map(obj, previous?.[i]);
      } catch (err) {
        // Mappers promise not to throw; if one does anyway, lose this object, not the service.
        this.report([{ reason: "mapper_exception", detail: (err as Error).message }]);
        states.push(previous?.[i]);
        continue;
      }
      families.push(...result.families);
      states.push(result.state);
      if (result.issues?.length) this.report(result.issues, obj);
      for (const d of result.dropped ?? []) this.countDrop(d.reason, d.count, d.detail, obj);
    }
    const outcome = this.store.upsert(
      key,
      families,
      states.some((s) => s !== undefined) ? states : undefined,
      uid,
    );
    for (const [reason, count] of outcome.dropped) this.countDrop(reason, count, "");
    this.updateGauges();
    return key;
  }

  /** Series not stored (by the store's limits or by a mapper's design limits): counted and logged. */
  private countDrop(reason: string, count: number, detail: string, obj?: KubeObject): void {
    this.ctx.metrics.seriesDropped.inc({ ...this.labels, reason }, count);
    this.ctx.warnings.warn(
      `${this.info.plural}.${this.info.group}:drop:${reason}`,
      {
        group: this.info.group,
        kind: this.info.kind,
        reason,
        series: count,
        namespace: obj?.metadata?.namespace,
        name: obj?.metadata?.name,
        ...(detail !== "" ? { detail } : {}),
      },
      "series dropped",
    );
  }

  /** Delete the object's series, unless its name now belongs to another uid. Returns whether it did. */
  remove(obj: KubeObject): boolean {
    const key = objectKey(obj);
    if (key === undefined || !this.store.delete(key, shardKey(obj, key))) return false;
    this.updateGauges();
    return true;
  }

  removeKey(key: string): void {
    if (this.store.delete(key)) this.updateGauges();
  }

  /** Call `listener` when objects wait over the series limit and room frees up (see KindStore.onRoom). */
  onRoom(listener: () => void): () => void {
    return this.store.onRoom(listener);
  }

  private updateGauges(): void {
    if (this.countsChanged) {
      this.countsChanged();
      return;
    }
    this.ctx.metrics.objects.set(this.labels, this.store.objectCount);
    this.ctx.metrics.series.set(this.labels, this.store.seriesCount);
  }

  private report(issues: readonly MappingIssue[], obj?: KubeObject): void {
    for (const issue of issues) {
      if (issue.reason === "health_rule_error") this.ctx.metrics.healthRuleErrors.inc(this.labels);
      else this.ctx.metrics.valueErrors.inc({ ...this.labels, reason: issue.reason });
      this.ctx.warnings.warn(
        `${this.info.plural}.${this.info.group}:${issue.reason}:${issue.detail}`,
        {
          group: this.info.group,
          kind: this.info.kind,
          reason: issue.reason,
          namespace: obj?.metadata?.namespace,
          name: obj?.metadata?.name,
        },
        issue.detail,
      );
    }
  }
}

/**
 * A list/watch sink over a pipeline that remembers which keys its loop delivered, so a relist
 * removes exactly the objects (of its namespace) that vanished while it was not watching.
 */
export class RelistingSink {
  private readonly pipeline: KindPipeline;
  private owned = new Set<string>();
  private seen: Set<string> | undefined;

  constructor(pipeline: KindPipeline) {
    this.pipeline = pipeline;
  }

  listStart(): void {
    this.seen = new Set();
  }

  upsert(obj: KubeObject): void {
    const key = this.pipeline.upsert(obj);
    if (key === undefined) return;
    this.owned.add(key);
    this.seen?.add(key);
  }

  remove(obj: KubeObject): void {
    const key = objectKey(obj);
    if (this.pipeline.remove(obj) && key !== undefined) this.owned.delete(key);
  }

  /**
   * The list/watch loop feeding this sink: asked to relist when objects wait over the series
   * limit and room frees up, as their rendering was not kept (a long-running exporter then
   * converges to what a fresh one exports).
   */
  attach(loop: { requestRelist(): void }): void {
    this.pipeline.onRoom(() => loop.requestRelist());
  }

  listDone(): void {
    const seen = this.seen ?? new Set<string>();
    for (const key of this.owned) if (!seen.has(key)) this.pipeline.removeKey(key);
    this.owned = seen;
    this.seen = undefined;
  }
}
