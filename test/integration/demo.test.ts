// `npm run demo`, run the way a user runs it (npm, as a child process): it starts the control
// plane, the exporter and Prometheus, applies the examples and changes their statuses, an alert of
// the shipped rules goes pending or firing, and SIGTERM (or --duration) stops every process it
// started. Its --info-file gives the pids and URLs. No timing asserts: every wait has a deadline.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ensureTools } from "../cluster/cluster.ts";
import { processAlive } from "../helpers/exporter.ts";
import { instantQuery, prometheusAlerts } from "../helpers/prometheus.ts";
import { eventually } from "../helpers/wait.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

interface DemoInfo {
  pids: Record<string, number>;
  urls: Record<string, string>;
  ports: { port: number; telemetryPort: number; prometheusPort: number };
}

interface DemoRun {
  readonly child: ChildProcess;
  readonly infoFile: string;
  output(): string;
  readonly exited: Promise<number | null>;
}

const dirs: string[] = [];
const runs: DemoRun[] = [];

function startDemo(args: string[]): DemoRun {
  const dir = mkdtempSync(join(tmpdir(), "demo-test-"));
  dirs.push(dir);
  const infoFile = join(dir, "info.json");
  // Its own process group, so that a failed test can still kill whatever is left.
  const child = spawn("npm", ["run", "--silent", "demo", "--", "--info-file", infoFile, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-64 * 1024);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const run = { child, infoFile, output: () => output, exited };
  runs.push(run);
  return run;
}

async function infoOf(run: DemoRun): Promise<DemoInfo> {
  return eventually(
    "the demo's info file (everything started)",
    () => {
      if (run.child.exitCode !== null)
        throw new Error(`demo exited with ${run.child.exitCode}:\n${run.output()}`);
      return existsSync(run.infoFile) && (JSON.parse(readFileSync(run.infoFile, "utf8")) as DemoInfo);
    },
    180_000,
    250,
  );
}

/** The demo's exit code, once it has exited (within `timeoutMs`). */
async function exitCodeOf(run: DemoRun, what: string, timeoutMs: number): Promise<number | null> {
  const exit = await eventually(
    what,
    () => run.child.exitCode !== null && { code: run.child.exitCode },
    timeoutMs,
    250,
  );
  return exit.code;
}

async function assertAllGone(info: DemoInfo, run: DemoRun): Promise<void> {
  const pids = Object.entries(info.pids);
  assert.deepEqual(pids.map(([name]) => name).sort(), [
    "demo",
    "etcd",
    "exporter",
    "kube-apiserver",
    "prometheus",
  ]);
  await eventually(
    "every process the demo started gone",
    () => pids.every(([, pid]) => !processAlive(pid)),
    30_000,
    200,
  ).catch((err) => {
    const left = pids.filter(([, pid]) => processAlive(pid)).map(([name, pid]) => `${name}=${pid}`);
    throw new Error(`${(err as Error).message}: still running ${left.join(", ")}\n${run.output()}`);
  });
}

after(async () => {
  for (const run of runs)
    if (run.child.exitCode === null && run.child.signalCode === null) {
      try {
        process.kill(-run.child.pid!, "SIGKILL");
      } catch {}
    }
  for (const run of runs)
    if (existsSync(run.infoFile)) {
      const info = JSON.parse(readFileSync(run.infoFile, "utf8")) as DemoInfo;
      for (const pid of Object.values(info.pids)) if (processAlive(pid)) process.kill(pid, "SIGKILL");
    }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("npm run demo", { timeout: 600_000 }, () => {
  // Built before the clock of any wait starts (npm test's pretest has built them already).
  ensureTools("kube-apiserver", "etcd", "prometheus");

  it("statuses move, an alert goes pending or firing, and SIGTERM stops every process it started", async () => {
    const run = startDemo([
      "--port",
      "0",
      "--telemetry-port",
      "0",
      "--prometheus-port",
      "0",
      "--interval",
      "1",
    ]);
    const info = await infoOf(run);
    for (const [name, pid] of Object.entries(info.pids))
      assert.ok(processAlive(pid), `${name} (${pid}) runs`);
    assert.match(run.output(), /every for: shortened to \d+s/, "says that the rules' for: is shortened");
    for (const url of [info.urls.status, info.urls.metrics, info.urls.telemetry, info.urls.alerts])
      assert.match(run.output(), new RegExp(url!.replace(/[.?*+]/g, "\\$&")), `prints ${url}`);

    // The exporter serves the examples from the API server.
    const metrics = await (await fetch(info.urls.metrics!)).text();
    assert.match(metrics, /^cr_health\{[^}]*kind="MessageQueue"/m);

    // The demo writes statuses: orders degrades (1 ready replica) and recovers (3), seen by Prometheus.
    const prometheus = info.urls.prometheus!;
    const orders = `cr_status_ready_replicas{kind="MessageQueue",namespace="shop",name="orders"}`;
    await eventually(
      "Prometheus sees shop/orders degraded",
      async () => (await instantQuery(prometheus, orders)).some((s) => s.value === "1"),
      120_000,
      500,
    );
    await eventually(
      "Prometheus sees shop/orders recovered",
      async () => (await instantQuery(prometheus, orders)).some((s) => s.value === "3"),
      120_000,
      500,
    );
    assert.match(run.output(), /MessageQueue shop\/orders degrades/);

    // An alert of the shipped rules goes pending or firing.
    const alert = await eventually(
      "an alert pending or firing",
      async () =>
        (await prometheusAlerts(prometheus)).find((a) => a.state === "pending" || a.state === "firing"),
      120_000,
      500,
    );
    assert.ok(alert.labels.alertname, "a named alert");
    // The printed alerts page (a console template Prometheus renders) lists the alerts.
    await eventually(
      `the alerts page lists ${alert.labels.alertname}`,
      async () => {
        const response = await fetch(info.urls.alerts!);
        assert.equal(response.status, 200);
        return (await response.text()).includes(`<td>${alert.labels.alertname}</td>`);
      },
      30_000,
      500,
    );

    run.child.kill("SIGTERM"); // npm passes it on to the demo
    assert.equal(await exitCodeOf(run, "the demo exits", 60_000), 0, run.output());
    assert.match(run.output(), /stopping \(SIGTERM\)/);
    assert.match(run.output(), /stopped everything it started/);
    await assertAllGone(info, run);
  });

  it("a busy port is replaced by a free one, and --duration stops it by itself", async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const busyPort = (busy.address() as { port: number }).port;
    try {
      const run = startDemo([
        "--port",
        "0",
        "--telemetry-port",
        "0",
        "--prometheus-port",
        `${busyPort}`,
        "--duration",
        "3",
      ]);
      const info = await infoOf(run);
      assert.notEqual(info.ports.prometheusPort, busyPort);
      assert.match(
        run.output(),
        new RegExp(`port ${busyPort} \\(Prometheus\\) is busy: using ${info.ports.prometheusPort} instead`),
      );
      assert.equal(await exitCodeOf(run, "the demo stops by itself", 120_000), 0, run.output());
      assert.match(run.output(), /stopping \(--duration 3s elapsed\)/);
      await assertAllGone(info, run);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
