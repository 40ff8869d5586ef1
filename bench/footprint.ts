// Start-up and memory of several ways of running cr-exporter, on the same API server and the same
// objects, next to kube-state-metrics: the before/after figures of docs/performance.md's
// footprint steps. Each variant is a checkout (its dist/ built there) and/or a set of Node flags.
//
//   node bench/footprint.ts [--sizes 1000,10000] [--modes auto,ksm-mode] [--rounds 2]
//       [--scrapes 5] [--steady-seconds 10]
//       --variant 'LABEL=[ROOT][:FLAGS]' ...   (default: one variant, what the image runs)
//
// e.g. --variant 'before=/tmp/wt-before' --variant 'after=' --variant 'after, no flags=:'
// (ROOT empty: this checkout, compiled first; ':' with no flags: none; no ':': the Dockerfile
// ENTRYPOINT's flags). The rounds are interleaved (every variant once, then again), so a busy
// moment of the VM does not land on one variant only; the table gives each figure's median over
// the rounds, and the JSON record every round. Every process it starts is stopped by pid.

import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Cluster, startCluster } from "../test/cluster/cluster.ts";
import { measureBulk } from "./bulk.ts";
import { gaugeValue, percentile } from "./measure.ts";
import { ApiWriter, createObjects, setUpKinds } from "./objects.ts";
import { machineInfo, versions, writeJson } from "./report.ts";
import { buildDist } from "./shipped.ts";
import { type CrExporterLaunch, SPECS, startTarget, stopAllProcesses, type TargetName } from "./targets.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000" },
    modes: { type: "string", default: "auto,ksm-mode" },
    rounds: { type: "string", default: "2" },
    scrapes: { type: "string", default: "5" },
    "steady-seconds": { type: "string", default: "10" },
    variant: { type: "string", multiple: true, default: ["shipped="] },
    out: { type: "string" },
  },
});

interface Variant {
  readonly label: string;
  readonly launch: CrExporterLaunch;
}

function parseVariant(text: string): Variant {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new Error(`--variant: expected LABEL=[ROOT][:FLAGS], got "${text}"`);
  const label = text.slice(0, eq);
  const rest = text.slice(eq + 1);
  const colon = rest.indexOf(":");
  const root = (colon < 0 ? rest : rest.slice(0, colon)).trim();
  const flags =
    colon < 0
      ? undefined
      : rest
          .slice(colon + 1)
          .split(/\s+/)
          .filter((f) => f !== "");
  return { label, launch: { ...(root ? { root } : {}), ...(flags ? { nodeFlags: flags } : {}) } };
}

