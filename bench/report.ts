// The benchmark's output: one table per size (every figure for each target, and its ratio to
// kube-state-metrics) and the JSON record under bench/results/ with the machine and versions.

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { dirname } from "node:path";
import type { BulkResult } from "./bulk.ts";
import type { LatencyResult } from "./latency.ts";
import type { CreationStats } from "./objects.ts";
import { pinnedVersion, SPECS, TARGETS, type TargetName } from "./targets.ts";

export interface TargetResult {
  readonly available: boolean;
  /** Why it is not available, or what went wrong. */
  readonly note?: string;
  /** The bulk run's command line (/proc/<pid>/cmdline): what was measured. */
  readonly commandLine?: readonly string[];
  readonly bulk?: BulkResult;
  /** Start-ups repeated on their own before the bulk run (bench/run.ts --startups). */
  readonly startUps?: StartUpSamples;
  readonly latency?: readonly LatencyResult[];
}

export interface StartUpSamples {
  readonly readySeconds: readonly number[];
  readonly cpuSeconds: readonly number[];
}

export interface Figure {
  readonly key: string;
  readonly label: string;
  /** One value per target that ran; null where the figure does not apply to that target. */
  readonly values: Partial<Record<TargetName, number | null>>;
  /** value / kube-state-metrics' value, for the cr-exporter targets. */
  readonly ratioToKsm: Partial<Record<TargetName, number | null>>;
}

export interface SizeResult {
  readonly objects: number;
  /** Creation of the objects added for this size (the cluster keeps the smaller sizes' objects). */
  readonly creation: CreationStats;
  readonly targets: Partial<Record<TargetName, TargetResult>>;
  readonly figures: readonly Figure[];
}

const MiB = 2 ** 20;

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

type Extract = (r: TargetResult) => number | undefined;

/** Every figure of the table: key, label, and how to read it from a target's result. */
function figureDefs(rates: readonly number[]): Array<{ key: string; label: string; get: Extract }> {
  const bulk =
    (f: (b: BulkResult) => number | undefined): Extract =>
    (r) =>
      r.bulk ? f(r.bulk) : undefined;
  const defs = [
    { key: "ready_s", label: "time to ready (s)", get: bulk((b) => b.readySeconds) },
    {
      key: "first_complete_scrape_s",
      label: "time to first complete scrape (s)",
      get: bulk((b) => b.firstCompleteScrapeSeconds),
    },
    { key: "initial_cpu_s", label: "CPU until ready (s)", get: bulk((b) => b.initialCpuSeconds) },
    {
      key: "ready_median_s",
      label: "time to ready, median of the start-ups (s)",
      get: ((r) => (r.startUps ? median(r.startUps.readySeconds) : undefined)) as Extract,
    },
    {
      key: "initial_cpu_median_s",
      label: "CPU until ready, median of the start-ups (s)",
      get: ((r) => (r.startUps ? median(r.startUps.cpuSeconds) : undefined)) as Extract,
    },
    { key: "series", label: "series", get: bulk((b) => b.series) },
    { key: "scrape_plain_p50_ms", label: "scrape plain p50 (ms)", get: bulk((b) => b.plain.p50Ms) },
    { key: "scrape_plain_p99_ms", label: "scrape plain p99 (ms)", get: bulk((b) => b.plain.p99Ms) },
    { key: "scrape_gzip_p50_ms", label: "scrape gzip p50 (ms)", get: bulk((b) => b.gzip.p50Ms) },
    { key: "scrape_gzip_p99_ms", label: "scrape gzip p99 (ms)", get: bulk((b) => b.gzip.p99Ms) },
    { key: "body_plain_mib", label: "response plain (MiB)", get: bulk((b) => b.plain.bytes / MiB) },
    { key: "body_gzip_mib", label: "response gzip (MiB)", get: bulk((b) => b.gzip.bytes / MiB) },
    {
      key: "cpu_per_scrape_plain_ms",
      label: "CPU per scrape plain (ms)",
      get: bulk((b) => b.plain.cpuMsPerScrape),
    },
    {
      key: "cpu_per_scrape_gzip_ms",
      label: "CPU per scrape gzip (ms)",
      get: bulk((b) => b.gzip.cpuMsPerScrape),
    },
    {
      key: "rss_after_scrapes_mib",
      label: "RSS 2 s after the scrapes (MiB)",
      get: bulk((b) => b.afterScrapesRssBytes / MiB),
    },
    { key: "rss_steady_mib", label: "RSS steady (MiB)", get: bulk((b) => b.steadyRssBytes / MiB) },
    { key: "rss_peak_mib", label: "RSS peak (MiB)", get: bulk((b) => b.peakRssBytes / MiB) },
    { key: "steady_cpu_s", label: "CPU in idle window (s)", get: bulk((b) => b.steadyCpuSeconds) },
    {
      key: "eventloop_lag_max_ms",
      label: "event-loop lag max in scrapes (ms)",
      get: bulk((b) => b.eventLoopLagMaxMs),
    },
    {
      key: "eventloop_lag_p50_ms",
      label: "event-loop lag per scrape p50 (ms)",
      get: bulk((b) => b.eventLoopLagP50Ms),
    },
    {
      key: "eventloop_lag_idle_ms",
      label: "event-loop lag max idle 1 s (ms)",
      get: bulk((b) => b.eventLoopLagIdleMs),
    },
  ];
  for (const rate of rates) {
    const at =
      (f: (l: LatencyResult) => number): Extract =>
      (r) => {
        const l = r.latency?.find((x) => x.targetRate === rate);
        return l ? f(l) : undefined;
      };
    defs.push(
      {
        key: `visible_p50_ms@${rate}`,
        label: `change visible p50 @${rate}/s (ms)`,
        get: at((l) => l.visibleP50Ms),
      },
      {
        key: `visible_p99_ms@${rate}`,
        label: `change visible p99 @${rate}/s (ms)`,
        get: at((l) => l.visibleP99Ms),
      },
      {
        key: `after_event_p50_ms@${rate}`,
        label: `  after the watch event p50 @${rate}/s (ms)`,
        get: at((l) => l.afterEventP50Ms),
      },
      {
        key: `after_event_p99_ms@${rate}`,
        label: `  after the watch event p99 @${rate}/s (ms)`,
        get: at((l) => l.afterEventP99Ms),
      },
      {
        key: `patch_p99_ms@${rate}`,
        label: `  PATCH round trip p99 @${rate}/s (ms)`,
        get: at((l) => l.patchP99Ms),
      },
      {
        key: `achieved_rate@${rate}`,
        label: `  patches/s achieved @${rate}/s`,
        get: at((l) => l.achievedRate),
      },
      {
        key: `watches_cut@${rate}`,
        label: `  watches cut by the API server @${rate}/s`,
        get: at((l) => l.watchesCut),
      },
      {
        key: `exporter_cpu_ms_per_1000@${rate}`,
        label: `  exporter CPU per 1000 changes, with polling @${rate}/s (ms)`,
        get: at((l) => l.exporterCpuMsPer1000),
      },
      { key: `unseen@${rate}`, label: `  patches never seen @${rate}/s`, get: at((l) => l.unseen) },
    );
  }
  return defs;
}

