// A real Prometheus and Alertmanager for end-to-end tests (the pinned builds in .tools/bin), each
// on free loopback ports with its own temporary storage, stopped by pid. Plus the few HTTP API
// calls the tests make: instant queries, label values, alert lists.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { freePort, toolPath } from "../cluster/cluster.ts";
import { eventually } from "./wait.ts";

export interface Daemon {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly pid: number;
  /** What the process wrote so far (the last 64 KiB), for failure messages. */
  output(): string;
  /** SIGTERM, SIGKILL after 10 s; then its temporary directory is removed. */
  stop(): Promise<void>;
}

const KEEP_OUTPUT = 64 * 1024;

async function startDaemon(tool: string, args: string[], url: string, dir: string): Promise<Daemon> {
  const child: ChildProcess = spawn(toolPath(tool), args, { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-KEEP_OUTPUT);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(
      `${tool} ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${tool} exited with ${child.exitCode}:\n${output}`);
        return (await fetch(`${url}/-/ready`)).ok;
      },
      30_000,
      200,
    );
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return { url, pid: child.pid!, output: () => output, stop };
}

/** Alertmanager with one receiver that sends nothing: alerts are only kept, for its API to list. */
export async function startAlertmanager(): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), "alertmanager-"));
  const config = {
    route: { receiver: "keep", group_wait: "1s", group_interval: "1s", repeat_interval: "1h" },
    receivers: [{ name: "keep" }],
  };
  writeFileSync(join(dir, "alertmanager.yml"), stringifyYaml(config));
  const port = await freePort();
  return startDaemon(
    "alertmanager",
    [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=", // no gossip: a single, isolated instance
      "--log.level=warn",
    ],
    `http://127.0.0.1:${port}`,
    dir,
  );
}

export interface PrometheusOptions {
  /** Scrape job name and host:port targets. */
  readonly job: string;
  readonly targets: readonly string[];
  /** Rule file contents, written into the Prometheus directory. */
  readonly rules?: readonly string[];
  /** host:port of an Alertmanager to send alerts to. */
  readonly alertmanager?: string;
  /** Scrape and rule evaluation interval (default 1s). */
  readonly interval?: string;
}

export async function startPrometheus(o: PrometheusOptions): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), "prometheus-"));
  const interval = o.interval ?? "1s";
  const ruleFiles = (o.rules ?? []).map((text, i) => {
    const file = join(dir, `rules-${i}.yaml`);
    writeFileSync(file, text);
    return file;
  });
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: ruleFiles,
    ...(o.alertmanager
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [o.alertmanager] }] }] } }
      : {}),
    scrape_configs: [{ job_name: o.job, static_configs: [{ targets: [...o.targets] }] }],
  };
  writeFileSync(join(dir, "prometheus.yml"), stringifyYaml(config));
  const port = await freePort();
  return startDaemon(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    `http://127.0.0.1:${port}`,
    dir,
  );
}

async function api<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== "success") throw new Error(`${url}: ${body.error ?? response.status}`);
  return body.data;
}

export interface Sample {
  readonly metric: Record<string, string>;
  /** The value as Prometheus wrote it ("NaN", "+Inf" included). */
  readonly value: string;
}

/** An instant query's result as samples (a scalar or string result becomes one sample). */
export async function instantQuery(prometheus: string, expr: string): Promise<Sample[]> {
  const data = await api<{ resultType: string; result: unknown }>(
    `${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`,
  );
  if (data.resultType === "vector")
    return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({
      metric: r.metric,
      value: r.value[1],
    }));
  if (data.resultType === "scalar" || data.resultType === "string")
    return [{ metric: {}, value: (data.result as [number, string])[1] }];
  throw new Error(`unexpected ${data.resultType} result for ${expr}`);
}

/** /api/v1/label/<label>/values, optionally restricted to the series of a selector (Grafana's label_values). */
export async function labelValues(prometheus: string, label: string, selector?: string): Promise<string[]> {
  const match = selector ? `?match[]=${encodeURIComponent(selector)}` : "";
  return api<string[]>(`${prometheus}/api/v1/label/${encodeURIComponent(label)}/values${match}`);
}

export interface PrometheusAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: "pending" | "firing";
}

export async function prometheusAlerts(prometheus: string): Promise<PrometheusAlert[]> {
  return (await api<{ alerts: PrometheusAlert[] }>(`${prometheus}/api/v1/alerts`)).alerts;
}

export interface AlertmanagerAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly status: { state: string };
}

/** Alertmanager's v2 API: the alerts it holds. */
export async function alertmanagerAlerts(alertmanager: string): Promise<AlertmanagerAlert[]> {
  const response = await fetch(`${alertmanager}/api/v2/alerts`);
  if (!response.ok) throw new Error(`alertmanager /api/v2/alerts: ${response.status}`);
  return (await response.json()) as AlertmanagerAlert[];
}
