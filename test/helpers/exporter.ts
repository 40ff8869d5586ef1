// Runs the exporter under test as a real process (the CLI users run), on free ports, and stops
// it by pid. Ports are read from its "serving" log line.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

export interface RunningExporter {
  readonly port: number;
  readonly telemetryPort: number;
  readonly pid: number;
  /** Every log line so far, parsed (pino JSON). */
  readonly logs: Array<Record<string, unknown>>;
  /** Stderr text so far (start-up errors land here). */
  readonly stderr: () => string;
  stop(): Promise<number | null>;
}

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/** Start `node src/main.ts` with the given flags (plus --port 0 --telemetry-port 0 on loopback). */
export function startTestExporter(
  kubeconfig: string | undefined,
  args: readonly string[] = [],
): Promise<RunningExporter> {
  const argv = [
    MAIN,
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--telemetry-port",
    "0",
    "--log-level",
    "debug",
    ...args,
  ];
  if (kubeconfig) argv.push("--kubeconfig", kubeconfig);
  return startProcess(process.execPath, argv);
}

/** Short list/watch timeouts (the flags users have), so a fault test's fault resolves within seconds. */
export const SHORT_TIMEOUT_FLAGS: readonly string[] = [
  "--watch-idle-timeout",
  "3",
  "--backoff-max",
  "2",
  "--request-timeout",
  "3",
  "--watch-timeout",
  "30",
];

/** The exporter serving the manifests of `filesDir` behind a web config (YAML), written to `configDir`/web.yml. */
export function startBehindWebConfig(
  filesDir: string,
  webConfig: string,
  configDir: string,
): Promise<RunningExporter> {
  const path = join(configDir, "web.yml");
  writeFileSync(path, webConfig);
  return startTestExporter(undefined, ["--from-files", filesDir, "--web-config-file", path]);
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function startProcess(
  command: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningExporter> {
  const child: ChildProcess = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"], env });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let started = false;
    lines.on("line", (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (!started && entry.msg === "serving") {
        started = true;
        resolve({
          port: entry.port as number,
          telemetryPort: entry.telemetryPort as number,
          pid: child.pid!,
          logs,
          stderr: () => stderr,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill("SIGTERM");
              const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
              const code = await exited;
              clearTimeout(timer);
              return code;
            }
            return child.exitCode;
          },
        });
      }
    });
    void exited.then((code) => {
      if (!started)
        reject(
          new Error(
            `exporter exited with ${code} before serving:\n${stderr}${logs.map((l) => JSON.stringify(l)).join("\n")}`,
          ),
        );
    });
    // The ports come from the info-level "serving" line; never wait for it forever.
    setTimeout(() => {
      if (started) return;
      child.kill("SIGKILL");
      reject(
        new Error(`exporter did not log "serving" within 30 s (is --log-level above info?):\n${stderr}`),
      );
    }, 30_000).unref();
  });
}

/** A copy of a kubeconfig whose clusters point at another server URL (e.g. a test proxy). */
export function kubeconfigWithServer(path: string, server: string): string {
  const config = parseYaml(readFileSync(path, "utf8")) as {
    clusters: Array<{ cluster: { server: string } }>;
  };
  for (const c of config.clusters) c.cluster.server = server;
  const out = join(mkdtempSync(join(tmpdir(), "kubeconfig-")), "config");
  writeFileSync(out, stringifyYaml(config));
  return out;
}
