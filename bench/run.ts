// cr-exporter against kube-state-metrics on the same API server and the same objects.
//
//   npm run bench -- [--sizes 1000,10000,50000] [--targets auto,ksm-mode,ksm] [--scrapes 20]
//                    [--rates 200,500,1000] [--patch-seconds 5] [--steady-seconds 15]
//                    [--probes 200] [--out bench/results/FILE.json] [--cpu-prof DIR]
//                    [--no-latency] [--entry dist|src] [--node-flags="FLAGS"] [--startups 7]
//
// cr-exporter runs as the image runs it (bench/shipped.ts): dist/main.js, compiled first, with
// the Dockerfile ENTRYPOINT's Node flags and ENV. For comparisons only: --entry src runs
// src/main.ts (type stripping, as in development), --node-flags replaces the entrypoint's flags
// ("" for none). The JSON record keeps every target's command line.
// --cpu-prof DIR: the cr-exporter bulk runs write V8 CPU profiles (node --cpu-prof) into DIR.
// --no-latency: the bulk phase only (start-up, scrapes, memory), no status-change phase.
// --startups N: up to 10,000 objects, each target is also started N times on its own before the
// bulk runs, the targets in turn, and the table adds the medians of their time to ready and CPU
// until ready. One start-up at 1,000 objects takes about a second of CPU, and on a shared VM one
// sample of it varies by 20% between runs (docs/performance.md); from 50,000 objects one
// start-up takes tens of seconds and varies by a few percent. 0: none.
//
// One test cluster (kube-apiserver + etcd on loopback) for the whole run; for each size (smallest
// first, objects are added, never recreated) every target runs alone: the bulk phase
// (bench/bulk.ts), then the status-change latency phase on a second run of the same exporter that
// watches only the Probe kind (bench/latency.ts). Prints one table per size and writes the JSON
// record after each size. Every process it starts is stopped by pid, also on error and Ctrl-C.

import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Cluster, startCluster } from "../test/cluster/cluster.ts";
import { measureBulk, measureStartUp } from "./bulk.ts";
import { measureLatency, Observer, ProbeState, waitCaughtUp } from "./latency.ts";
import { ApiWriter, createObjects, createProbes, setUpKinds } from "./objects.ts";
import {
  figuresOf,
  formatTable,
  machineInfo,
  type SizeResult,
  type StartUpSamples,
  type TargetResult,
  versions,
  writeJson,
} from "./report.ts";
import { buildDist } from "./shipped.ts";
import {
  type CrExporterLaunch,
  startTarget,
  stopAllProcesses,
  TARGETS,
  type TargetName,
  TargetUnavailable,
} from "./targets.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000,50000" },
    targets: { type: "string", default: TARGETS.join(",") },
    scrapes: { type: "string", default: "20" },
    rates: { type: "string", default: "200,500,1000" },
    "patch-seconds": { type: "string", default: "5" },
    "steady-seconds": { type: "string", default: "15" },
    probes: { type: "string", default: "200" },
    out: { type: "string" },
    "cpu-prof": { type: "string" },
    "no-latency": { type: "boolean", default: false },
    entry: { type: "string", default: "dist" },
    "node-flags": { type: "string" },
    startups: { type: "string", default: "7" },
  },
});

function numbers(flag: string, text: string): number[] {
  const list = text.split(",").map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isFinite(n) || n <= 0))
    throw new Error(`--${flag}: expected positive numbers separated by commas, got "${text}"`);
  return list;
}

const sizes = numbers("sizes", args.sizes).sort((a, b) => a - b);
const rates = numbers("rates", args.rates);
const targets = args.targets.split(",").map((t) => t.trim()) as TargetName[];
for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`--targets: unknown target "${t}"`);
const scrapes = numbers("scrapes", args.scrapes)[0]!;
const patchSeconds = numbers("patch-seconds", args["patch-seconds"])[0]!;
const steadySeconds = numbers("steady-seconds", args["steady-seconds"])[0]!;
const probes = numbers("probes", args.probes)[0]!;
const startups = args.startups === "0" ? 0 : numbers("startups", args.startups)[0]!;
/** Above this, one start-up's figures are steady enough (see --startups). */
const STARTUPS_UP_TO_OBJECTS = 10_000;
if (args.entry !== "dist" && args.entry !== "src")
  throw new Error(`--entry: dist or src, got "${args.entry}"`);
