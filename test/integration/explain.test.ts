// `cr-exporter explain` as users run it: the real CLI process over files, and over a real API
// server with the exporter's kubeconfig flags. Its series per object must be what the exporter
// then serves on /metrics for the same objects.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import type { ExplainReport } from "../../src/explain/report.ts";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { applyExamples } from "../helpers/examples.ts";
import { type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { scrape } from "../helpers/scrape.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const EXAMPLES = new URL("../../examples/", import.meta.url).pathname;
const CORPUS = new URL("../fixtures/operators/", import.meta.url).pathname;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["src/main.ts", "explain", ...args],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Series per object (kind/namespace/name) on the exporter's /metrics. */
async function servedSeries(port: number): Promise<Map<string, number>> {
  const { parsed } = await scrape(port);
  const out = new Map<string, number>();
  for (const s of parsed.samples) {
    if (s.labels.kind === undefined || s.name.startsWith("cr_exporter_")) continue;
    const key = `${s.labels.kind}/${s.labels.namespace ?? ""}/${s.labels.name}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** Series per object (kind/namespace/name) in an explain report. */
function explainedSeries(report: ExplainReport): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of report.kinds)
    for (const o of k.objects ?? []) out.set(`${k.kind}/${o.namespace ?? ""}/${o.name}`, o.series);
  return out;
}

describe("cr-exporter explain (files)", { timeout: 120_000 }, () => {
  let exporter: RunningExporter | undefined;

  after(async () => {
    await exporter?.stop();
  });

  it("prints JSON for examples/ whose series per object equal what the exporter serves", async () => {
    const run = await cli([EXAMPLES, "--output", "json"]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as ExplainReport;
    assert.deepEqual(report.kinds.map((k) => k.kind).sort(), ["Application", "Certificate", "MessageQueue"]);
    const mq = report.kinds.find((k) => k.kind === "MessageQueue")!;
    assert.deepEqual(mq.families.find((f) => f.name === "cr_status_phase")?.labels, ["phase"]);
    assert.equal(mq.objects?.length, 3);

    exporter = await startTestExporter(undefined, ["--from-files", EXAMPLES]);
    const served = await servedSeries(exporter.port);
    assert.deepEqual(Object.fromEntries(explainedSeries(report)), Object.fromEntries(served));
  });

  it("prints text by default, and reads --from-files and the exporter's flags", async () => {
    const run = await cli(["--from-files", EXAMPLES, "--list-items-max", "1"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^MessageQueue\.queue\.example\.com \(version v1, namespaced/m);
    assert.match(run.stdout, /\.status\.resources: keyed by kind, name .*--list-items-max 1 items/);
    // storefront's two resources are more than one: aggregated, the drop reported.
    assert.match(run.stdout, /^ {6}dropped \d+ \(list_items_max\): \.status\.resources: 2 items/m);
  });

  it("skips SIGNALS.yaml in the operator corpus with a note, and explains every other file", async () => {
    const run = await cli(["--from-files", CORPUS, "--output", "json"]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as ExplainReport;
    assert.ok(report.notes.some((n) => n.includes("SIGNALS.yaml")));
    assert.ok(report.kinds.length >= 20);
    for (const k of report.kinds) assert.ok((k.objects?.length ?? 0) > 0, `${k.kind} has objects`);
  });

  it("exits 2 naming the bad flag or path", async () => {
    const bad = await cli([EXAMPLES, "--series-limit-per-object", "0"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--series-limit-per-object/);
    const output = await cli([EXAMPLES, "--output", "yaml"]);
    assert.equal(output.code, 2);
    assert.match(output.stderr, /--output: expected text or json, got "yaml"/);
    const missing = await cli(["/nonexistent-dir"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read \/nonexistent-dir/);
  });
});

describe("cr-exporter explain (cluster)", { timeout: 240_000 }, () => {
  let cluster: Cluster;
  let exporter: RunningExporter | undefined;

  before(async () => {
    cluster = await startCluster();
    await applyExamples(cluster.kubeConfig());
  });

  after(async () => {
    await exporter?.stop();
    await cluster?.stop();
  });

  it("lists the cluster's CRDs with --kubeconfig; with --objects, series per object equal /metrics", async () => {
    const plain = await cli(["--kubeconfig", cluster.kubeconfigPath, "--output", "json"]);
    assert.equal(plain.code, 0, plain.stderr);
    const crdsOnly = JSON.parse(plain.stdout) as ExplainReport;
    assert.deepEqual(crdsOnly.kinds.map((k) => k.kind).sort(), [
      "Application",
      "Certificate",
      "MessageQueue",
    ]);
    assert.ok(
      crdsOnly.kinds.every((k) => k.objects === undefined),
      "no objects without --objects",
    );

    // Pages of two objects: the continue token is followed.
    const run = await cli([
      "--kubeconfig",
      cluster.kubeconfigPath,
      "--objects",
      "--list-page-size",
      "2",
      "--output",
      "json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as ExplainReport;
    const explained = explainedSeries(report);
    assert.equal(explained.size, 8);
    assert.equal(report.summary.objects, 8);

    exporter = await startTestExporter(cluster.kubeconfigPath);
    let served = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      served = await servedSeries(exporter.port);
      if ((await fetch(`http://127.0.0.1:${exporter.port}/readyz`)).status === 200 && served.size === 8)
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(Object.fromEntries(explained), Object.fromEntries(served));
  });

  it("a user who may not list CRDs gets a clear error and exit 1", async () => {
    const kubeconfig = await cluster.mintUserKubeconfig("explain-nobody", []);
    const run = await cli(["--kubeconfig", kubeconfig]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /customresourcedefinitions: 403/);
  });
});
