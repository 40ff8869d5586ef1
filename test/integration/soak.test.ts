// The short soak: a bounded burst of create/update/delete churn, after which the exporter holds
// no per-object state and no more handles than before. (The long version with RSS figures is
// `npm run bench -- soak`.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { churn, sampleResources } from "../../bench/soak-driver.ts";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { applyCrd } from "../helpers/kube.ts";
import { eventually } from "../helpers/wait.ts";

describe("soak (short)", { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let exporter: RunningExporter;

  before(async () => {
    cluster = await startCluster();
    await applyCrd(
      cluster.kubeConfig(),
      readFileSync(new URL("../../examples/messagequeue-crd.yaml", import.meta.url), "utf8"),
    );
    exporter = await startTestExporter(cluster.kubeconfigPath);
    await eventually("ready", async () => (await fetch(`http://127.0.0.1:${exporter.port}/readyz`)).ok);
  });

  after(async () => {
    await exporter?.stop();
    await cluster?.stop();
  });

  it("returns to its baseline after churn: no objects, series, handles or timers left behind", async () => {
    await churn(cluster.kubeConfig(), 2, 5); // warm-up: lazily created handles exist from here on
    await eventually(
      "warm-up drained",
      async () => (await sampleResources(exporter.telemetryPort)).objects === 0,
    );
    const baseline = await sampleResources(exporter.telemetryPort);
    const { writes } = await churn(cluster.kubeConfig(), 15, 20);
    assert.ok(writes > 0);
    const afterChurn = await eventually("all deletions seen", async () => {
      const r = await sampleResources(exporter.telemetryPort);
      return r.objects === 0 && r.series === 0 && r.handles <= baseline.handles ? r : undefined;
    });
    assert.ok(
      afterChurn.resources <= baseline.resources + 2,
      `active resources ${baseline.resources} → ${afterChurn.resources}`,
    );
    console.log(
      `soak: ${writes} writes; rss ${(baseline.rssBytes / 2 ** 20).toFixed(0)} → ${(afterChurn.rssBytes / 2 ** 20).toFixed(0)} MiB; handles ${baseline.handles} → ${afterChurn.handles}`,
    );
  });
});
