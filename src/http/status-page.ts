// The page at `/`: what the exporter is doing, from what the server already has — readiness per
// kind, the self-metrics registry, and one pass over the store's texts (series per family, per
// object, health verdicts). Server-rendered HTML, no script, no external asset; every string that
// can come from the cluster or the config goes through esc().

import type { Registry } from "prom-client";
import type { MetricStore } from "../store/store.ts";

export interface StatusReadiness {
  ready(): boolean;
  detail(): Array<{ kind: string; synced: boolean; forbidden: boolean; state?: string }>;
}

/** Objects are tallied by name up to this many series; past it the table says it is partial. */
const OBJECT_TALLY_MAX_SERIES = 500_000;
const TOP = 20;

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
/** HTML-escapes text for element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A label value as written in the exposition (`\\`, `\"`, `\n` escaped), back to its text. */
function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

const LABEL = (name: string) => new RegExp(`[{,]${name}="((?:[^"\\\\]|\\\\.)*)"`);
const KIND = LABEL("(?:customresource_)?kind");
const NAMESPACE = LABEL("namespace");
const NAME = LABEL("name");
const STATE = LABEL("state");
const GROUP = LABEL("(?:customresource_)?group");
const VERSION = LABEL("(?:customresource_)?version");

export interface StoreTally {
  series: number;
  families: Array<{ name: string; type: string; series: number }>;
  /** "kind namespace/name" → series, for the first OBJECT_TALLY_MAX_SERIES series. */
  objects: Map<string, { kind: string; object: string; series: number }>;
  objectsPartial: boolean;
  /** kind → health state → objects in it (the `*_health` family, value 1). */
  health: Map<string, Map<string, number>>;
  /** "group kind" → the versions its `*_info` series name (the version each kind is read at). */
  versions: Map<string, Set<string>>;
}

/**
 * One pass over the store's texts, yielding to the event loop after every chunk (so a page view
 * at a million series is spread over many short turns, like a scrape).
 */
