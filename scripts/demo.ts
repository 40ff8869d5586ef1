// `npm run demo`: cr-exporter end to end on this machine, in one command.
//
// Starts the test suite's real control plane (etcd + kube-apiserver from .tools/, built on first
// use by test/tools/build.sh), applies examples/ (CRDs and objects with their status), runs the
// exporter against it (`node src/main.ts --kubeconfig …`, as users run it), runs Prometheus
// scraping both of the exporter's ports with rules/cr-exporter.rules.yaml loaded (every `for:`
// shortened, so alerts go pending and fire within seconds), then changes example statuses every
// few seconds, as operators would: a MessageQueue degrading and recovering, a Certificate failing
// and being renewed. Prints the URLs, and stops everything it started, by pid, on Ctrl-C, SIGTERM,
// when its parent goes away, or after --duration seconds.
//
//   npm run demo [-- --duration N] [--port 8080] [--telemetry-port 8081] [--prometheus-port 9090]
//                [--interval 5] [--info-file FILE]
//
// A busy port is replaced by a free one (said in the output); 0 means any free port.
// --info-file: once everything runs, a JSON file with the pids of every process started and the
// URLs (for scripts and test/integration/demo.test.ts).

import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { stringify as stringifyYaml } from "yaml";
import { type Cluster, ensureTools, startCluster, toolPath } from "../test/cluster/cluster.ts";
import { applyExamples } from "../test/helpers/examples.ts";
import { patchStatus, type ResourceRef } from "../test/helpers/kube.ts";
import { loadRuleGroups } from "../test/helpers/rules.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MAIN = join(ROOT, "src", "main.ts");
const HOST = "127.0.0.1";
/** Every alert's `for:` in the demo (the shipped rules say 5m to 1h). */
const DEMO_FOR = "10s";
const JOB = "cr-exporter";

const USAGE = `usage: npm run demo [-- options]
  --duration N          stop by itself N seconds after everything runs (default: until Ctrl-C / SIGTERM)
  --port P              exporter object metrics, status page, probes (default 8080)
  --telemetry-port P    exporter self-metrics (default 8081)
  --prometheus-port P   Prometheus (default 9090)
  --interval S          seconds between status changes (default 5)
  --info-file FILE      write the pids and URLs as JSON once everything runs
A busy port is replaced by a free one; 0 means any free port.`;

interface DemoOptions {
  readonly duration: number | undefined;
  readonly port: number;
  readonly telemetryPort: number;
  readonly prometheusPort: number;
  readonly intervalSeconds: number;
  readonly infoFile: string | undefined;
}

function parseOptions(argv: readonly string[]): DemoOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: "string" },
      port: { type: "string", default: "8080" },
      "telemetry-port": { type: "string", default: "8081" },
      "prometheus-port": { type: "string", default: "9090" },
      interval: { type: "string", default: "5" },
      "info-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const number = (flag: string, text: string, min: number, max: number, integer: boolean): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
      throw new Error(
        `--${flag}: expected ${integer ? "an integer" : "a number"} from ${min} to ${max}, got "${text}"`,
      );
    return n;
  };
  return {
    duration: values.duration === undefined ? undefined : number("duration", values.duration, 1, 1e7, false),
    port: number("port", values.port, 0, 65535, true),
    telemetryPort: number("telemetry-port", values["telemetry-port"], 0, 65535, true),
    prometheusPort: number("prometheus-port", values["prometheus-port"], 0, 65535, true),
    intervalSeconds: number("interval", values.interval, 0.5, 3600, false),
    infoFile: values["info-file"],
  };
}

const say = (line: string) => process.stdout.write(`demo: ${line}\n`);

// ─── Ports ──────────────────────────────────────────────────────────────────────────────────

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, HOST, () => resolve(server));
  });
}

/**
 * The wanted ports where they are free, else free ones. Every socket is held until all are
 * chosen, so no two picks can be the same port.
 */
async function pickPorts(wanted: readonly { name: string; port: number }[]): Promise<number[]> {
  const held: Server[] = [];
  try {
    const ports: number[] = [];
    for (const { name, port } of wanted) {
      let server = port === 0 ? undefined : await listen(port);
      if (!server) {
        server = await listen(0);
        if (!server) throw new Error(`no free port on ${HOST} for ${name}`);
        const got = (server.address() as { port: number }).port;
        if (port !== 0) say(`port ${port} (${name}) is busy: using ${got} instead`);
      }
      held.push(server);
      ports.push((server.address() as { port: number }).port);
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

// ─── Processes ──────────────────────────────────────────────────────────────────────────────

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

function startProc(name: string, command: string, args: string[], logFile: string): Proc {
  const log = createWriteStream(logFile);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      log.end();
      resolve();
    }),
  );
  return { name, child, exited };
}

