// Churn without leaks, on the real API server: (1) CRDs created and deleted leave no self-metric
// series behind; (2) under the per-kind series limit, after admitted objects are deleted while
// others wait over the limit, a long-running exporter converges to what a fresh one exports.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { find } from "../helpers/exposition.ts";
import { applyCrd, deleteCrd, testCrd } from "../helpers/kube.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

const FLAGS = ["--watch-idle-timeout", "3", "--backoff-max", "2", "--request-timeout", "3"];

/** The exporter's own series (cr_exporter_*), one string per series. */
async function selfSeries(exporter: RunningExporter): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${exporter.telemetryPort}/metrics`);
  return (await res.text())
    .split("\n")
    .filter((l) => l.startsWith("cr_exporter_"))
    .map((l) => l.slice(0, l.lastIndexOf(" ")));
}

describe("churn", { timeout: 300_000 }, () => {
  let cluster: Cluster;
  let kc: KubeConfig;
  let objects: CustomObjectsApi;
  const exporters: RunningExporter[] = [];

  const start = async (args: string[] = []) => {
    const e = await startTestExporter(cluster.kubeconfigPath, [...FLAGS, ...args]);
    exporters.push(e);
    await eventually("exporter ready", async () => (await fetch(`http://127.0.0.1:${e.port}/readyz`)).ok);
    return e;
  };
  const watchedKinds = async (e: RunningExporter) =>
    find((await scrape(e.telemetryPort)).parsed, "cr_exporter_watched_kinds")[0]?.value;
  const create = (group: string, kind: string, name: string) =>
    objects.createNamespacedCustomObject({
      group,
      version: "v1",
      plural: `${kind.toLowerCase()}s`,
      namespace: "default",
      body: { apiVersion: `${group}/v1`, kind, metadata: { name }, spec: { replicas: 1 } },
    });

  before(async () => {
    cluster = await startCluster();
    kc = cluster.kubeConfig();
    objects = kc.makeApiClient(CustomObjectsApi);
  });

  after(async () => {
    for (const e of exporters) await e.stop();
    await cluster?.stop();
  });

  it("returns the self-metric series to where they started after 30 CRDs are created and deleted", async () => {
    const churned = Array.from({ length: 30 }, (_, i) => ({
      group: `c${i}.churn.example.com`,
      kind: `Churn${i}`,
    }));
    const cycle = async (kinds: typeof churned, exporter: RunningExporter, base: number) => {
      for (const k of kinds) {
        await applyCrd(kc, testCrd(k));
        await create(k.group, k.kind, "one");
      }
      await eventually(
        "every churned kind exported",
        async () => {
          const body = (await scrape(exporter.port)).body;
          return kinds.every((k) => body.includes(`kind="${k.kind}"`));
        },
        60_000,
      );
      const during = await selfSeries(exporter);
      for (const k of kinds) await deleteCrd(kc, `${k.kind.toLowerCase()}s.${k.group}`);
      await eventually("kinds stopped", async () => (await watchedKinds(exporter)) === base, 60_000);
      return during;
    };
    await applyCrd(kc, testCrd({ group: "stay.example.com", kind: "Stay" }));
    await create("stay.example.com", "Stay", "s1");
    const exporter = await start();
    await eventually("Stay exported", async () => (await scrape(exporter.port)).body.includes('kind="Stay"'));
    // Warm-up: one create/delete cycle makes the series that exist once per process (a CRD
    // "delete" event count, scrape durations) exist before the baseline is taken.
    await cycle([{ group: "warm.churn.example.com", kind: "Churnwarm" }], exporter, 1);
    await scrape(exporter.port);
    const baseline = await selfSeries(exporter);
    const during = await cycle(churned, exporter, 1);
    assert.ok(during.length > baseline.length + 30 * 5, `series grew with the kinds: ${during.length}`);
    await scrape(exporter.port);
    const afterChurn = await selfSeries(exporter);
    // The kind that stays may gain series meanwhile (e.g. its first idle restart): leave it out.
    const others = (list: string[]) => list.filter((s) => !s.includes('kind="Stay"'));
    const leaked = others(afterChurn).filter((s) => !baseline.includes(s));
    assert.deepEqual(leaked.slice(0, 10), [], `${leaked.length} series left behind by deleted kinds`);
    assert.equal(others(afterChurn).length, others(baseline).length);
    assert.ok(
      afterChurn.some((s) => s.includes('kind="Stay"')),
      "the kind that stays keeps its series",
    );
  });

  it("converges under the per-kind series limit to what a fresh exporter exports", async () => {
    const group = "limit.example.com";
    await applyCrd(kc, testCrd({ group, kind: "Item" }));
    const names = Array.from({ length: 40 }, (_, i) => `o-${String(i).padStart(2, "0")}`);
    for (const name of names) await create(group, "Item", name);
    const limit = ["--series-limit-per-kind", "100"];
    const long = await start(limit);
    const exported = async (e: RunningExporter) =>
      find((await scrape(e.port)).parsed, "cr_info", { kind: "Item" })
        .map((s) => s.labels.name!)
        .sort();
    const admitted = await eventually("some Items admitted", async () => {
      const a = await exported(long);
      return a.length > 0 ? a : undefined;
    });
    assert.ok(admitted.length > 5 && admitted.length < names.length, `admitted ${admitted.length} of 40`);
    // Delete five admitted objects: room for five waiting ones, which see no event of their own.
    for (const name of admitted.slice(0, 5))
      await objects.deleteNamespacedCustomObject({
        group,
        version: "v1",
        plural: "items",
        namespace: "default",
        name,
      });
    const fresh = await start(limit);
    const itemLines = async (e: RunningExporter) =>
      (await scrape(e.port)).body
        .split("\n")
        .filter((l) => l.includes('kind="Item"'))
        .sort();
    const want = await itemLines(fresh);
    assert.equal((await exported(fresh)).length, admitted.length, "the fresh exporter fills the limit again");
    await eventually(
      "the long-running exporter serves what the fresh one serves",
      async () => JSON.stringify(await itemLines(long)) === JSON.stringify(want),
      60_000,
      500,
    );
    const relists = find((await scrape(long.telemetryPort)).parsed, "cr_exporter_watch_restarts_total", {
      kind: "Item",
      reason: "relist",
    });
    assert.ok(relists[0] && relists[0].value >= 1, "it relisted to admit the waiting objects");
  });
});
