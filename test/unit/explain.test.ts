// `cr-exporter explain` on the examples and on the real-operator corpus: the plan read from
// each schema names what the mapper really emits (families and their label names), lists and
// maps are reported with the treatment the contract gives them, and the series per object are
// the mapper's own figures, computed here independently by running the auto mapper.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { OptionsError } from "../../src/config/options.ts";
import { explainOptions, parseExplainArgs, readPaths, runExplain } from "../../src/explain/cli.ts";
import {
  type ExplainOptions,
  type ExplainReport,
  explain,
  type KindReport,
} from "../../src/explain/report.ts";
import { type Crd, kindInfoFromCrd, selectAll } from "../../src/kube/crds.ts";
import { createAutoMapper, defaultAutoOptions } from "../../src/mapping/auto/index.ts";
import { compileHealthRules } from "../../src/mapping/health/index.ts";
import type { KindInfo, KubeObject, MappingResult } from "../../src/mapping/types.ts";
import { CORPUS_DIR, loadCorpus } from "../helpers/corpus.ts";

const EXAMPLES = new URL("../../examples/", import.meta.url).pathname;
const defaults: ExplainOptions = { ...defaultAutoOptions, health: compileHealthRules(undefined) };

function run(paths: string[], o: ExplainOptions = defaults): ExplainReport {
  return explain(readPaths(paths), o, selectAll, true);
}

function kindOf(r: ExplainReport, kind: string, group: string): KindReport {
  const k = r.kinds.find((x) => x.kind === kind && x.group === group);
  assert.ok(k, `${kind}.${group} explained`);
  return k;
}

/** Series of each object (namespace/name → series), mapping each object with the mapper directly. */
function mapperSeries(
  info: KindInfo,
  objects: readonly KubeObject[],
  o: ExplainOptions,
): Map<string, MappingResult> {
  const m = createAutoMapper(o).forKind(info);
  assert.ok(m);
  const out = new Map<string, MappingResult>();
  for (const obj of objects) {
    const key = info.namespaced
      ? `${obj.metadata?.namespace}/${obj.metadata?.name}`
      : `${obj.metadata?.name}`;
    out.set(key, m.map(obj, undefined));
  }
  return out;
}

const total = (r: MappingResult) => r.families.reduce((n, f) => n + f.series, 0);

/** The label names of every sample line of a family's text. */
function labelNames(text: string): string[][] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((line) => {
      const inner = line.slice(line.indexOf("{") + 1, line.lastIndexOf("}"));
      return [...inner.matchAll(/([A-Za-z_][A-Za-z0-9_]*)="(?:[^"\\]|\\.)*"/g)].map((m) => m[1]!);
    });
}

function exampleKinds(): Array<{ info: KindInfo; objects: KubeObject[] }> {
  const docs = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(EXAMPLES, f), "utf8")).map((d) => d.toJS() as KubeObject),
    );
  return docs
    .filter((d) => d.kind === "CustomResourceDefinition")
    .map((crd) => {
      // The version the exporter reads: the CRD's preferred served one.
      const info = kindInfoFromCrd(crd as Crd);
      assert.ok(info);
      return {
        info,
        objects: docs.filter(
          (d) => d.kind === info.kind && String(d.apiVersion).startsWith(`${info.group}/`),
        ),
      };
    });
}

/**
 * Every family the mapper emits for each object is in the plan (or comes from a field the schema
 * leaves open, and is then reported as such), and each series' label names are the object's
 * plus the plan's labels for that family.
 */