export function figuresOf(
  targets: Partial<Record<TargetName, TargetResult>>,
  rates: readonly number[],
): Figure[] {
  return figureDefs(rates).map(({ key, label, get }) => {
    const values: Partial<Record<TargetName, number | null>> = {};
    for (const name of TARGETS) {
      const r = targets[name];
      if (r?.available) values[name] = get(r) ?? null;
    }
    const ksm = values.ksm;
    const ratioToKsm: Partial<Record<TargetName, number | null>> = {};
    for (const name of ["auto", "ksm-mode"] as const) {
      const v = values[name];
      if (v === undefined) continue;
      ratioToKsm[name] = v !== null && typeof ksm === "number" && ksm !== 0 ? v / ksm : null;
    }
    return { key, label, values, ratioToKsm };
  });
}

function fmt(v: number | null | undefined): string {
  if (v === undefined) return "—";
  if (v === null || !Number.isFinite(v)) return "n/a";
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** A Markdown table (readable in a terminal, pasteable into docs/performance.md). */
export function formatTable(size: SizeResult): string {
  const header = ["figure", ...TARGETS.map((t) => SPECS[t].title), "auto ÷ ksm", "ksm mode ÷ ksm"];
  const rows = size.figures.map((f) => [
    f.label,
    ...TARGETS.map((t) => fmt(f.values[t])),
    fmt(f.ratioToKsm.auto),
    fmt(f.ratioToKsm["ksm-mode"]),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  const notes = TARGETS.filter((t) => size.targets[t] && !size.targets[t]!.available).map(
    (t) => `${SPECS[t].title}: ${size.targets[t]!.note ?? "not available"}`,
  );
  return [
    `${size.objects} objects (created at ${size.creation.perSecond.toFixed(0)}/s)`,
    "",
    line(header),
    rule,
    ...rows.map(line),
    ...(notes.length > 0 ? ["", ...notes] : []),
  ].join("\n");
}

export function machineInfo() {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memoryBytes: totalmem(),
    kernel: release(),
    loadAverageAtStart: loadavg(),
  };
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, {
      encoding: "utf8",
      cwd: new URL("..", import.meta.url).pathname,
    }).trim();
  } catch {
    return "";
  }
}

export function versions() {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]) !== "";
  return {
    node: process.versions.node,
    crExporter: `${pkg.version} (${git(["rev-parse", "--short", "HEAD"]) || "no git"}${dirty ? ", modified" : ""})`,
    kubeStateMetrics: pinnedVersion("kube-state-metrics", "k8s.io/kube-state-metrics/v2"),
    kubernetes: pinnedVersion("kube-apiserver", "k8s.io/kubernetes"),
    etcd: pinnedVersion("etcd", "go.etcd.io/etcd/server/v3"),
  };
}

export function writeJson(path: string, record: object): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
}
