// Self-metrics of the HTTP layer's protections (docs/operations.md, "Protections"), registered
// in the exporter's self-metrics registry (src/telemetry/metrics.ts) and served with them.

import { Counter, type Registry } from "prom-client";

export interface HttpMetrics {
  /** Requests that presented credentials (or needed them), by outcome: ok, denied, busy. */
  readonly authRequests: Counter<"result">;
  /** bcrypt comparisons run (on the worker thread). */
  readonly authVerifications: Counter;
  /** /metrics requests not served whole, by reason: error, timeout, stalled, not_acceptable. */
  readonly scrapeFailures: Counter<"reason">;
}

const byRegistry = new WeakMap<Registry, HttpMetrics>();

/** The HTTP metrics of `registry`, created on first use (both ports share them). */
export function httpMetrics(registry: Registry): HttpMetrics {
  let metrics = byRegistry.get(registry);
  if (metrics) return metrics;
  const registers = [registry];
  metrics = {
    authRequests: new Counter({
      name: "cr_exporter_auth_requests_total",
      help: "Requests checked against the web config's users and tokens, by result: ok, denied (401), busy (429: too many password checks in flight, not verified).",
      labelNames: ["result"],
      registers,
    }),
    authVerifications: new Counter({
      name: "cr_exporter_auth_bcrypt_verifications_total",
      help: "bcrypt password comparisons run (off the event loop); cached results and busy answers cost none.",
      registers,
    }),
    scrapeFailures: new Counter({
      name: "cr_exporter_scrape_failures_total",
      help: "/metrics requests not served whole, by reason: error (rendering failed: 500, or the connection cut), timeout (not written within the scrape timeout: connection closed), stalled (its client took nothing for 10 s while another scrape needed the slot: connection closed), not_acceptable (406).",
      labelNames: ["reason"],
      registers,
    }),
  };
  for (const result of ["ok", "denied", "busy"]) metrics.authRequests.inc({ result }, 0);
  for (const reason of ["error", "timeout", "stalled", "not_acceptable"])
    metrics.scrapeFailures.inc({ reason }, 0);
  byRegistry.set(registry, metrics);
  return metrics;
}
