// The long soak (issue: "RSS returns to its baseline; no timers, sockets or per-object state
// accumulate"): churn objects through a real API server for N minutes, sampling the exporter's
// resources every 30 s. Prints figures; asserts nothing. Usage: node bench/soak.ts [minutes=10]

import { readFileSync } from "node:fs";
import { startCluster } from "../test/cluster/cluster.ts";
import { startTestExporter } from "../test/helpers/exporter.ts";
import { applyCrd } from "../test/helpers/kube.ts";
import { eventually } from "../test/helpers/wait.ts";
import { churn, type Resources, sampleResources } from "./soak-driver.ts";

const minutes = Math.min(Number(process.argv[2] ?? 10), 120);
const cluster = await startCluster();
const exporter = await startTestExporter(cluster.kubeconfigPath, ["--log-level", "info"]);
try {
  await applyCrd(
    cluster.kubeConfig(),
    readFileSync(new URL("../examples/messagequeue-crd.yaml", import.meta.url), "utf8"),
  );
  await eventually("ready", async () => (await fetch(`http://127.0.0.1:${exporter.port}/readyz`)).ok);
  await churn(cluster.kubeConfig(), 5, 10);
  await eventually(
    "warm-up drained",
    async () => (await sampleResources(exporter.telemetryPort)).objects === 0,
  );
  const baseline = await sampleResources(exporter.telemetryPort);
  const fmt = (r: Resources) =>
    `rss ${(r.rssBytes / 2 ** 20).toFixed(0)} MiB  heap ${(r.heapBytes / 2 ** 20).toFixed(0)} MiB  handles ${r.handles}  resources ${r.resources}  objects ${r.objects}`;
  console.log(`baseline   ${fmt(baseline)}`);
  let writes = 0;
  for (let slice = 0; slice < minutes * 2; slice++) {
    writes += (await churn(cluster.kubeConfig(), 30, 20)).writes;
    const r = await sampleResources(exporter.telemetryPort);
    console.log(`${String((slice + 1) / 2).padStart(5)} min  ${fmt(r)}  writes ${writes}`);
  }
  const end = await eventually("drained", async () => {
    const r = await sampleResources(exporter.telemetryPort);
    return r.objects === 0 ? r : undefined;
  });
  console.log(`end        ${fmt(end)}`);
  console.log(
    `rss ratio end/baseline ${(end.rssBytes / baseline.rssBytes).toFixed(2)}  handles ${baseline.handles} → ${end.handles}`,
  );
} finally {
  await exporter.stop();
  await cluster.stop();
}
