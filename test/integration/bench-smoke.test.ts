// The benchmark harness (npm run bench) at a tiny size, so it cannot rot: it runs end to end on a
// real cluster, every target it can run reaches ready and is measured, the JSON record holds
// every figure as a finite number, cr-exporter runs with the image's command (the Dockerfile's
// ENTRYPOINT), and no process it started outlives it (also after Ctrl-C).
// No timing is asserted: figures at 30 objects on a shared machine mean nothing.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { SizeResult } from "../../bench/report.ts";
import { readDockerfile } from "../helpers/dockerfile.ts";
import { processAlive } from "../helpers/exporter.ts";
import { eventually } from "../helpers/wait.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const RUN = join(ROOT, "bench/run.ts");
const OBJECTS = 30;

interface Bench {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function startBench(args: string[]): Bench {
  const child = spawn(process.execPath, [RUN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout!.resume();
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, stderr: () => stderr, exited };
}

/** Every pid the bench logged as started (the control plane and each exporter). */
function startedPids(stderr: string): number[] {
  return [...stderr.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
}

describe("bench harness (smoke)", { timeout: 150_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
  const benches: Bench[] = [];
  after(async () => {
    for (const b of benches) {
      if (b.child.exitCode !== null || b.child.signalCode !== null) continue;
      b.child.kill("SIGTERM"); // the bench stops its own children on SIGTERM
      const timer = setTimeout(() => b.child.kill("SIGKILL"), 20_000);
      await b.exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs every target at a tiny size and records every figure", async () => {
    const out = join(dir, "result.json");
    const bench = startBench([
      "--sizes",
      String(OBJECTS),
      "--scrapes",
      "3",
      "--rates",
      "100",
      "--patch-seconds",
      "1",
      "--steady-seconds",
      "1",
      "--probes",
      "20",
      "--startups",
      "2",
      "--out",
      out,
    ]);
    benches.push(bench);
    assert.equal(await bench.exited, 0, bench.stderr());

    const record = JSON.parse(readFileSync(out, "utf8")) as {
      command: string;
      machine: { cores: number; cpuModel: string };
      versions: Record<string, string>;
      sizes: SizeResult[];
    };
    assert.match(record.command, /--sizes 30/);
    assert.ok(record.machine.cores > 0 && record.machine.cpuModel.length > 0);
    assert.equal(record.versions.kubeStateMetrics, "v2.20.0");
    for (const key of ["node", "crExporter", "kubernetes"]) assert.ok(record.versions[key], key);

    assert.equal(record.sizes.length, 1);
    const [size] = record.sizes;
    assert.equal(size!.objects, OBJECTS);
    assert.ok(size!.creation.perSecond > 0);

    const { auto, ksm } = size!.targets;
    const ksmMode = size!.targets["ksm-mode"];
    assert.equal(auto?.available, true, "cr-exporter auto ran");
    assert.equal(ksm?.available, true, "kube-state-metrics ran");
    assert.ok(ksmMode, "cr-exporter ksm mode was tried");
    const ran = (["auto", "ksm-mode", "ksm"] as const).filter((t) => size!.targets[t]?.available);
    for (const name of ran) {
      const result = size!.targets[name]!;
      assert.ok(result.bulk!.readySeconds > 0, `${name} reached ready`);
      assert.ok(result.bulk!.series >= OBJECTS, `${name} exported at least one series per object`);
      assert.equal(result.startUps?.cpuSeconds.length, 2, `${name} was started twice more on its own`);
      assert.ok(
        result.startUps.cpuSeconds.every((c) => c > 0) && result.startUps.readySeconds.every((r) => r > 0),
      );
      assert.equal(result.latency?.length, 1, `${name} latency phase ran`);
      assert.ok(result.latency[0]!.patches > 0);
      assert.equal(result.latency[0]!.unseen, 0, `${name} showed every patched value`);
    }
    if (ksmMode.available) assert.equal(ksmMode.bulk!.series, ksm.bulk!.series, "same config, same series");
    else assert.match(ksmMode.note ?? "", /not available/);

    // cr-exporter ran as the image runs it: the Dockerfile's ENTRYPOINT (its Node flags, then
    // the bundle), mapped onto this checkout, then the exporter's own flags.
    const runtime = readDockerfile(join(ROOT, "Dockerfile")).stages.at(-1)!;
    const entrypoint = JSON.parse(
      runtime.instructions.find((i) => i.keyword === "ENTRYPOINT")!.args,
    ) as string[];
    const expected = [process.execPath, ...entrypoint.slice(1, -1), join(ROOT, "dist/main.js")];
    for (const name of ["auto", "ksm-mode"] as const) {
      const commandLine = size!.targets[name]!.commandLine!;
      assert.deepEqual(commandLine.slice(0, expected.length), expected, `${name}: ${commandLine.join(" ")}`);
      assert.equal(commandLine[expected.length], "--kubeconfig", `${name}: the exporter's flags follow`);
    }

    assert.ok(size!.figures.length > 20);
    for (const figure of size!.figures) {
      for (const name of ran) {
        const value = figure.values[name];
        // The event-loop figures come from prom-client's gauges: Node only.
        if (name === "ksm" && figure.key.startsWith("eventloop_")) assert.equal(value, null, figure.key);
        else assert.ok(Number.isFinite(value), `${figure.key} of ${name}: ${value}`);
      }
    }
    for (const pid of startedPids(bench.stderr()))
      assert.equal(processAlive(pid), false, `pid ${pid} still running`);
  });

  it("stops every process it started on Ctrl-C", async () => {
    const bench = startBench(["--sizes", "10", "--targets", "ksm", "--out", join(dir, "interrupted.json")]);
    benches.push(bench);
    // Interrupt while the control plane and an exporter run.
    await eventually("an exporter started", () => /started kube-state-metrics/.test(bench.stderr()), 60_000);
    const pids = startedPids(bench.stderr());
    assert.ok(pids.length >= 3, bench.stderr());
    for (const pid of pids) assert.ok(processAlive(pid), `pid ${pid} running before the interrupt`);
    bench.child.kill("SIGINT");
    assert.equal(await bench.exited, 130);
    for (const pid of pids) assert.equal(processAlive(pid), false, `pid ${pid} still running`);
  });
});