function assertPlanCovers(
  report: ExplainReport,
  kinds: ReadonlyArray<{ info: KindInfo; objects: KubeObject[] }>,
): number {
  let checked = 0;
  for (const { info, objects } of kinds) {
    const k = kindOf(report, info.kind, info.group);
    const planned = new Map(k.families.map((f) => [f.name, f]));
    const results = mapperSeries(info, objects, defaults);
    for (const [key, result] of results) {
      const reported = k.objects?.find(
        (o) => (o.namespace === undefined ? o.name : `${o.namespace}/${o.name}`) === key,
      );
      assert.ok(reported, `${info.kind} ${key} reported`);
      for (const fam of result.families) {
        const p = planned.get(fam.meta.name);
        if (p === undefined) {
          if (k.byValue.includes(fam.meta.name)) continue;
          assert.ok(
            k.runtime.length > 0,
            `${info.kind}: ${fam.meta.name} not planned, and no field of the schema is open`,
          );
          assert.ok(
            reported.unplanned.includes(fam.meta.name),
            `${info.kind} ${key}: ${fam.meta.name} reported as unplanned`,
          );
          continue;
        }
        assert.equal(p.type, fam.meta.type, `${fam.meta.name} type`);
        const allowed = new Set([...k.objectLabels, ...p.labels]);
        for (const names of labelNames(fam.text)) {
          for (const n of k.objectLabels)
            assert.ok(names.includes(n), `${fam.meta.name} has object label ${n}`);
          for (const n of names)
            assert.ok(allowed.has(n), `${info.kind} ${fam.meta.name}: label ${n} not in plan [${p.labels}]`);
          checked++;
        }
      }
    }
  }
  return checked;
}

describe("explain: examples", () => {
  const report = run([EXAMPLES]);

  it("explains every kind, its families with type, labels and source", () => {
    assert.deepEqual(report.kinds.map((k) => k.kind).sort(), ["Application", "Certificate", "MessageQueue"]);
    const mq = kindOf(report, "MessageQueue", "queue.example.com");
    assert.equal(mq.version, "v1");
    assert.deepEqual(mq.objectLabels, ["group", "kind", "namespace", "name"]);
    const phase = mq.families.find((f) => f.name === "cr_status_phase");
    assert.deepEqual(phase?.labels, ["phase"]);
    assert.match(phase?.sources.join() ?? "", /\.status\.phase \(state set: enum of 4\)/);
    const cond = mq.families.find((f) => f.name === "cr_status_condition");
    assert.deepEqual(cond?.labels, ["type", "status"]);
    assert.equal(
      mq.families.find((f) => f.name === "cr_status_condition_transitions_total")?.type,
      "counter",
    );
    assert.ok(mq.families.some((f) => f.name === "cr_spec_replicas"));
    assert.ok(mq.families.some((f) => f.name === "cr_status_phase_transitions_total"));
    assert.deepEqual(
      mq.skipped.map((s) => s.path),
      [".status.conditions[*].message"],
    );
    assert.match(mq.skipped[0]!.why, /free text/);
  });

  it("reports the application's lists: keyed resources, aggregated history, a map inventory, an open field", () => {
    const app = kindOf(report, "Application", "gitops.example.com");
    const lists = new Map(app.lists.map((l) => [l.path, l]));
    assert.equal(lists.get(".status.resources")?.treatment, "keyed");
    assert.deepEqual(lists.get(".status.resources")?.keys, ["kind", "name"]);
    assert.equal(lists.get(".status.history")?.treatment, "aggregate");
    assert.equal(lists.get(".status.inventory")?.treatment, "map");
    assert.deepEqual(app.families.find((f) => f.name === "cr_status_resources_health")?.labels, [
      "resources_kind",
      "resources_name",
      "health",
    ]);
    assert.deepEqual(
      app.runtime.map((r) => r.path),
      [".status.resourceUsage"],
    );
  });

  it("gives each object the series the mapper emits, largest first", () => {
    for (const { info, objects } of exampleKinds()) {
      const k = kindOf(report, info.kind, info.group);
      const expected = mapperSeries(info, objects, defaults);
      assert.equal(k.objects?.length, expected.size);
      for (const o of k.objects ?? []) {
        const r = expected.get(`${o.namespace}/${o.name}`);
        assert.ok(r, `${o.namespace}/${o.name}`);
        assert.equal(o.series, total(r), `${info.kind} ${o.namespace}/${o.name} series`);
        assert.deepEqual(
          Object.fromEntries(o.families.map((f) => [f.name, f.series])),
          Object.fromEntries(r.families.map((f) => [f.meta.name, f.series])),
        );
      }
      const series = (k.objects ?? []).map((o) => o.series);
      assert.deepEqual(
        series,
        [...series].sort((a, b) => b - a),
        `${info.kind} largest first`,
      );
    }
    assert.equal(kindOf(report, "MessageQueue", "queue.example.com").objects?.length, 3);
  });

  it("sums up: kinds, objects, series in all and the largest object", () => {
    let series = 0;
    let objects = 0;
    let max = 0;
    for (const { info, objects: objs } of exampleKinds())
      for (const r of mapperSeries(info, objs, defaults).values()) {
        objects++;
        series += total(r);
        max = Math.max(max, total(r));
      }
    assert.equal(report.summary.kinds, 3);
    assert.equal(report.summary.objects, objects);
    assert.equal(report.summary.series, series);
    assert.equal(report.summary.largest?.series, max);
    assert.deepEqual(
      { kinds: 3 },
      explain(
        readPaths([
          join(EXAMPLES, "gitops-crd.yaml"),
          join(EXAMPLES, "messagequeue-crd.yaml"),
          join(EXAMPLES, "certificate-crd.yaml"),
        ]),
        defaults,
        selectAll,
        false,
      ).summary,
    );
  });

  it("plans every family (and label name) the mapper emits for them", () => {
    assert.ok(assertPlanCovers(report, exampleKinds()) > 100);
  });
});

