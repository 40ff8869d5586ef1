// The three exporters the benchmark compares, and how each is started as its own process on the
// same API server: cr-exporter in auto mode, cr-exporter in ksm mode with bench/ksm-crs.yaml, and
// kube-state-metrics v2.20.0 with the same config. Every process the bench starts is recorded, so
// stopAllProcesses() can stop what is still running (on error or Ctrl-C) by its pid.

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { freePorts } from "../test/cluster/cluster.ts";
import { processAlive, startProcess } from "../test/helpers/exporter.ts";
import { kubeStateMetricsCommand } from "../test/helpers/kube-state-metrics.ts";
import { BENCH_GROUP, PROBE_GROUP } from "./objects.ts";
import { shippedCommand } from "./shipped.ts";

export const TARGETS = ["auto", "ksm-mode", "ksm"] as const;
export type TargetName = (typeof TARGETS)[number];

export interface TargetSpec {
  readonly name: TargetName;
  readonly title: string;
  /** Whether /readyz on the metrics port says when the initial lists are done. */
  readonly readyz: boolean;
  /** Whether its telemetry port has prom-client's nodejs_eventloop_lag_* gauges. */
  readonly eventLoop: boolean;
  /** A family with exactly one series per bulk object: the scrape is complete when it has N. */
  readonly perObjectFamily: string;
  /** The family carrying Probe status.value, labelled with the object's name. */
  readonly probeFamily: string;
}

export const SPECS: Record<TargetName, TargetSpec> = {
  auto: {
    name: "auto",
    title: "cr-exporter auto",
    readyz: true,
    eventLoop: true,
    perObjectFamily: "cr_info",
    probeFamily: "cr_status_value",
  },
  "ksm-mode": {
    name: "ksm-mode",
    title: "cr-exporter ksm mode",
    readyz: true,
    eventLoop: true,
    perObjectFamily: "kube_customresource_status_ready_replicas",
    probeFamily: "kube_customresource_probe_value",
  },
  ksm: {
    name: "ksm",
    title: "kube-state-metrics",
    readyz: false,
    eventLoop: false,
    perObjectFamily: "kube_customresource_status_ready_replicas",
    probeFamily: "kube_customresource_probe_value",
  },
};

