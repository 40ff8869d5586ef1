// The exporter's own metrics (cr_exporter_*), from a prom-client registry served on the
// telemetry port. Object metrics never go through prom-client (see REFERENCES: it renders
// everything into one string per scrape).

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface SelfMetrics {
  readonly registry: Registry;
  readonly watchEvents: Counter<"group" | "kind" | "type">;
  readonly listDuration: Histogram<"group" | "kind">;
  readonly watchRestarts: Counter<"group" | "kind" | "reason">;
  readonly requestErrors: Counter<"group" | "kind" | "verb" | "code">;
  readonly kindSynced: Gauge<"group" | "kind">;
  readonly kindForbidden: Gauge<"group" | "kind">;
  readonly lastSync: Gauge<"group" | "kind">;
  readonly kindDataAge: Gauge<"group" | "kind">;
  readonly kindStale: Gauge<"group" | "kind">;
  /**
   * Set by the cluster source: per kind, when its data was last known complete. Read at every
   * telemetry scrape by lastSync, kindDataAge and kindStale.
   */
  kindFreshness: (() => Iterable<KindFreshness>) | undefined;
  readonly objects: Gauge<"group" | "kind">;
  readonly series: Gauge<"group" | "kind">;
  readonly seriesDropped: Counter<"group" | "kind" | "reason">;
  readonly valueErrors: Counter<"group" | "kind" | "reason">;
  readonly healthRuleErrors: Counter<"group" | "kind">;
  readonly scrapeDuration: Histogram<"format">;
  readonly scrapeBytes: Gauge<"format">;
  readonly configReloads: Counter<"result">;
  readonly configLastReloadSuccess: Gauge;
  readonly watchedKinds: Gauge;
  readonly crdEvents: Counter<"type">;
  readonly configResourcesUnmatched: Gauge<"group" | "version" | "kind">;
  readonly crdNotEstablished: Gauge<"crd" | "group" | "kind">;
}

/** How fresh one kind's data is (the oldest of its list/watch loops). */
export interface KindFreshness {
  readonly group: string;
  readonly kind: string;
  /** When the data was last known complete, ms since the epoch. */
  readonly freshAt: number;
  /** Older than this (ms) is stale. */
  readonly staleAfterMs: number;
}

/**
 * The per-kind series of the self-metrics (labels group and kind), removed together when a kind
 * goes away, so CRD churn does not leave series behind.
 */
function perKindMetrics(m: SelfMetrics): Array<{ remove(labels: Record<string, string>): void }> {
  return [
    m.watchEvents,
    m.listDuration,
    m.watchRestarts,
    m.requestErrors,
    m.kindSynced,
    m.kindForbidden,
    m.lastSync,
    m.kindDataAge,
    m.kindStale,
    m.objects,
    m.series,
    m.seriesDropped,
    m.valueErrors,
    m.healthRuleErrors,
  ] as unknown as Array<{ remove(labels: Record<string, string>): void }>;
}

/**
 * Remove every per-kind self-metric series of one kind (all its label combinations: event
 * types, reasons, codes). prom-client removes only exact label sets, so the label sets are read
 * from its `hashMap` (stable in prom-client 15; a unit test pins it).
 */
export function removeKindSeries(m: SelfMetrics, labels: { group: string; kind: string }): void {
  for (const metric of perKindMetrics(m)) {
    const hashMap = (metric as unknown as { hashMap?: Record<string, { labels?: Record<string, string> }> })
      .hashMap;
    for (const entry of Object.values(hashMap ?? {})) {
      const l = entry.labels;
      if (l && l.group === labels.group && l.kind === labels.kind) metric.remove(l);
    }
  }
}