const running = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null;

/** SIGTERM, then SIGKILL after 10 s. */
async function stopProc(p: Proc): Promise<void> {
  if (!running(p)) return;
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
  await p.exited;
  clearTimeout(timer);
}

async function waitReady(p: Proc, url: string, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!running(p))
      throw new Error(`${p.name} exited with ${p.child.exitCode} before ready; its log: ${logFile}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${p.name} not ready at ${url} after ${timeoutMs / 1000} s; its log: ${logFile}`);
}

function prometheusConfig(dir: string, exporterTargets: string[], intervalSeconds: number): string {
  const groups = loadRuleGroups().map((g) => ({
    ...g,
    rules: g.rules.map((r) => (r.for === undefined ? r : { ...r, for: DEMO_FOR })),
  }));
  const rulesFile = join(dir, "cr-exporter.rules.yaml");
  writeFileSync(
    rulesFile,
    `# DEMO COPY of rules/cr-exporter.rules.yaml: every for: shortened to ${DEMO_FOR}\n${stringifyYaml({ groups })}`,
  );
  const interval = `${Math.max(1, Math.min(5, Math.round(intervalSeconds / 2)))}s`;
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: [rulesFile],
    scrape_configs: [{ job_name: JOB, static_configs: [{ targets: exporterTargets }] }],
  };
  const file = join(dir, "prometheus.yml");
  writeFileSync(file, stringifyYaml(config));
  return file;
}

/**
 * The alerts page. The pinned Prometheus is built without its React UI (no npm build in a Go
 * module), so its own pages are not there; a console template, rendered by Prometheus
 * (html/template, so label values are escaped), lists its ALERTS series instead.
 */
function alertsConsole(dir: string): string {
  const consoles = join(dir, "consoles");
  mkdirSync(consoles);
  const cell = (label: string) => `<td>{{ .Labels.${label} }}</td>`;
  writeFileSync(
    join(consoles, "alerts.html"),
    [
      "<!doctype html>",
      '<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">',
      "<title>cr-exporter demo: alerts</title>",
      "<style>body{font-family:sans-serif}td,th{padding:2px 10px;text-align:left}",
      ".firing td:first-child{color:#b00;font-weight:bold}.pending td:first-child{color:#a60}</style></head>",
      "<body><h1>Alerts</h1>",
      `<p>Prometheus' ALERTS series, refreshed every 3 s. Rules: rules/cr-exporter.rules.yaml with every <code>for:</code> shortened to ${DEMO_FOR} (demo only).</p>`,
      "<table><tr><th>state</th><th>alert</th><th>severity</th><th>group</th><th>kind</th><th>namespace</th><th>name</th><th>condition</th></tr>",
      '{{ range sortByLabel "alertname" (query "ALERTS") }}',
      `<tr class="{{ .Labels.alertstate }}">${["alertstate", "alertname", "severity", "group", "kind", "namespace", "name", "type"].map(cell).join("")}</tr>`,
      '{{ else }}<tr><td colspan="8">no alert pending or firing (yet)</td></tr>{{ end }}',
      "</table></body></html>",
      "",
    ].join("\n"),
  );
  return consoles;
}

// ─── The story: statuses an operator would write ──────────────────────────────────────────────

type Status = Record<string, unknown>;
interface Change {
  readonly what: string;
  readonly ref: ResourceRef;
  readonly status: () => Status;
}

const condition = (type: string, status: string, reason: string, message: string) => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
});

const queue = (namespace: string, name: string): ResourceRef => ({
  group: "queue.example.com",
  version: "v1",
  plural: "messagequeues",
  namespace,
  name,
});
const certificate = (namespace: string, name: string): ResourceRef => ({
  group: "pki.example.com",
  version: "v1",
  plural: "certificates",
  namespace,
  name,
});

const queueDegraded = (ready: number, replicas: number) => () => ({
  phase: "Degraded",
  readyReplicas: ready,
  conditions: [
    condition(
      "Available",
      "False",
      "ReplicasUnavailable",
      `${replicas - ready} of ${replicas} replicas crash-looping`,
    ),
    condition("Ready", "False", "Degraded", "waiting for replicas"),
  ],
});
const queueReady = (replicas: number) => () => ({
  phase: "Ready",
  readyReplicas: replicas,
  conditions: [
    condition("Available", "True", "AllReplicasReady", `${replicas}/${replicas} replicas ready`),
    condition("Ready", "True", "Reconciled", ""),
  ],
});
let renewals = 4;
let failures = 0;

