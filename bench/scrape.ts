// Scrape-path benchmark, no cluster: fill the store with N objects rendered by the real auto
// mapper, then scrape /metrics over HTTP (plain and gzip) while measuring event-loop delay.
// Prints figures; asserts nothing. Usage: node bench/scrape.ts [objects=50000]

import { execFile } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { promisify } from "node:util";
import { pino } from "pino";
import { close, listen, metricsApp } from "../src/http/server.ts";
import { createAutoMapper } from "../src/mapping/auto/index.ts";
import type { KindInfo, KubeObject } from "../src/mapping/types.ts";
import { KindPipeline } from "../src/pipeline.ts";
import { MetricStore } from "../src/store/store.ts";
import { RateLimitedLog } from "../src/telemetry/log.ts";
import { createSelfMetrics } from "../src/telemetry/metrics.ts";

const objects = Number(process.argv[2] ?? 50_000);
const info: KindInfo = {
  group: "bench.example.com",
  version: "v1",
  kind: "Queue",
  plural: "queues",
  namespaced: true,
};

function object(i: number): KubeObject {
  const t = "2026-11-25T08:00:00Z";
  return {
    metadata: {
      name: `q-${i}`,
      namespace: `ns-${i % 50}`,
      uid: `uid-${i}`,
      generation: 3,
      creationTimestamp: t,
    },
    spec: { replicas: 3 },
    status: {
      observedGeneration: 3,
      phase: i % 10 === 0 ? "Degraded" : "Ready",
      readyReplicas: 3,
      conditions: ["Ready", "Available", "Progressing"].map((type) => ({
        type,
        status: "True",
        reason: "Ok",
        lastTransitionTime: t,
      })),
    },
  };
}

const metrics = createSelfMetrics("bench");
const store = new MetricStore();
const mapper = createAutoMapper({}).forKind(info)!;
const pipeline = new KindPipeline(info, [mapper], store.kind("queues.bench.example.com"), {
  metrics,
  warnings: new RateLimitedLog(pino({ level: "silent" })),
  owns: () => true,
});

let t = performance.now();
for (let i = 0; i < objects; i++) pipeline.upsert(object(i));
const mapMs = performance.now() - t;
const series = store.kind("queues.bench.example.com").seriesCount;
console.log(
  `objects ${objects}  series ${series}  map+store ${mapMs.toFixed(0)} ms (${((mapMs * 1000) / objects).toFixed(1)} µs/object)`,
);
global.gc?.();
console.log(
  `heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB  rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
);

{
  // Block scope: a snapshot taken before the first scrape holds every stored text; kept in a
  // module-level constant it would count in the memory figures after the scrapes.
  t = performance.now();
  const families = store.snapshot().length;
  console.log(`snapshot ${(performance.now() - t).toFixed(1)} ms (${families} families)`);
}

const readiness = { ready: () => true, detail: () => [] };
const { server, port } = await listen(
  metricsApp(store, readiness, metrics, { maxConcurrentScrapes: 4 }),
  "127.0.0.1",
  0,
);
for (const gzip of [false, true]) {
  const times: number[] = [];
  let bytes = 0;
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const perScrape: number[] = [];
  for (let i = 0; i < 5; i++) {
    const one = monitorEventLoopDelay({ resolution: 5 });
    one.enable();
    // The client is another process (curl), so its work does not count as our event-loop delay.
    const { stdout: out } = await promisify(execFile)("curl", [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{time_total} %{size_download}",
      ...(gzip ? ["-H", "Accept-Encoding: gzip"] : []),
      `http://127.0.0.1:${port}/metrics`,
    ]);
    const [seconds = "0", size = "0"] = out.split(" ");
    times.push(Number(seconds) * 1000);
    one.disable();
    perScrape.push(one.max / 1e6);
    bytes = Number(size);
  }
  lag.disable();
  times.sort((a, b) => a - b);
  console.log(
    `scrape ${gzip ? "gzip " : "plain"}  p50 ${times[2]!.toFixed(0)} ms  max ${times[4]!.toFixed(0)} ms  body ${(bytes / 2 ** 20).toFixed(1)} MiB` +
      `  event-loop delay max ${(lag.max / 1e6).toFixed(1)} ms p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms` +
      `  (max per scrape: ${perScrape.map((v) => v.toFixed(0)).join(", ")} ms)`,
  );
}
// After the scrapes: the first one joined every family and re-pointed the stored texts into
// the joined chunks, so this shows what keeping the chunks costs.
global.gc?.();
console.log(
  `after scrapes: heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB  rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB${global.gc ? " (after gc)" : ""}`,
);
await close(server);
