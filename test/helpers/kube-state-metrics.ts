// The command line of the pinned kube-state-metrics serving only Custom Resource State metrics,
// on loopback, as the side-by-side test and the benchmark run it.

import { toolPath } from "../cluster/cluster.ts";

export interface KsmCommand {
  readonly kubeconfig: string;
  readonly configFile: string;
  readonly port: number;
  readonly telemetryPort: number;
}

export function kubeStateMetricsCommand(c: KsmCommand): { command: string; args: string[] } {
  return {
    command: toolPath("kube-state-metrics"),
    args: [
      "--kubeconfig",
      c.kubeconfig,
      "--custom-resource-state-only",
      "--custom-resource-state-config-file",
      c.configFile,
      "--host",
      "127.0.0.1",
      "--port",
      String(c.port),
      "--telemetry-host",
      "127.0.0.1",
      "--telemetry-port",
      String(c.telemetryPort),
      // Without it kube-state-metrics answers every scrape uncompressed (cr-exporter gzips).
      "--enable-gzip-encoding",
    ],
  };
}
