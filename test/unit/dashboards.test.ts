// A linter for the Grafana dashboards of dashboards/, making the checks grafana's dashboard-linter
// makes (datasource variable used everywhere, $__rate_interval, units, descriptions) plus the
// mixin conventions (uid, tags, schemaVersion, a cluster variable in every selector), and two that
// need the project: every PromQL expression parses (promtool, after substituting variables), and
// every metric name read by a dashboard or by rules/ is one the exporter documents or registers.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { createSelfMetrics } from "../../src/telemetry/metrics.ts";
import { toolPath } from "../cluster/cluster.ts";
import {
  allPanels,
  BUILTIN_VARIABLES,
  type Dashboard,
  loadDashboards,
  type Panel,
  queries,
  substitute,
  variableQuery,
  variableRefs,
  variables,
} from "../helpers/dashboards.ts";
import { metricNames, promqlParts } from "../helpers/promql.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
/** The data source reference every panel, target and query variable uses (Grafana interpolates it). */
const DATASOURCE_VAR = `\${datasource}`;
const DATASOURCE = { type: "prometheus", uid: DATASOURCE_VAR };
const CLUSTER_QUERY = "label_values(cr_exporter_build_info, cluster)";
/** Panel types that show numbers, so need a unit; state timelines show mapped states instead. */
const NUMERIC_PANELS = new Set(["timeseries", "stat", "gauge", "bargauge", "table", "barchart", "histogram"]);
const STATE_PANELS = new Set(["state-timeline", "status-history"]);
/** Functions a counter may be read through (anything else reads a meaningless running total). */
const COUNTER_FUNCTIONS = new Set(["rate", "irate", "increase", "resets"]);
const RATE_FUNCTIONS = new Set(["rate", "irate", "increase"]);

/** Values for every variable the dashboards use, as an example user would pick them. */
const SAMPLE_VALUES: Record<string, string> = {
  datasource: "prometheus",
  cluster: ".*",
  job: "cr-exporter",
  instance: "10.0.0.1:8081",
  group: "queue.example.com",
  kind: "MessageQueue",
  namespace: "shop",
  name: "payments",
  field: "cr_status_ready_replicas",
  __rate_interval: "5m",
  __interval: "1m",
  __range: "1h",
  __range_s: "3600",
};

// ─── What the exporter documents ───────────────────────────────────────────────────────────

interface Catalog {
  /** Exact names, true for counters (and a histogram's _bucket/_sum/_count). */
  readonly exact: Map<string, boolean>;
  /** docs/metrics.md names with a <part>: the pattern, an example name, counter or not. */
  readonly patterns: Array<{ family: string; re: RegExp; example: string; counter: boolean }>;
}