export async function tallyStore(store: MetricStore): Promise<StoreTally> {
  const tally: StoreTally = {
    series: 0,
    families: [],
    objects: new Map(),
    objectsPartial: false,
    health: new Map(),
    versions: new Map(),
  };
  for (const family of store.snapshot()) {
    // The health verdict family (`cr_health` with the default prefix), not a status field's.
    const isHealth = /health$/.test(family.meta.name) && !family.meta.name.includes("status_");
    const isInfo = /info$/.test(family.meta.name) && !family.meta.name.includes("status_");
    let series = 0;
    for (const segment of family.segments) {
      for (const chunk of segment.chunks(false)) {
        if (typeof chunk !== "string") continue; // only compressed pieces are not strings; not asked for
        for (let start = 0; start < chunk.length; ) {
          let end = chunk.indexOf("\n", start);
          if (end < 0) end = chunk.length;
          const line = chunk.slice(start, end);
          start = end + 1;
          if (line === "" || line.startsWith("#")) continue;
          series++;
          const kind = unescapeLabel(KIND.exec(line)?.[1] ?? "");
          const version = isInfo ? VERSION.exec(line)?.[1] : undefined;
          if (version !== undefined) {
            const key = `${unescapeLabel(GROUP.exec(line)?.[1] ?? "")}\u0000${kind}`;
            const versions = tally.versions.get(key) ?? new Set<string>();
            versions.add(unescapeLabel(version));
            tally.versions.set(key, versions);
          }
          const state = isHealth && line.endsWith(" 1") ? STATE.exec(line)?.[1] : undefined;
          if (state !== undefined) {
            const counts = tally.health.get(kind) ?? new Map<string, number>();
            counts.set(unescapeLabel(state), (counts.get(unescapeLabel(state)) ?? 0) + 1);
            tally.health.set(kind, counts);
          }
          if (tally.series + series > OBJECT_TALLY_MAX_SERIES) {
            tally.objectsPartial = true;
            continue;
          }
          const name = NAME.exec(line)?.[1];
          if (name === undefined) continue;
          const ns = NAMESPACE.exec(line)?.[1];
          const object =
            ns === undefined ? unescapeLabel(name) : `${unescapeLabel(ns)}/${unescapeLabel(name)}`;
          const key = `${kind}\u0000${object}`;
          const entry = tally.objects.get(key);
          if (entry) entry.series++;
          else tally.objects.set(key, { kind, object, series: 1 });
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    tally.series += series;
    tally.families.push({ name: family.meta.name, type: family.meta.type, series });
  }
  return tally;
}

type Values = Array<{ labels: Record<string, string | number>; value: number }>;

async function registryValues(registry: Registry): Promise<Map<string, Values>> {
  const byName = new Map<string, Values>();
  for (const metric of await registry.getMetricsAsJSON()) {
    byName.set(metric.name, (metric.values ?? []) as Values);
  }
  return byName;
}

const num = (n: number) => (Number.isInteger(n) ? n.toLocaleString("en-US") : n.toFixed(2));
const table = (head: string[], rows: string[][], empty: string) =>
  rows.length === 0
    ? `<p class="empty">${esc(empty)}</p>`
    : `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
        .map((r) => `<tr>${r.join("")}</tr>`)
        .join("")}</tbody></table>`;
const td = (v: unknown, cls = "") => `<td${cls ? ` class="${cls}"` : ""}>${esc(v)}</td>`;
const tdNum = (n: number, id?: string) =>
  `<td class="num"${id ? ` data-id="${esc(id)}"` : ""}>${esc(num(n))}</td>`;

/** The whole page. */
export async function renderStatusPage(
  store: MetricStore,
  readiness: StatusReadiness,
  registry: Registry,
): Promise<string> {
  const [values, tally] = await Promise.all([registryValues(registry), tallyStore(store)]);
  const get = (name: string) => values.get(name) ?? [];
  const build = get("cr_exporter_build_info")[0]?.labels ?? {};
  const perKind = new Map<string, Record<string, number>>();
  const add = (metric: string, field: string) => {
    for (const v of get(metric)) {
      const key = `${v.labels.group ?? ""}\u0000${v.labels.kind ?? ""}`;
      const row = perKind.get(key) ?? {};
      row[field] = (row[field] ?? 0) + v.value;
      perKind.set(key, row);
    }
  };
  add("cr_exporter_objects", "objects");
  add("cr_exporter_series", "series");
  add("cr_exporter_series_dropped_total", "dropped");
  add("cr_exporter_watch_restarts_total", "restarts");
  add("cr_exporter_value_errors_total", "valueErrors");
  add("cr_exporter_kind_synced", "synced");
  add("cr_exporter_kind_forbidden", "forbidden");
  add("cr_exporter_kind_stale", "stale");
  add("cr_exporter_kind_data_age_seconds", "age");

  const kindRows = [...perKind]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, r]) => {
      const [group, kind] = key.split("\u0000") as [string, string];
      const id = `${group}/${kind}`;
      const state = r.forbidden
        ? "forbidden"
        : r.stale
          ? "stale"
          : r.synced === undefined
            ? "-"
            : r.synced
              ? "synced"
              : "listing";
      const objects = r.objects ?? 0;
      const series = r.series ?? 0;
      return [
        td(group),
        td(kind),
        td([...(tally.versions.get(key) ?? [])].sort().join(", ")),
        td(state, `state-${state}`),
        tdNum(objects, `objects ${id}`),
        tdNum(series, `series ${id}`),
        tdNum(objects > 0 ? series / objects : 0),
        tdNum(r.dropped ?? 0, `dropped ${id}`),
        tdNum(r.valueErrors ?? 0),
        tdNum(r.restarts ?? 0),
        td(r.age === undefined ? "" : `${num(Math.round(r.age))} s`),
      ];
    });

  const readinessRows = readiness.detail().map((k) => {
    const state = k.state ?? (k.forbidden ? "forbidden" : k.synced ? "synced" : "listing");
    return [td(k.kind), td(state, k.synced && !k.forbidden ? "state-synced" : "state-other")];
  });

  const healthStates = [...new Set([...tally.health.values()].flatMap((m) => [...m.keys()]))].sort();
  const healthRows = [...tally.health]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, counts]) => [
      td(kind),
      ...healthStates.map((s) => tdNum(counts.get(s) ?? 0, `health ${kind} ${s}`)),
    ]);

  const familyRows = [...tally.families]
    .sort((a, b) => b.series - a.series || a.name.localeCompare(b.name))
    .slice(0, TOP)
    .map((f) => [td(f.name, "mono"), td(f.type), tdNum(f.series, `family ${f.name}`)]);

  const objectRows = [...tally.objects.values()]
    .sort((a, b) => b.series - a.series || a.object.localeCompare(b.object))
    .slice(0, TOP)
    .map((o) => [td(o.kind), td(o.object, "mono"), tdNum(o.series, `object ${o.kind} ${o.object}`)]);

  const counter = (name: string, label: string) =>
    get(name)
      .map((v) => `${esc(v.labels[label] ?? "")}: ${esc(num(v.value))}`)
      .join(", ") || "none";

  const ready = readiness.ready();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cr-exporter</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d1d1f;background:#fff}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.6em 0 .4em}