/** One step per interval, in a loop; empty steps leave time for `for:` to pass. */
const STORY: ReadonlyArray<Change | undefined> = [
  {
    what: "MessageQueue shop/orders degrades (1/3 replicas ready, Available=False)",
    ref: queue("shop", "orders"),
    status: queueDegraded(1, 3),
  },
  {
    what: "Certificate shop/shop-tls fails to renew (Ready=False, reason Failed)",
    ref: certificate("shop", "shop-tls"),
    status: () => ({
      failedIssuanceAttempts: ++failures,
      lastFailureTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      conditions: [
        condition("Ready", "False", "Failed", "ACME order failed: rate limited"),
        condition("Issuing", "True", "Retrying", "retrying in 1m"),
      ],
    }),
  },
  {
    what: "MessageQueue shop/payments recovers (3/3 ready)",
    ref: queue("shop", "payments"),
    status: queueReady(3),
  },
  undefined,
  {
    what: "MessageQueue shop/orders recovers (3/3 ready)",
    ref: queue("shop", "orders"),
    status: queueReady(3),
  },
  {
    what: "Certificate shop/shop-tls renewed (Ready=True)",
    ref: certificate("shop", "shop-tls"),
    status: () => ({
      revision: ++renewals,
      failedIssuanceAttempts: null,
      lastFailureTime: null,
      conditions: [condition("Ready", "True", "Ready", "Certificate is up to date and has not expired")],
    }),
  },
  {
    what: "MessageQueue shop/payments degrades again (1/3 ready)",
    ref: queue("shop", "payments"),
    status: queueDegraded(1, 3),
  },
  undefined,
];