function docsFamilies(markdown: string): Array<{ family: string; counter: boolean }> {
  const section = markdown.split(/^## /m).find((s) => s.startsWith("Families"));
  assert.ok(section, "docs/metrics.md has a Families section");
  return [...section.matchAll(/^\| `([^`]+)`\s*\|\s*(gauge|counter)\s*\|/gm)].map((m) => ({
    family: m[1]!,
    counter: m[2] === "counter",
  }));
}

function recordingRules(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of readdirSync(join(ROOT, "rules")).filter((f) => /\.ya?ml$/.test(f))) {
    const doc = parseYaml(readFileSync(join(ROOT, "rules", file), "utf8")) as {
      groups?: Array<{ rules: Array<{ record?: string; alert?: string; expr: string }> }>;
    };
    for (const rule of (doc.groups ?? []).flatMap((g) => g.rules)) {
      const id = `rules/${file} ${rule.record ?? rule.alert}`;
      out.set(id, [rule.expr, rule.record ?? ""]);
    }
  }
  return out;
}

async function buildCatalog(): Promise<Catalog> {
  const exact = new Map<string, boolean>();
  const patterns: Catalog["patterns"] = [];
  for (const { family, counter } of docsFamilies(readFileSync(join(ROOT, "docs/metrics.md"), "utf8"))) {
    if (!family.includes("<")) {
      exact.set(family, counter);
      continue;
    }
    const source = family
      .split(/<[a-z]+>/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("[a-zA-Z0-9_]+");
    patterns.push({
      family,
      re: new RegExp(`^${source}$`),
      example: family.replace(/<[a-z]+>/g, "x"),
      counter,
    });
  }
  // The self-metrics and prom-client's defaults, as the exporter registers them.
  for (const m of await createSelfMetrics("lint").registry.getMetricsAsJSON()) {
    if (String(m.type) === "histogram")
      for (const s of ["_bucket", "_sum", "_count"]) exact.set(`${m.name}${s}`, true);
    else exact.set(m.name, String(m.type) === "counter");
  }
  exact.set("up", false); // Prometheus' own per-target series
  for (const [, [, record]] of recordingRules()) if (record) exact.set(record, false);
  return { exact, patterns };
}

function isDocumented(name: string, c: Catalog): boolean {
  return c.exact.has(name) || c.patterns.some((p) => p.re.test(name));
}

function isCounter(name: string, c: Catalog): boolean {
  return c.exact.get(name) ?? c.patterns.some((p) => p.counter && p.re.test(name));
}

/** Names (and `__name__` regexes matching no documented family) an expression reads that nobody documents. */
function undocumentedNames(expr: string, c: Catalog): string[] {
  const bad = metricNames(expr).filter((n) => !isDocumented(n, c));
  const examples = [...c.exact.keys(), ...c.patterns.map((p) => p.example)];
  for (const s of promqlParts(expr).selectors) {
    for (const m of s.matchers) {
      if (m.label !== "__name__" || m.op !== "=~") continue;
      const re = new RegExp(`^(?:${m.value})$`);
      if (!examples.some((e) => re.test(e))) bad.push(`__name__=~"${m.value}"`);
    }
  }
  return bad;
}

// ─── The dashboard linter ─────────────────────────────────────────────────────────────────

function sameDatasource(ds: unknown): boolean {
  return JSON.stringify(ds) === JSON.stringify(DATASOURCE);
}

/** Everything wrong with one dashboard; empty when it passes. */
function lintDashboard(d: Dashboard, catalog: Catalog): string[] {
  const problems: string[] = [];
  const at = (where: string, what: string) => problems.push(`${d.uid ?? d.title ?? "?"}: ${where}: ${what}`);

  if (typeof d.uid !== "string" || !/^[a-z0-9][a-z0-9-]{0,39}$/.test(d.uid))
    at("uid", "missing or not a stable slug");
  if (!d.title) at("title", "missing");
  if (!d.tags?.includes("cr-exporter")) at("tags", 'missing "cr-exporter"');
  if (typeof d.schemaVersion !== "number" || d.schemaVersion < 39) at("schemaVersion", "missing or below 39");
  if (d.editable !== false) at("editable", "provisioned dashboards should not be editable");

  const vars = variables(d);
  const names = new Set(vars.map((v) => v.name));
  const ds = vars.find((v) => v.name === "datasource");
  if (ds?.type !== "datasource" || ds.query !== "prometheus")
    at("variable datasource", "missing (type datasource, query prometheus)");
  const cluster = vars.find((v) => v.name === "cluster");
  if (cluster?.type !== "query" || variableQuery(cluster) !== CLUSTER_QUERY)
    at("variable cluster", `missing or not ${CLUSTER_QUERY}`);
  else if (!cluster.includeAll || cluster.allValue !== ".*")
    at("variable cluster", 'must allow All as ".*" (also matches series without a cluster label)');
  for (const v of vars.filter((x) => x.type === "query")) {
    if (!sameDatasource(v.datasource)) at(`variable ${v.name}`, `does not use ${DATASOURCE_VAR}`);
    if (v.refresh !== 2) at(`variable ${v.name}`, "not refreshed on time range change (refresh: 2)");
  }

  const ids = new Set<number>();
  for (const p of allPanels(d)) {
    const where = `panel "${p.title ?? p.id}"`;
    if (typeof p.id !== "number" || ids.has(p.id)) at(where, "missing or duplicate id");
    else ids.add(p.id);
    if (!p.gridPos) at(where, "no gridPos");
    if (p.type === "row") continue;
    problems.push(...lintPanel(p).map((x) => `${d.uid}: ${where}: ${x}`));
    if (p.repeat) {
      const v = vars.find((x) => x.name === p.repeat);
      if (!v || !(v.multi || v.includeAll)) at(where, `repeats over ${p.repeat}, not a multi-value variable`);
    }
  }

  for (const q of queries(d)) {
    for (const ref of variableRefs(q.expr))
      if (!names.has(ref) && !BUILTIN_VARIABLES.has(ref)) at(q.where, `undefined variable $${ref}`);
    let parts: ReturnType<typeof promqlParts>;
    try {
      parts = promqlParts(q.expr);
    } catch (err) {
      at(q.where, (err as Error).message);
      continue;
    }
    for (const r of parts.ranges)
      if (RATE_FUNCTIONS.has(r.fn) && r.range !== "$__rate_interval")
        at(q.where, `${r.fn}() over [${r.range}], not [$__rate_interval]`);
    if (q.variable?.name !== "cluster") {
      for (const s of parts.selectors)
        if (!s.matchers.some((m) => m.label === "cluster" && m.op === "=~" && m.value === "$cluster"))
          at(q.where, `selector ${s.name ?? "{...}"} lacks cluster=~"$cluster"`);
    }
    let expr: string;
    try {
      expr = substitute(q.expr, SAMPLE_VALUES);
    } catch {
      continue; // an undefined variable, reported above
    }
    for (const s of promqlParts(expr).selectors) {
      const name = s.name ?? s.matchers.find((m) => m.label === "__name__" && m.op === "=")?.value;
      const fn = s.within.at(-1) ?? "";
      if (name && isCounter(name, catalog) && !COUNTER_FUNCTIONS.has(fn))
        at(
          q.where,
          `counter ${name} read ${fn ? `through ${fn}()` : "raw"}, not through rate/irate/increase`,
        );
    }
  }
  return problems;
}

function lintPanel(p: Panel): string[] {
  const problems: string[] = [];
  if (!p.title) problems.push("no title");
  if (!p.description) problems.push("no description");
  if (!sameDatasource(p.datasource)) problems.push(`panel datasource is not ${DATASOURCE_VAR}`);
  if (!p.targets?.length) problems.push("no queries");
  for (const t of p.targets ?? []) {
    if (!sameDatasource(t.datasource))
      problems.push(`target ${t.refId}: datasource is not ${DATASOURCE_VAR}`);
    if (typeof t.expr !== "string" || t.expr.trim() === "") problems.push(`target ${t.refId}: no expr`);
  }
  if (NUMERIC_PANELS.has(p.type) && !p.fieldConfig?.defaults?.unit) problems.push("no unit");
  if (STATE_PANELS.has(p.type) && !p.fieldConfig?.defaults?.mappings?.length)
    problems.push("a state panel without value mappings");
  if (!NUMERIC_PANELS.has(p.type) && !STATE_PANELS.has(p.type))
    problems.push(`unexpected panel type ${p.type}`);
  return problems;
}

/** promtool's verdict on expressions, written as recording rules (it parses each for real). */
function promtoolParse(exprs: readonly string[]): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "dashboard-queries-"));
  try {
    const file = join(dir, "queries.yaml");
    const rules = exprs.map((expr, i) => ({ record: `dashboard_query_${i}`, expr }));
    writeFileSync(file, stringifyYaml({ groups: [{ name: "dashboard-queries", rules }] }));
    const r = spawnSync(toolPath("promtool"), ["check", "rules", "--lint=none", file], { encoding: "utf8" });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ─── The tests ────────────────────────────────────────────────────────────────────────────

const dashboards = loadDashboards();
const catalog = await buildCatalog();

describe("Grafana dashboards", () => {
  it("there are the three dashboards, with distinct uids", () => {
    assert.deepEqual(
      dashboards.map((d) => d.file),
      ["cr-exporter.json", "cr-kind.json", "cr-overview.json"],
    );
    const uids = dashboards.map((d) => d.dashboard.uid);
    assert.equal(new Set(uids).size, uids.length, `duplicate uid in ${uids.join(", ")}`);
  });

  for (const { file, dashboard } of dashboards) {
    it(`${file} passes the dashboard linter`, () => {
      assert.deepEqual(lintDashboard(dashboard, catalog), []);
    });
  }

  it("every PromQL expression parses (promtool, variables substituted)", () => {
    const all = dashboards.flatMap(({ dashboard }) => queries(dashboard));
    assert.ok(all.length > 50, `only ${all.length} queries`);
    const exprs = all.map((q) => substitute(q.expr, SAMPLE_VALUES));
    const r = promtoolParse(exprs);
    assert.ok(r.ok, r.output);
    assert.match(r.output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
  });

  it("every metric name the dashboards and rules/ read is documented or registered", () => {
    const bad: string[] = [];
    for (const { dashboard } of dashboards)
      for (const q of queries(dashboard))
        for (const n of undocumentedNames(substitute(q.expr, SAMPLE_VALUES), catalog))
          bad.push(`${q.dashboard} ${q.where}: ${n}`);
    for (const [id, [expr]] of recordingRules())
      for (const n of undocumentedNames(expr!, catalog)) bad.push(`${id}: ${n}`);
    assert.deepEqual(bad, []);
  });
});

describe("the dashboard checks catch what they are for", () => {
  const panel = (over: Partial<Panel> & { expr?: string }): Panel => {
    const { expr = 'sum(cr_info{cluster=~"$cluster"})', ...rest } = over;
    return {
      id: 2,
      type: "stat",
      title: "P",
      description: "d",
      datasource: DATASOURCE,
      gridPos: { h: 1, w: 1, x: 0, y: 0 },
      fieldConfig: { defaults: { unit: "short" } },
      targets: [{ refId: "A", datasource: DATASOURCE, expr }],
      ...rest,
    };
  };
  const minimal = (...panels: Panel[]): Dashboard => {
    const base = dashboards.find((d) => d.file === "cr-overview.json")!.dashboard;
    return { ...base, panels };
  };
  const lint = (...panels: Panel[]) => lintDashboard(minimal(...panels), catalog);

  it("a correct minimal dashboard passes (so the failures below are the checks')", () => {
    assert.deepEqual(lint(panel({})), []);
  });

  it("a made-up metric name is undocumented; documented, registered and recorded names are not", () => {
    assert.deepEqual(undocumentedNames("sum(cr_objects_total)", catalog), ["cr_objects_total"]);
    assert.deepEqual(undocumentedNames("rate(cr_exporter_watch_errors_total[5m])", catalog), [
      "cr_exporter_watch_errors_total",
    ]);
    assert.deepEqual(undocumentedNames('{__name__=~"cr_statuz_.+"}', catalog), ['__name__=~"cr_statuz_.+"']);
    assert.deepEqual(
      undocumentedNames(
        'cr_status_ready_replicas + cr_spec_replicas + cr:objects:count + up + process_resident_memory_bytes + {__name__="cr_status_backup_condition_reason"} + rate(cr_exporter_list_duration_seconds_bucket[5m])',
        catalog,
      ),
      [],
    );
  });

  it("flags a panel without unit, description or the datasource variable", () => {
    assert.deepEqual(lint(panel({ fieldConfig: { defaults: {} } })), [
      'cr-exporter-overview: panel "P": no unit',
    ]);
    assert.deepEqual(lint(panel({ description: "" })), ['cr-exporter-overview: panel "P": no description']);
    const fixed = panel({ datasource: { type: "prometheus", uid: "prometheus" } });
    assert.deepEqual(lint(fixed), [
      `cr-exporter-overview: panel "P": panel datasource is not ${DATASOURCE_VAR}`,
    ]);
  });

  it("flags rate() without $__rate_interval, a selector without the cluster, a raw counter, an unknown variable", () => {
    assert.match(
      lint(panel({ expr: 'sum(rate(cr_exporter_watch_events_total{cluster=~"$cluster"}[5m]))' })).join(),
      /rate\(\) over \[5m\], not \[\$__rate_interval\]/,
    );
    assert.match(lint(panel({ expr: "sum(cr_info)" })).join(), /selector cr_info lacks cluster=~"\$cluster"/);
    assert.match(
      lint(panel({ expr: 'sum(cr_exporter_watch_events_total{cluster=~"$cluster"})' })).join(),
      /counter cr_exporter_watch_events_total read through sum\(\)/,
    );
    assert.match(
      lint(panel({ expr: 'sum(cr_info{cluster=~"$cluster", kind="$knd"})' })).join(),
      /undefined variable \$knd/,
    );
  });

  it("promtool rejects an expression that does not parse, and names it", () => {
    const r = promtoolParse(["sum(cr_info)", "sum(rate(cr_info[5m])"]);
    assert.equal(r.ok, false);
    assert.match(r.output, /dashboard_query_1/);
  });
});