export function createSelfMetrics(version: string): SelfMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  const kindLabels = ["group", "kind"] as const;
  new Gauge({
    name: "cr_exporter_build_info",
    help: "Build information of the running exporter; always 1.",
    labelNames: ["version", "nodejs_version"],
    registers: r,
  }).set({ version, nodejs_version: process.versions.node }, 1);
  // Computed at each telemetry scrape from the source's freshness (see kindFreshness).
  const freshness =
    (set: (labels: { group: string; kind: string }, k: KindFreshness, now: number) => void) => () => {
      const now = Date.now();
      for (const k of self.kindFreshness?.() ?? []) set({ group: k.group, kind: k.kind }, k, now);
    };
  const self: SelfMetrics = {
    registry,
    kindFreshness: undefined,
    watchEvents: new Counter({
      name: "cr_exporter_watch_events_total",
      help: "Watch events received, by kind and event type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR).",
      labelNames: ["group", "kind", "type"],
      registers: r,
    }),
    listDuration: new Histogram({
      name: "cr_exporter_list_duration_seconds",
      help: "Duration of complete (all pages) LIST calls per kind.",
      labelNames: kindLabels,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: r,
    }),
    watchRestarts: new Counter({
      name: "cr_exporter_watch_restarts_total",
      help: "Watches restarted, by reason (closed, gone, idle, error, forbidden, relist: to admit objects waiting over the series limit).",
      labelNames: ["group", "kind", "reason"],
      registers: r,
    }),
    requestErrors: new Counter({
      name: "cr_exporter_kube_request_errors_total",
      help: "Failed list/watch requests to the Kubernetes API, by verb and HTTP status code (0 = no response).",
      labelNames: ["group", "kind", "verb", "code"],
      registers: r,
    }),
    kindSynced: new Gauge({
      name: "cr_exporter_kind_synced",
      help: "1 once the kind's first LIST completed, 0 before.",
      labelNames: kindLabels,
      registers: r,
    }),
    kindForbidden: new Gauge({
      name: "cr_exporter_kind_forbidden",
      help: "1 while the exporter's identity may not list or watch the kind.",
      labelNames: kindLabels,
      registers: r,
    }),
    lastSync: new Gauge({
      name: "cr_exporter_kind_last_sync_timestamp_seconds",
      help: "When the kind's data was last known complete: a LIST completed, a watch event or bookmark arrived, or a watch resumed (oldest of the kind's loops).",
      labelNames: kindLabels,
      registers: r,
      collect: freshness((labels, k) => self.lastSync.set(labels, k.freshAt / 1000)),
    }),
    kindDataAge: new Gauge({
      name: "cr_exporter_kind_data_age_seconds",
      help: "Seconds since the kind's data was last known complete (see cr_exporter_kind_last_sync_timestamp_seconds); grows while its LIST/WATCH fail.",
      labelNames: kindLabels,
      registers: r,
      collect: freshness((labels, k, now) =>
        self.kindDataAge.set(labels, Math.max(0, now - k.freshAt) / 1000),
      ),
    }),
    kindStale: new Gauge({
      name: "cr_exporter_kind_stale",
      help: "1 while the kind's data age exceeds twice (watch idle timeout + backoff max): its series may be out of date.",
      labelNames: kindLabels,
      registers: r,
      collect: freshness((labels, k, now) =>
        self.kindStale.set(labels, now - k.freshAt > k.staleAfterMs ? 1 : 0),
      ),
    }),
    objects: new Gauge({
      name: "cr_exporter_objects",
      help: "Objects currently exported, per kind.",
      labelNames: kindLabels,
      registers: r,
    }),
    series: new Gauge({
      name: "cr_exporter_series",
      help: "Series currently exported, per kind.",
      labelNames: kindLabels,
      registers: r,
    }),
    seriesDropped: new Counter({
      name: "cr_exporter_series_dropped_total",
      help: "Series produced by the mapping but not exported, by reason (series_limit, type_conflict, ...).",
      labelNames: ["group", "kind", "reason"],
      registers: r,
    }),
    healthRuleErrors: new Counter({
      name: "cr_exporter_health_rule_errors_total",
      help: "Objects on which a per-kind health rule failed at run time (the generic rules decided their health instead).",
      labelNames: ["group", "kind"],
      registers: r,
    }),
    valueErrors: new Counter({
      name: "cr_exporter_value_errors_total",
      help: "Field values that could not be turned into samples (unparsable, missing path, truncated...).",
      labelNames: ["group", "kind", "reason"],
      registers: r,
    }),
    scrapeDuration: new Histogram({
      name: "cr_exporter_scrape_duration_seconds",
      help: "Time to write a complete /metrics response.",
      labelNames: ["format"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    scrapeBytes: new Gauge({
      name: "cr_exporter_scrape_size_bytes",
      help: "Uncompressed size of the last /metrics response.",
      labelNames: ["format"],
      registers: r,
    }),
    configReloads: new Counter({
      name: "cr_exporter_config_reloads_total",
      help: "Config file reloads, by result (success, failure).",
      labelNames: ["result"],
      registers: r,
    }),
    configLastReloadSuccess: new Gauge({
      name: "cr_exporter_config_last_reload_successful",
      help: "1 if the last config reload succeeded (or none happened), 0 if it failed.",
      registers: r,
    }),
    watchedKinds: new Gauge({
      name: "cr_exporter_watched_kinds",
      help: "Kinds currently listed and watched.",
      registers: r,
    }),
    crdEvents: new Counter({
      name: "cr_exporter_crd_events_total",
      help: "CustomResourceDefinition events seen, by type.",
      labelNames: ["type"],
      registers: r,
    }),
    configResourcesUnmatched: new Gauge({
      name: "cr_exporter_config_resources_unmatched",
      help: "1 while a resource of the kube-state-metrics config matches no served CRD version (it exports nothing), 0 once it matches.",
      labelNames: ["group", "version", "kind"],
      registers: r,
    }),
    crdNotEstablished: new Gauge({
      name: "cr_exporter_crd_not_established",
      help: "1 while a selected CRD is not Established (e.g. NamesAccepted=False): its objects are not read.",
      labelNames: ["crd", "group", "kind"],
      registers: r,
    }),
  };
  return self;
}
