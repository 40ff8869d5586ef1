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
  readonly objects: Gauge<"group" | "kind">;
  readonly series: Gauge<"group" | "kind">;
  readonly seriesDropped: Counter<"group" | "kind" | "reason">;
  readonly valueErrors: Counter<"group" | "kind" | "reason">;
  readonly scrapeDuration: Histogram<"format">;
  readonly scrapeBytes: Gauge<"format">;
  readonly configReloads: Counter<"result">;
  readonly configLastReloadSuccess: Gauge;
  readonly watchedKinds: Gauge;
  readonly crdEvents: Counter<"type">;
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
  return {
    registry,
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
      help: "Watches restarted, by reason (timeout, closed, gone, idle, error, forbidden).",
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
      help: "When the kind last completed a LIST or received a watch event or bookmark.",
      labelNames: kindLabels,
      registers: r,
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
  };
}