async function alertSummary(prometheus: string): Promise<string> {
  try {
    const response = await fetch(`${prometheus}/api/v1/alerts`, { signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as {
      data: { alerts: Array<{ state: string; labels: Record<string, string> }> };
    };
    const count = (state: string) => body.data.alerts.filter((a) => a.state === state);
    const names = (state: string) =>
      [...new Set(count(state).map((a) => a.labels.alertname))].sort().join(", ") || "none";
    return `alerts: ${count("firing").length} firing (${names("firing")}), ${count("pending").length} pending (${names("pending")})`;
  } catch (err) {
    return `alerts: Prometheus did not answer (${(err as Error).message})`;
  }
}

// ─── Main ───────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }

  // Stop requests: signals, the parent going away (e.g. npm killed), --duration, a child dying.
  let stopReason: string | undefined;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const requestStop = (reason: string) => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    say(`stopping (${reason})…`);
    wake();
  };
  const procs: Proc[] = [];
  let cluster: Cluster | undefined;
  let firstSignal = 0;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(signal, () => {
      if (firstSignal === 0) {
        firstSignal = Date.now();
        return requestStop(signal);
      }
      // Ctrl-C reaches both npm and this process, and npm passes it on: one press, two signals.
      if (Date.now() - firstSignal < 2000) return;
      // Asked again: no more waiting.
      say(`${signal} again: killing everything now`);
      for (const p of procs) p.child.kill("SIGKILL");
      for (const pid of Object.values(cluster?.pids() ?? {})) if (pid) safeKill(pid);
      process.exit(130);
    });
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid !== parent) requestStop("parent process exited");
  }, 1000);

  const dir = mkdtempSync(join(tmpdir(), "cr-exporter-demo-"));
  let failed = false;
  try {
    ensureTools("kube-apiserver", "etcd", "prometheus");
    if (stopReason) return 0;
    say("starting the control plane (etcd + kube-apiserver from .tools/bin)…");
    cluster = await startCluster();
    if (stopReason) return 0;
    const kc = cluster.kubeConfig();
    const objects = await applyExamples(kc);
    say(`applied examples/: their CRDs and ${objects} custom resources, with status`);
    if (stopReason) return 0;

    // Chosen once the control plane has its own (free) ports, so that none is chosen twice.
    const [port, telemetryPort, prometheusPort] = (await pickPorts([
      { name: "exporter", port: options.port },
      { name: "exporter telemetry", port: options.telemetryPort },
      { name: "Prometheus", port: options.prometheusPort },
    ])) as [number, number, number];

    const exporterLog = join(dir, "exporter.log");
    const exporter = startProc(
      "exporter",
      process.execPath,
      [
        MAIN,
        "--host",
        HOST,
        "--port",
        `${port}`,
        "--telemetry-port",
        `${telemetryPort}`,
        "--kubeconfig",
        cluster.kubeconfigPath,
      ],
      exporterLog,
    );
    procs.push(exporter);
    const exporterUrl = `http://${HOST}:${port}`;
    await waitReady(exporter, `${exporterUrl}/readyz`, exporterLog);
    if (stopReason) return 0;

    const prometheusLog = join(dir, "prometheus.log");
    const prometheus = startProc(
      "prometheus",
      toolPath("prometheus"),
      [
        `--config.file=${prometheusConfig(dir, [`${HOST}:${port}`, `${HOST}:${telemetryPort}`], options.intervalSeconds)}`,
        `--storage.tsdb.path=${join(dir, "prometheus-data")}`,
        `--web.listen-address=${HOST}:${prometheusPort}`,
        `--web.console.templates=${alertsConsole(dir)}`,
        `--web.console.libraries=${join(dir, "consoles")}`,
        "--log.level=warn",
      ],
      prometheusLog,
    );
    procs.push(prometheus);
    const prometheusUrl = `http://${HOST}:${prometheusPort}`;
    await waitReady(prometheus, `${prometheusUrl}/-/ready`, prometheusLog);
    for (const p of procs)
      void p.exited.then(() => {
        if (!stopReason) {
          failed = true;
          requestStop(`${p.name} exited unexpectedly with ${p.child.exitCode ?? p.child.signalCode}`);
        }
      });

    const clusterPids = cluster.pids();
    const pids = {
      demo: process.pid,
      etcd: clusterPids.etcd,
      "kube-apiserver": clusterPids.apiserver,
      exporter: exporter.child.pid,
      prometheus: prometheus.child.pid,
    };
    const urls = {
      status: `${exporterUrl}/`,
      metrics: `${exporterUrl}/metrics`,
      telemetry: `http://${HOST}:${telemetryPort}/metrics`,
      prometheus: prometheusUrl,
      alerts: `${prometheusUrl}/consoles/alerts.html`,
      alertsApi: `${prometheusUrl}/api/v1/alerts`,
    };
    const lines = [
      "",
      "cr-exporter demo is running:",
      `  exporter status page   ${urls.status}`,
      `  object metrics         ${urls.metrics}`,
      `  exporter self-metrics  ${urls.telemetry}`,
      `  Prometheus alerts      ${urls.alerts}   (API: ${urls.alertsApi})`,
      `  Prometheus query       ${prometheusUrl}/api/v1/query?query=cr_health%3D%3D1`,
      `  kubeconfig             ${cluster.kubeconfigPath}`,
      `  logs                   ${exporterLog}, ${prometheusLog}`,
      `Alert rules: rules/cr-exporter.rules.yaml with every for: shortened to ${DEMO_FOR} (DEMO ONLY; the`,
      "shipped rules wait 5m to 1h) so alerts go pending, then firing, within seconds.",
      `pids: ${Object.entries(pids)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
      `Statuses change every ${options.intervalSeconds}s. ${options.duration ? `Stopping by itself after ${options.duration}s; ` : ""}Ctrl-C stops everything.`,
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    if (options.infoFile)
      writeFileSync(
        options.infoFile,
        `${JSON.stringify({ pids, urls, ports: { port, telemetryPort, prometheusPort } }, null, 2)}\n`,
      );

    const durationTimer =
      options.duration === undefined
        ? undefined
        : setTimeout(() => requestStop(`--duration ${options.duration}s elapsed`), options.duration * 1000);

    const api = kc.makeApiClient(CustomObjectsApi);
    const started = Date.now();
    for (let step = 0; !stopReason; step++) {
      await Promise.race([stopped, new Promise((r) => setTimeout(r, options.intervalSeconds * 1000))]);
      if (stopReason) break;
      const change = STORY[step % STORY.length];
      const at = `+${Math.round((Date.now() - started) / 1000)}s`;
      if (change) {
        try {
          await patchStatus(api, change.ref, change.status());
          say(`${at} ${change.what}`);
        } catch (err) {
          say(`${at} could not change ${change.ref.namespace}/${change.ref.name}: ${(err as Error).message}`);
        }
      }
      say(`${at} ${await alertSummary(prometheusUrl)}`);
    }
    if (durationTimer) clearTimeout(durationTimer);
  } catch (err) {
    failed = true;
    process.stderr.write(`demo: ${(err as Error).stack ?? err}\n`);
  } finally {
    clearInterval(parentWatch);
    for (const p of [...procs].reverse()) await stopProc(p);
    if (cluster) await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
    say("stopped everything it started");
  }
  return failed ? 1 : 0;
}

function safeKill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

// Exit at once: the Kubernetes client's keep-alive sockets would otherwise hold the process open.
process.exit(await main());