export const KSM_CONFIG = new URL("ksm-crs.yaml", import.meta.url).pathname;
export const KSM_PROBE_CONFIG = new URL("ksm-crs-probe.yaml", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

/**
 * How cr-exporter is started. By default what the image runs (bench/shipped.ts: dist/main.js
 * with the entrypoint's Node flags and the image's ENV). For comparisons only: `entry: "src"`
 * runs src/main.ts as in development, `root` another checkout's dist/ (built there), and
 * `nodeFlags` replaces the entrypoint's flags.
 */
export interface CrExporterLaunch {
  readonly entry?: "dist" | "src";
  readonly root?: string;
  readonly nodeFlags?: readonly string[];
}

/** The command and environment cr-exporter is started with, before its own flags. */
export function crExporterCommand(launch: CrExporterLaunch = {}): {
  command: string;
  args: string[];
  env: Record<string, string>;
} {
  const shipped = shippedCommand();
  const root = launch.root?.replace(/\/?$/, "/");
  const script =
    launch.entry === "src"
      ? `${root ?? ROOT}src/main.ts`
      : root
        ? `${root}dist/main.js`
        : shipped.args.at(-1)!;
  const flags = launch.nodeFlags ?? shipped.args.slice(0, -1);
  return {
    command: shipped.command,
    args: [...flags, script],
    env: launch.entry === "src" ? {} : shipped.env,
  };
}

/** The target cannot run in this checkout (cr-exporter's ksm mode before it is wired in). */
export class TargetUnavailable extends Error {}

export interface RunningTarget {
  readonly spec: TargetSpec;
  readonly pid: number;
  readonly port: number;
  readonly telemetryPort: number;
  /** The process's command line as the kernel has it (/proc/<pid>/cmdline), read once it serves. */
  readonly commandLine: readonly string[];
  /** performance.now() just before the process was spawned. */
  readonly startedAt: number;
  /** Whether the process has exited (a crash during a measurement). */
  exited(): boolean;
  log(): string;
  stop(): Promise<void>;
}

/** Every process the bench started and has not stopped yet (targets, observers). */
const running = new Set<{ stop(): Promise<void> }>();

/** Record a process the bench started, so stopAllProcesses() can stop it; returns "forget it". */
export function trackProcess(process: { stop(): Promise<void> }): () => void {
  running.add(process);
  return () => running.delete(process);
}

/** Which objects the process watches: the bulk kinds, or only the Probe kind. */
export type Workload = "bulk" | "probe";

export async function startTarget(
  name: TargetName,
  kubeconfig: string,
  workload: Workload,
  options: { cpuProfileDir?: string; launch?: CrExporterLaunch } = {},
): Promise<RunningTarget> {
  const spec = SPECS[name];
  const [port, telemetryPort] = (await freePorts(2)) as [number, number];
  const config = workload === "bulk" ? KSM_CONFIG : KSM_PROBE_CONFIG;
  const target =
    name === "ksm"
      ? startKsm(spec, kubeconfig, config, port, telemetryPort)
      : await startCrExporter(spec, kubeconfig, workload, config, port, telemetryPort, options);
  running.add(target);
  // The smoke test reads these lines to check that nothing outlives the run.
  process.stderr.write(`bench: started ${spec.title} (${workload}) pid ${target.pid}\n`);
  return target;
}

async function startCrExporter(
  spec: TargetSpec,
  kubeconfig: string,
  workload: Workload,
  config: string,
  port: number,
  telemetryPort: number,
  { cpuProfileDir, launch }: { cpuProfileDir?: string; launch?: CrExporterLaunch },
): Promise<RunningTarget> {
  const base = crExporterCommand(launch);
  const argv = [
    ...base.args,
    "--kubeconfig",
    kubeconfig,
    "--include-groups",
    workload === "bulk" ? BENCH_GROUP : PROBE_GROUP,
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--telemetry-port",
    String(telemetryPort),
    "--log-level",
    "info",
    ...(spec.name === "ksm-mode" ? ["--mode", "ksm", "--custom-resource-state-config-file", config] : []),
  ];
  const startedAt = performance.now();
  let exporter: Awaited<ReturnType<typeof startProcess>>;
  try {
    // --cpu-prof writes a V8 profile of the whole run when the process exits (SIGTERM → exit 0).
    const env = {
      ...process.env,
      ...base.env,
      ...(cpuProfileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${cpuProfileDir}` } : {}),
    };
    exporter = await startProcess(base.command, argv, env);
  } catch (err) {
    const message = (err as Error).message;
    if (message.includes("not wired in yet")) throw new TargetUnavailable(`${spec.title}: not available`);
    throw err;
  }
  let exited = false;
  const target: RunningTarget = {
    spec,
    pid: exporter.pid,
    port: exporter.port,
    telemetryPort: exporter.telemetryPort,
    commandLine: commandLineOf(exporter.pid),
    startedAt,
    exited: () => exited || !processAlive(exporter.pid),
    log: () => `${exporter.stderr()}${exporter.logs.map((l) => JSON.stringify(l)).join("\n")}`.slice(-4000),
    async stop() {
      running.delete(target);
      await exporter.stop();
      exited = true;
    },
  };
  return target;
}

function commandLineOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
}

function startKsm(
  spec: TargetSpec,
  kubeconfig: string,
  config: string,
  port: number,
  telemetryPort: number,
): RunningTarget {
  const startedAt = performance.now();
  const ksm = kubeStateMetricsCommand({ kubeconfig, configFile: config, port, telemetryPort });
  const child: ChildProcess = spawn(ksm.command, ksm.args, { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const keep = (d: Buffer) => {
    text = (text + d.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const target: RunningTarget = {
    spec,
    pid: child.pid!,
    port,
    telemetryPort,
    commandLine: [ksm.command, ...ksm.args],
    startedAt,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    log: () => text.slice(-4000),
    async stop() {
      running.delete(target);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return target;
}

/** Stop every process the bench started that still runs (error paths, Ctrl-C). */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/**
 * The version a tool is built at, from its wrapper module's go.mod under test/tools (the binaries
 * are built without version stamps, so `kube-state-metrics version` prints none).
 */
export function pinnedVersion(tool: string, module: string): string {
  const goMod = readFileSync(new URL(`../test/tools/${tool}/go.mod`, import.meta.url), "utf8");
  const m = new RegExp(`^\\s*(?:require\\s+)?${module.replaceAll(".", "\\.")}\\s+(\\S+)`, "m").exec(goMod);
  return m?.[1] ?? "unknown";
}
