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
const CRS = `kind: CustomResourceStateMetrics
spec:
  resources:
    - groupVersionKind: { group: queue.example.com, version: v1, kind: MessageQueue }
      metrics:
        - name: queue_replicas
          help: Replicas of the queue.
          each:
            type: Gauge
            gauge:
              path: [spec, replicas]
`;

describe("config hot reload", { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let exporter: RunningExporter;
  let config: string;
  let crs: string;

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
    const dir = mkdtempSync(join(tmpdir(), "reload-"));
    config = join(dir, "config.yaml");
    writeFileSync(config, "includeGroups: [queue.example.com]\n");
    crs = join(dir, "crs.yaml");
    writeFileSync(crs, CRS);
    exporter = await startTestExporter(cluster.kubeconfigPath, [
      "--config",
      config,
      "--custom-resource-state-config-file",
      crs,
    ]);
    await eventually("MessageQueue exported", async () => {
      const body = (await scrape(exporter.port)).body;
      return body.includes('kind="MessageQueue"') && body.includes("kube_customresource_queue_replicas{");
    });
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

  const failures = async () =>
    find((await scrape(exporter.telemetryPort)).parsed, "cr_exporter_config_reloads_total", {
      result: "failure",
    })[0]?.value ?? 0;

  it("refuses each invalid value of issue 20 (namespace, number, selector, field path), keeping the config", async () => {
    const bad: Array<[string, string]> = [
      ["namespaces: [default, Bad_NS!]", '--namespaces: "Bad_NS!" is not a namespace name'],
      ["listPageSize: '0x50'", '--list-page-size: expected a decimal integer, got "0x50"'],
      ["labelSelector: 'tier in prod'", '--label-selector: invalid label selector "tier in prod"'],
      ["fieldSelector: metadata.name", '--field-selector: invalid field selector "metadata.name"'],
      ["specFields: ['..']", '--spec-fields: ".." is not a .spec field path'],
    ];
    for (const [line, message] of bad) {
      const before = await failures();
      writeFileSync(config, `includeGroups: [queue.example.com, reload.example.com]\n${line}\n`);
      await eventually(`failed reload counted for ${line}`, async () => (await failures()) === before + 1);
      await eventually(`logged: ${message}`, () =>
        exporter.logs.some(
          (l) =>
            l.msg === "config reload failed; keeping the previous config" && String(l.err).includes(message),
        ),
      );
    }
    const body = (await scrape(exporter.port)).body;
    assert.ok(body.includes('kind="Widget"') && body.includes('kind="MessageQueue"'), "still serving");
    assert.equal(watchStarts("messagequeues.queue.example.com"), 1, "no watch restarted");
  });

  const lastReloadSuccessful = async () =>
    find((await scrape(exporter.telemetryPort)).parsed, "cr_exporter_config_last_reload_successful")[0]
      ?.value;

  it("refuses a CRS config with spec: 5 as kube-state-metrics does, keeping the previous one", async () => {
    writeFileSync(config, "includeGroups: [queue.example.com, reload.example.com]\n"); // valid again
    await eventually("valid config reloaded", async () => (await lastReloadSuccessful()) === 1);
    const before = await failures();
    writeFileSync(crs, "kind: CustomResourceStateMetrics\nspec: 5\n");
    await eventually("failed CRS reload counted", async () => (await failures()) === before + 1);
    await eventually("the CRS error logged", () =>
      exporter.logs.some(
        (l) =>
          l.msg === "config reload failed; keeping the previous config" &&
          String(l.err).includes('spec: expected a mapping, got "5"'),
      ),
    );
    assert.ok(
      (await scrape(exporter.port)).body.includes("kube_customresource_queue_replicas{"),
      "the previous CRS config still serves its metric",
    );
  });

  it("applies a valid config again after the failures", async () => {
    writeFileSync(crs, CRS);
    writeFileSync(config, "includeGroups: [queue.example.com, reload.example.com]\nnamespaces: [default]\n");
    await eventually("reload succeeds again", async () => (await lastReloadSuccessful()) === 1);
    await eventually("both mappers serve", async () => {
      const body = (await scrape(exporter.port)).body;
      return body.includes('kind="Widget"') && body.includes("kube_customresource_queue_replicas{");
    });
  });
});