table{border-collapse:collapse;margin:.3em 0}th,td{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{background:#f4f4f6}.num{text-align:right;font-variant-numeric:tabular-nums}.mono{font-family:ui-monospace,monospace}
.state-synced{color:#137333}.state-forbidden,.state-stale,.state-other{color:#b3261e}.state-listing{color:#8a6d00}
.badge{display:inline-block;padding:.1em .6em;border-radius:1em;color:#fff}.ok{background:#137333}.bad{background:#b3261e}
.empty,.note{color:#666}nav a{margin-right:1em}
</style></head><body>
<h1>cr-exporter</h1>
<p>version ${esc(build.version ?? "?")} · Node.js ${esc(build.nodejs_version ?? "?")} ·
<span class="badge ${ready ? "ok" : "bad"}" id="ready">${ready ? "ready" : "not ready"}</span></p>
<nav><a href="/metrics">/metrics</a><a href="/healthz">/healthz</a><a href="/readyz?verbose">/readyz?verbose</a></nav>
<p>Exporting <strong data-id="total series">${esc(num(tally.series))}</strong> series in
<strong data-id="total families">${esc(num(tally.families.length))}</strong> families.</p>
<h2>Kinds</h2>
${table(["group", "kind", "version read", "state", "objects", "series", "series / object", "dropped series", "value errors", "watch restarts", "data age"], kindRows, "No kind exported yet.")}
<h2>Readiness</h2>
${table(["resource", "state"], readinessRows, "Nothing to read yet.")}
<h2>Health verdicts (objects per state)</h2>
${table(["kind", ...healthStates], healthRows, "No health verdicts exported.")}
<h2>Families with the most series (top ${TOP})</h2>
${table(["family", "type", "series"], familyRows, "No families.")}
<h2>Objects with the most series (top ${TOP})</h2>
${tally.objectsPartial ? `<p class="note">Tallied over the first ${esc(num(OBJECT_TALLY_MAX_SERIES))} series only.</p>` : ""}
${table(["kind", "object", "series"], objectRows, "No objects.")}
<h2>Exporter</h2>
<table><tbody>
<tr><th>scrape failures</th><td>${counter("cr_exporter_scrape_failures_total", "reason")}</td></tr>
<tr><th>authentication</th><td>${counter("cr_exporter_auth_requests_total", "result")}</td></tr>
<tr><th>config reloads</th><td>${counter("cr_exporter_config_reloads_total", "result")}</td></tr>
<tr><th>watched kinds</th><td>${esc(num(get("cr_exporter_watched_kinds")[0]?.value ?? 0))}</td></tr>
</tbody></table>
</body></html>
`;
}

/**
 * The page as the server serves it: one rendering at a time (concurrent views share it), reused
 * for `maxAgeMs`, so reloading the page in a loop cannot make the exporter walk every series
 * over and over.
 */
export function statusPage(
  store: MetricStore,
  readiness: StatusReadiness,
  registry: Registry,
  maxAgeMs = 2000,
): () => Promise<string> {
  let rendering: Promise<string> | undefined;
  let last: { page: string; at: number } | undefined;
  return () => {
    if (last && performance.now() - last.at < maxAgeMs) return Promise.resolve(last.page);
    rendering ??= renderStatusPage(store, readiness, registry)
      .then((page) => {
        last = { page, at: performance.now() };
        return page;
      })
      .finally(() => {
        rendering = undefined;
      });
    return rendering;
  };
}
