// ksm mode's mapping alone, no cluster: N bench objects through bench/ksm-crs.yaml into a store,
// a few rounds, with the SHA-256 of the scrape body so a change to the mapping can show it
// renders the same bytes. Prints figures; asserts nothing.
// Usage: node [--expose-gc] bench/ksm-mapping.ts [objects=10000] [rounds=5]
// With --expose-gc each round starts after a full GC, so one round's garbage is not collected
// in the next one's time.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { pino } from "pino";
import { renderScrape } from "../src/http/scrape.ts";
import { createKsmMapper, parseKsmConfig } from "../src/mapping/ksm/index.ts";
import type { KindInfo, KubeObject } from "../src/mapping/types.ts";
import { KindPipeline } from "../src/pipeline.ts";
import { MetricStore } from "../src/store/store.ts";
import { RateLimitedLog } from "../src/telemetry/log.ts";
import { createSelfMetrics } from "../src/telemetry/metrics.ts";
import { BENCH_GROUP, benchObject, KINDS } from "./objects.ts";

const objects = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 5);

const config = parseKsmConfig(readFileSync(new URL("./ksm-crs.yaml", import.meta.url), "utf8"));
const mapper = createKsmMapper(config);
const metrics = createSelfMetrics("bench");
const bodies: KubeObject[] = [];
for (let i = 0; i < objects; i++) {
  const body = benchObject(i).body as KubeObject;
  bodies.push({ ...body, metadata: { ...body.metadata, uid: `uid-${i}` } });
}

const times: string[] = [];
let digest = "";
for (let round = 0; round < rounds; round++) {
  const store = new MetricStore();
  const pipelines = KINDS.map(({ kind, plural }) => {
    const info: KindInfo = { group: BENCH_GROUP, version: "v1", kind, plural, namespaced: true };
    const kindMapper = mapper.forKind(info);
    if (!kindMapper) throw new Error(`bench/ksm-crs.yaml has nothing for ${kind}`);
    return new KindPipeline(info, [kindMapper], store.kind(`${plural}.${BENCH_GROUP}`), {
      metrics,
      warnings: new RateLimitedLog(pino({ level: "silent" })),
      owns: () => true,
    });
  });
  (globalThis as { gc?: () => void }).gc?.();
  const started = performance.now();
  for (let i = 0; i < objects; i++) pipelines[i % KINDS.length]!.upsert(bodies[i]!);
  times.push((performance.now() - started).toFixed(0));
  const hash = createHash("sha256");
  for (const chunk of renderScrape(store.snapshot(), "text")) hash.update(chunk);
  digest = hash.digest("hex").slice(0, 16);
}
console.log(`ksm mode, ${objects} objects: map and store, ms per round: ${times.join(" ")}`);
console.log(`scrape body sha256 (first 16): ${digest}`);