const positive = (flag: string, text: string) =>
  text.split(",").map((s) => {
    const n = Number(s.trim());
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag}: expected positive numbers, got "${text}"`);
    return n;
  });
const sizes = positive("sizes", args.sizes).sort((a, b) => a - b);
const modes = args.modes.split(",").map((m) => m.trim()) as TargetName[];
for (const m of modes)
  if (m !== "auto" && m !== "ksm-mode") throw new Error(`--modes: auto or ksm-mode, got "${m}"`);
const rounds = positive("rounds", args.rounds)[0]!;
const scrapes = positive("scrapes", args.scrapes)[0]!;
const steadySeconds = positive("steady-seconds", args["steady-seconds"])[0]!;
const variants = args.variant.map(parseVariant);
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const out = args.out ?? join(new URL("results", import.meta.url).pathname, `footprint-${stamp}.json`);
const say = (text: string) => process.stderr.write(`footprint: ${text}\n`);

interface Run {
  readonly size: number;
  readonly target: string;
  readonly round: number;
  readonly commandLine: readonly string[];
  readonly readySeconds: number;
  readonly cpuUntilReadySeconds: number;
  readonly steadyRssMiB: number;
  readonly peakRssMiB: number;
  readonly plainP50Ms: number;
  readonly gzipP50Ms: number;
  /** V8's heap at the end of the steady window (prom-client's gauges; cr-exporter only). */
  readonly heapUsedMiB?: number;
  readonly heapTotalMiB?: number;
}

let cluster: Cluster | undefined;
let writer: ApiWriter | undefined;
async function cleanUp(): Promise<void> {
  await stopAllProcesses();
  await writer?.close().catch(() => {});
  await cluster?.stop();
}
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    say(`${signal}: stopping every process started`);
    void cleanUp().finally(() => process.exit(130));
  });

async function measure(
  size: number,
  label: string,
  name: TargetName,
  round: number,
  launch?: CrExporterLaunch,
): Promise<Run> {
  const target = await startTarget(name, cluster!.kubeconfigPath, "bulk", launch ? { launch } : {});
  try {
    const bulk = await measureBulk(target, { objects: size, scrapes, steadySeconds, timeoutMs: 15 * 60_000 });
    const heap = async (name: string) => (await gaugeValue(target.telemetryPort, name)) / 2 ** 20;
    const run: Run = {
      size,
      target: label,
      round,
      commandLine: target.commandLine,
      readySeconds: bulk.readySeconds,
      cpuUntilReadySeconds: bulk.initialCpuSeconds,
      steadyRssMiB: bulk.steadyRssBytes / 2 ** 20,
      peakRssMiB: bulk.peakRssBytes / 2 ** 20,
      plainP50Ms: bulk.plain.p50Ms,
      gzipP50Ms: bulk.gzip.p50Ms,
      ...(name === "ksm"
        ? {}
        : {
            heapUsedMiB: await heap("nodejs_heap_size_used_bytes"),
            heapTotalMiB: await heap("nodejs_heap_size_total_bytes"),
          }),
    };
    say(
      `  ${label}: ready ${run.readySeconds.toFixed(2)} s, CPU ${run.cpuUntilReadySeconds.toFixed(2)} s, RSS ${run.steadyRssMiB.toFixed(0)} MiB (peak ${run.peakRssMiB.toFixed(0)}${run.heapTotalMiB ? `, heap used/total ${run.heapUsedMiB!.toFixed(0)}/${run.heapTotalMiB.toFixed(0)}` : ""})`,
    );
    return run;
  } finally {
    await target.stop();
  }
}

const FIGURES: ReadonlyArray<[string, keyof Run]> = [
  ["RSS steady (MiB)", "steadyRssMiB"],
  ["RSS peak (MiB)", "peakRssMiB"],
  ["CPU until ready (s)", "cpuUntilReadySeconds"],
  ["time to ready (s)", "readySeconds"],
  ["scrape plain p50 (ms)", "plainP50Ms"],
  ["scrape gzip p50 (ms)", "gzipP50Ms"],
  ["heap used (MiB)", "heapUsedMiB"],
  ["heap total (MiB)", "heapTotalMiB"],
];

function table(size: number, runs: readonly Run[], labels: readonly string[]): string {
  const median = (label: string, key: keyof Run) =>
    percentile(
      runs
        .filter((r) => r.size === size && r.target === label && r[key] !== undefined)
        .map((r) => r[key] as number),
      50,
    );
  const ksm = (key: keyof Run) => median(SPECS.ksm.title, key);
  const header = `| ${size} objects | ${FIGURES.map(([f]) => f).join(" | ")} |`;
  const rule = `| --- | ${FIGURES.map(() => "---:").join(" | ")} |`;
  const rows = labels.map((label) => {
    const cells = FIGURES.map(([, key]) => {
      const v = median(label, key);
      if (!Number.isFinite(v)) return "n/a";
      const base = ksm(key);
      const ratio = label === SPECS.ksm.title || !Number.isFinite(base) ? "" : ` (${(v / base).toFixed(2)}×)`;
      return `${v >= 100 ? v.toFixed(0) : v.toPrecision(3)}${ratio}`;
    });
    return `| ${label} | ${cells.join(" | ")} |`;
  });
  return [header, rule, ...rows].join("\n");
}

async function main(): Promise<void> {
  if (variants.some((v) => !v.launch.root)) {
    say("building dist/ (node scripts/build.ts)");
    buildDist();
  }
  const runs: Run[] = [];
  const record = {
    command: `node bench/footprint.ts ${process.argv.slice(2).join(" ")}`,
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    versions: versions(),
    options: { sizes, modes, rounds, scrapes, steadySeconds, variants },
    runs,
  };
  cluster = await startCluster();
  const kc = cluster.kubeConfig();
  writer = new ApiWriter(kc);
  await setUpKinds(kc, writer);
  let existing = 0;
  const labels: string[] = [];
  for (const v of variants) for (const m of modes) labels.push(`${v.label}, ${m}`);
  labels.push(SPECS.ksm.title);
  for (const size of sizes) {
    say(`creating objects ${existing}..${size - 1}`);
    await createObjects(writer, existing, size);
    existing = size;
    for (let round = 1; round <= rounds; round++) {
      say(`${size} objects, round ${round}`);
      for (const v of variants)
        for (const m of modes) runs.push(await measure(size, `${v.label}, ${m}`, m, round, v.launch));
      runs.push(await measure(size, SPECS.ksm.title, "ksm", round));
      writeJson(out, record);
    }
    console.log(`\n${table(size, runs, labels)}\n`);
  }
  say(`results written to ${out}`);
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