describe("explain: the real-operator corpus", () => {
  const report = run([CORPUS_DIR]);
  const corpus = loadCorpus();

  it("skips SIGNALS.yaml (not a Kubernetes object) with a note and explains every CRD", () => {
    assert.ok(report.notes.some((n) => n.includes("SIGNALS.yaml") && n.includes("not a Kubernetes object")));
    assert.equal(report.kinds.length, corpus.length);
  });

  it("Argo CD Application: .status.resources aggregated with counts by status and health.status", () => {
    const app = kindOf(report, "Application", "argoproj.io");
    const resources = app.lists.find((l) => l.path === ".status.resources");
    assert.equal(resources?.treatment, "aggregate");
    assert.ok(resources?.countsBy?.includes("status"));
    assert.ok(resources?.countsBy?.includes("health.status"));
    assert.deepEqual(app.families.find((f) => f.name === "cr_status_resources_health_status_items")?.labels, [
      "status",
    ]);
    assert.ok(app.families.some((f) => f.name === "cr_status_resources_items"));
    assert.ok(app.skipped.some((s) => s.path === ".status.resources[*].name" && /not counted/.test(s.why)));
  });

  it("Gateway: .status.listeners keyed by name, its conditions per type", () => {
    const gw = kindOf(report, "Gateway", "gateway.networking.k8s.io");
    const listeners = gw.lists.find((l) => l.path === ".status.listeners");
    assert.equal(listeners?.treatment, "keyed");
    assert.deepEqual(listeners?.keys, ["name"]);
    assert.match(listeners?.detail ?? "", /listeners_name/);
    assert.deepEqual(gw.families.find((f) => f.name === "cr_status_listeners_condition")?.labels, [
      "listeners_name",
      "type",
      "status",
    ]);
    assert.equal(
      gw.lists.find((l) => l.path === ".status.listeners[*].supportedKinds")?.treatment,
      "length-only",
    );
  });

  it("CloudNativePG Cluster: instancesStatus as a map of lists, a length per key", () => {
    const cnpg = kindOf(report, "Cluster", "postgresql.cnpg.io");
    assert.equal(cnpg.lists.find((l) => l.path === ".status.instancesStatus")?.treatment, "map-of-lists");
    const items = cnpg.families.find((f) => f.name === "cr_status_instances_status_items");
    assert.deepEqual(items?.labels, ["instances_status_key"]);
  });

  it("gives each object the mapper's series, drops and issues", () => {
    for (const kind of corpus) {
      const k = kindOf(report, kind.info.kind, kind.info.group);
      const expected = mapperSeries(kind.info, kind.objects, defaults);
      assert.equal(k.objects?.length, kind.objects.length, kind.info.kind);
      for (const o of k.objects ?? []) {
        const r = expected.get(o.namespace === undefined ? o.name : `${o.namespace}/${o.name}`);
        assert.ok(r);
        assert.equal(o.series, total(r), `${kind.info.kind} ${o.name}`);
        assert.deepEqual(o.dropped, r.dropped ?? []);
        assert.deepEqual(o.issues, r.issues ?? []);
      }
    }
  });

  it("plans every family (and label name) the mapper emits for them", () => {
    assert.ok(assertPlanCovers(report, corpus) > 1000);
  });

  it("honours --list-items-max and --series-limit-per-object as the mapper does", () => {
    const o: ExplainOptions = { ...defaults, listItemsMax: 1, seriesLimitPerObject: 20 };
    const small = run([join(CORPUS_DIR, "gateway-api")], o);
    const gw = kindOf(small, "Gateway", "gateway.networking.k8s.io");
    assert.match(gw.lists.find((l) => l.path === ".status.listeners")?.detail ?? "", /--list-items-max 1 /);
    const kind = corpus.find((k) => k.info.kind === "Gateway")!;
    const expected = mapperSeries(kind.info, kind.objects, o);
    let limited = 0;
    for (const obj of gw.objects ?? []) {
      assert.ok(obj.series <= 20);
      const r = expected.get(`${obj.namespace}/${obj.name}`)!;
      assert.equal(obj.series, total(r));
      assert.deepEqual(obj.dropped, r.dropped ?? []);
      if (obj.dropped.some((d) => d.reason === "object_series_limit")) limited++;
    }
    assert.ok(limited > 0, "some gateway hits the per-object limit of 20");
    assert.ok((gw.objects ?? []).some((x) => x.dropped.some((d) => d.reason === "list_items_max")));
  });
});