const nodeFlags = args["node-flags"]?.split(/\s+/).filter((f) => f !== "");
const launch: CrExporterLaunch = { entry: args.entry, ...(nodeFlags ? { nodeFlags } : {}) };
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const out = args.out ?? join(new URL("results", import.meta.url).pathname, `bench-${stamp}.json`);

const say = (text: string) => process.stderr.write(`bench: ${text}\n`);

let cluster: Cluster | undefined;
let writer: ApiWriter | undefined;
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await stopAllProcesses();
    await writer?.close().catch(() => {});
    await cluster?.stop();
  })();
  return cleaning;
}
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    interrupted = true;
    say(`${signal}: stopping every process started`);
    void cleanUp().finally(() => process.exit(130));
  });

/** The latency phase for one target: its own process watching only the Probe kind. */
async function latencyPhase(name: TargetName, state: ProbeState) {
  const target = await startTarget(name, cluster!.kubeconfigPath, "probe", { launch });
  let observer: Observer | undefined;
  try {
    observer = await Observer.start(cluster!.kubeconfigPath, target.port, target.spec.probeFamily);
    await waitCaughtUp(observer, state);
    const probe = { pid: target.pid, observer };
    // warm-up (not recorded): JIT, connection pools, the watch in steady state
    await measureLatency(writer!, probe, state, Math.min(...rates), 1);
    const results = [];
    for (const rate of rates) {
      const r = await measureLatency(writer!, probe, state, rate, patchSeconds);
      say(
        `  ${name} @${rate}/s: visible p50 ${r.visibleP50Ms.toFixed(1)} ms p99 ${r.visibleP99Ms.toFixed(1)} ms, after the event p99 ${r.afterEventP99Ms.toFixed(1)} ms (${r.patches} patches, ${r.achievedRate.toFixed(0)}/s achieved)`,
      );
      results.push(r);
    }
    return results;
  } finally {
    await observer?.stop();
    await target.stop();
  }
}

/**
 * Every target started `startups` times on its own, in turn (auto, ksm-mode, ksm, auto, …), each
 * stopped once ready: time to ready and CPU until ready of each. In turn, so that a change in the
 * VM's speed during the phase weighs on every target alike: run one target after the other, the
 * ratios of their medians moved with it (docs/performance.md, step 22).
 */
async function startUpPhase(objects: number): Promise<Partial<Record<TargetName, StartUpSamples>>> {
  say(`start-ups with ${objects} objects: ${targets.join(", ")} in turn, ${startups} times`);
  const samples: Partial<Record<TargetName, { readySeconds: number[]; cpuSeconds: number[] }>> = {};
  const unavailable = new Set<TargetName>();
  for (let i = 0; i < startups; i++) {
    for (const name of targets) {
      if (unavailable.has(name)) continue;
      let target: Awaited<ReturnType<typeof startTarget>>;
      try {
        target = await startTarget(name, cluster!.kubeconfigPath, "bulk", { launch });
      } catch (err) {
        if (!(err instanceof TargetUnavailable)) throw err;
        unavailable.add(name); // runTarget says so
        continue;
      }
      try {
        const s = await measureStartUp(target, objects, Date.now() + 15 * 60_000);
        const mine = samples[name] ?? { readySeconds: [], cpuSeconds: [] };
        samples[name] = mine;
        mine.readySeconds.push((s.readyAt - target.startedAt) / 1000);
        mine.cpuSeconds.push(s.initialCpuSeconds);
      } finally {
        await target.stop();
      }
    }
  }
  for (const [name, s] of Object.entries(samples))
    say(
      `  ${name}: ${startups} start-ups, CPU until ready ${s.cpuSeconds.map((c) => c.toFixed(2)).join(" ")} s`,
    );
  return samples;
}

