// Hot reload of the --config file on a real API server: a valid change takes effect without
// restarting unchanged watches; an invalid one keeps the old config, logs, and says so in a metric.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { find, sampleValue } from "../helpers/exposition.ts";
import { applyCrd, testCrd } from "../helpers/kube.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

const widgetCrd = testCrd({ group: "reload.example.com", kind: "Widget" });

describe("config hot reload", { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let exporter: RunningExporter;
  let config: string;

  before(async () => {
    cluster = await startCluster();
    const kc = cluster.kubeConfig();
    await applyCrd(
      kc,
      readFileSync(new URL("../../examples/messagequeue-crd.yaml", import.meta.url), "utf8"),
    );
    await applyCrd(kc, widgetCrd);
    const objects = kc.makeApiClient(CustomObjectsApi);
    await objects.createNamespacedCustomObject({
      group: "queue.example.com",
      version: "v1",
      plural: "messagequeues",
      namespace: "default",
      body: {
        apiVersion: "queue.example.com/v1",
        kind: "MessageQueue",
        metadata: { name: "q" },
        spec: { replicas: 1, storageSize: "1Gi" },
      },
    });
    await objects.createNamespacedCustomObject({
      group: "reload.example.com",
      version: "v1",
      plural: "widgets",
      namespace: "default",
      body: { apiVersion: "reload.example.com/v1", kind: "Widget", metadata: { name: "w" } },
    });
    config = join(mkdtempSync(join(tmpdir(), "reload-")), "config.yaml");
    writeFileSync(config, "includeGroups: [queue.example.com]\n");
    exporter = await startTestExporter(cluster.kubeconfigPath, ["--config", config]);
    await eventually("MessageQueue exported", async () =>
      (await scrape(exporter.port)).body.includes('kind="MessageQueue"'),
    );
  });

  after(async () => {
    await exporter?.stop();
    await cluster?.stop();
  });

  const watchStarts = (kind: string) =>
    exporter.logs.filter((l) => l.msg === "watch started" && l.kind === kind).length;

  it("applies a valid change without restarting unchanged watches", async () => {
    assert.ok(!(await scrape(exporter.port)).body.includes('kind="Widget"'), "not selected yet");
    writeFileSync(config, "includeGroups: [queue.example.com, reload.example.com]\n");
    await eventually(
      "Widget selected after reload",
      async () =>
        find((await scrape(exporter.port)).parsed, "cr_info", { kind: "Widget", name: "w" }).length === 1,
    );
    assert.equal(watchStarts("messagequeues.queue.example.com"), 1, "the MessageQueue watch kept running");
    const self = (await scrape(exporter.telemetryPort)).parsed;
    assert.equal(sampleValue(self, "cr_exporter_config_reloads_total", { result: "success" }), 1);
    assert.equal(sampleValue(self, "cr_exporter_config_last_reload_successful"), 1);
  });

  it("keeps the old config when the new one is invalid, logs it and sets the metric", async () => {
    writeFileSync(config, "includeGroups: [queue.example.com, reload.example.com]\nincludeKindz: [Widget]\n");
    await eventually("failed reload reported", async () => {
      const self = (await scrape(exporter.telemetryPort)).parsed;
      return find(self, "cr_exporter_config_last_reload_successful")[0]?.value === 0;
    });
    assert.ok(
      exporter.logs.some(
        (l) =>
          l.msg === "config reload failed; keeping the previous config" &&
          String(l.err).includes("includeKindz"),
      ),
    );
    const body = (await scrape(exporter.port)).body;
    assert.ok(
      body.includes('kind="Widget"') && body.includes('kind="MessageQueue"'),
      "still serving with the old config",
    );
  });
});