describe("explain: command line", () => {
  it("splits paths, --output and --objects from the exporter's flags", async () => {
    const a = parseExplainArgs([
      "examples/",
      "--output",
      "json",
      "--list-items-max",
      "4",
      "--objects",
      "--metric-prefix=x_",
    ]);
    assert.deepEqual(a.paths, ["examples/"]);
    assert.equal(a.output, "json");
    assert.equal(a.objects, true);
    assert.deepEqual(a.rest, ["--list-items-max", "4", "--metric-prefix=x_"]);
    assert.throws(
      () => parseExplainArgs(["--output", "yaml"]),
      /--output: expected text or json, got "yaml"/,
    );
    assert.match(await runExplain(["--help"], {}), /^Usage: cr-exporter explain /);
  });

  it("reads the exporter's options with its schema: defaults, and errors naming the flag", async () => {
    await assert.rejects(runExplain([EXAMPLES, "--list-items-max", "many"], {}), (e: Error) => {
      assert.ok(e instanceof OptionsError);
      assert.match(e.message, /--list-items-max/);
      return true;
    });
    const o = explainOptions((await import("../../src/config/options.ts")).loadOptions([], {}));
    assert.equal(o.listItemsMax, defaultAutoOptions.listItemsMax);
    assert.equal(o.seriesLimitPerObject, defaultAutoOptions.seriesLimitPerObject);
    const json = JSON.parse(
      await runExplain(["--from-files", EXAMPLES, "--output", "json", "--metric-prefix", "x_"], {}),
    ) as ExplainReport;
    assert.ok(json.kinds.every((k) => k.families.every((f) => f.name.startsWith("x_"))));
  });

  it("prints text: families, lists, skipped fields and objects largest first", async () => {
    const text = await runExplain([EXAMPLES], {});
    assert.match(text, /^MessageQueue\.queue\.example\.com \(version v1, namespaced/m);
    assert.match(text, /^ {4}cr_status_phase +gauge +phase +\.status\.phase/m);
    assert.match(text, /^ {4}\.status\.resources: keyed by kind, name/m);
    assert.match(text, /^ {4}\.status\.conditions\[\*\]\.message: free text/m);
    assert.match(text, /^ {2}objects: 3, \d+ series/m);
    assert.match(text, /^ {4}shop\/storefront: \d+ series \(/m);
  });
});