async function runTarget(
  name: TargetName,
  objects: number,
  state: ProbeState,
  startUps: StartUpSamples | undefined,
): Promise<TargetResult> {
  let target: Awaited<ReturnType<typeof startTarget>>;
  try {
    target = await startTarget(name, cluster!.kubeconfigPath, "bulk", {
      launch,
      ...(args["cpu-prof"] ? { cpuProfileDir: args["cpu-prof"] } : {}),
    });
  } catch (err) {
    if (err instanceof TargetUnavailable) {
      say(`  ${err.message}`);
      return { available: false, note: "not available (cr-exporter's ksm mapper is not wired in yet)" };
    }
    throw err;
  }
  const commandLine = target.commandLine;
  let bulk: Awaited<ReturnType<typeof measureBulk>>;
  try {
    bulk = await measureBulk(target, { objects, scrapes, steadySeconds, timeoutMs: 15 * 60_000 });
  } finally {
    await target.stop();
  }
  say(
    `  ${name}: ready ${bulk.readySeconds.toFixed(2)} s, ${bulk.series} series, scrape p50 ${bulk.plain.p50Ms.toFixed(0)} ms, RSS ${(bulk.steadyRssBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  const measured = { available: true, commandLine, bulk, ...(startUps ? { startUps } : {}) };
  if (args["no-latency"]) return measured;
  const latency = await latencyPhase(name, state);
  return { ...measured, latency };
}

async function main(): Promise<void> {
  const record = {
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    versions: versions(),
    options: {
      sizes,
      targets,
      scrapes,
      rates: args["no-latency"] ? [] : rates,
      patchSeconds,
      steadySeconds,
      probes,
      entry: args.entry,
      nodeFlags: nodeFlags ?? null,
      startups,
      startupsUpToObjects: STARTUPS_UP_TO_OBJECTS,
    },
    method: {
      creation: "bulk kinds have no /status subresource: one POST per object carries its status",
      ready:
        "cr-exporter: /readyz 200; kube-state-metrics: first scrape with all objects (polled every 50 ms)",
      startUps: `up to ${STARTUPS_UP_TO_OBJECTS} objects, ${startups} more start-ups of each target on their own before the bulk runs, the targets in turn, each stopped once ready; the table adds the medians`,
      latency: `a second run of each exporter watching only ${probes} Probe objects; PATCH /status of a unique value; an observer process polls /metrics every 10 ms and watches the Probe kind; visible = from PATCH sent to the end of the first scrape showing the value; after the event = from the observer's watch receiving it`,
      scrapes: "timed by curl (time_total), one at a time, text format 0.0.4",
      eventLoop:
        "nodejs_eventloop_lag_max_seconds from the telemetry port, read before and after each scrape (prom-client resets it on every read)",
    },
    sizes: [] as SizeResult[],
  };
  if (args.entry === "dist" && targets.some((t) => t !== "ksm")) {
    say("building dist/ (node scripts/build.ts), as the image's build stage does");
    buildDist();
  }
  cluster = await startCluster();
  const pids = cluster.pids();
  say(`started kube-apiserver pid ${pids.apiserver} etcd pid ${pids.etcd}`);
  const kc = cluster.kubeConfig();
  writer = new ApiWriter(kc);
  await setUpKinds(kc, writer);
  await createProbes(writer, probes);
  const state = new ProbeState(probes);
  let existing = 0;
  for (const objects of sizes) {
    say(`creating objects ${existing}..${objects - 1}`);
    const creation = await createObjects(writer, existing, objects);
    existing = objects;
    say(
      `  ${creation.objects} objects in ${creation.seconds.toFixed(1)} s: ${creation.perSecond.toFixed(0)}/s`,
    );
    const startUps = startups > 0 && objects <= STARTUPS_UP_TO_OBJECTS ? await startUpPhase(objects) : {};
    const results: SizeResult["targets"] = {};
    for (const name of targets) {
      say(`${name} with ${objects} objects`);
      results[name] = await runTarget(name, objects, state, startUps[name]);
    }
    const size: SizeResult = {
      objects,
      creation,
      targets: results,
      figures: figuresOf(results, args["no-latency"] ? [] : rates),
    };
    record.sizes.push(size);
    writeJson(out, record);
    console.log(`\n${formatTable(size)}\n`);
  }
  say(`results written to ${out}`);
}

try {
  await main();
} catch (err) {
  // After Ctrl-C the measurements fail as their processes go away: the signal handler exits.
  if (!interrupted) {
    console.error(err);
    process.exitCode = 1;
  }
} finally {
  if (!interrupted) await cleanUp();
}
