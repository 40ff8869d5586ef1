// Hostile status values through the real API server: the exposition stays valid (our strict
// parser and Prometheus' own), bounded in size, and what is capped or dropped is counted.
// Bad settings on the command line: the exporter refuses to start, exit 2, naming flag and value.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { find } from "../helpers/exposition.ts";
import { applyCrd, patchStatus, testCrd } from "../helpers/kube.ts";
import { promtoolParses } from "../helpers/promtool.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

const API = { group: "bad.example.com", version: "v1", plural: "things", namespace: "default" };

function nested(depth: number): unknown {
  let value: unknown = { leaf: 1 };
  for (let i = 0; i < depth; i++) value = { [`level${i}`]: value };
  return value;
}

const statuses: Record<string, unknown> = {
  quotes: { phase: 'Ready"}1,evil_metric{x="1\\', state: 'multi\nline"} 1\nevil_metric 1' },
  unicode: { phase: "✅ ready — 日本語", mood: "😀", lone: "\ud800x", nul: "a\u0000b" },
  huge: { phase: "x".repeat(1_000_000) },
  numbers: { big: 2 ** 60, negative: -1e308, tiny: 5e-324, count: "12345678901234567890" },
  deep: nested(100),
  wide: { items: Array.from({ length: 10_000 }, (_, i) => ({ name: `item-${i}`, ready: i % 2 === 0 })) },
  // Without a schema a list is read as conditions only when every item has a string type and a
  // True/False/Unknown status (else it is an ordinary, aggregated list): a repeated type and an
  // empty one are what is left to get wrong.
  conditions: {
    conditions: [
      { type: "Ready", status: "True" },
      { type: "Ready", status: "False" },
      { type: "", status: "Unknown" },
    ],
  },
  oddKeys: { "my key": 1, "a.b/c": 2, "9lives": 3, __reserved: 4, "": 5, labels: { "x-y": "z" } },
};

describe("bad input through the API server", { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let exporter: RunningExporter;

  before(async () => {
    cluster = await startCluster();
    const kc = cluster.kubeConfig();
    // No schema for status at all: everything is walked by its runtime type.
    await applyCrd(kc, testCrd({ group: "bad.example.com", kind: "Thing" }));

    const objects = kc.makeApiClient(CustomObjectsApi);
    for (const [name, status] of Object.entries(statuses)) {
      await objects.createNamespacedCustomObject({
        ...API,
        body: { apiVersion: "bad.example.com/v1", kind: "Thing", metadata: { name: name.toLowerCase() } },
      });
      await patchStatus(objects, { ...API, name: name.toLowerCase() }, status);
    }
    exporter = await startTestExporter(cluster.kubeconfigPath);
  });

  after(async () => {
    await exporter?.stop();
    await cluster?.stop();
  });

  it("serves valid, bounded exposition with every object present", async () => {
    const result = await eventually("all objects exported", async () => {
      const r = await scrape(exporter.port); // the strict parser throws on any invalid line
      return find(r.parsed, "cr_info", { kind: "Thing" }).length === Object.keys(statuses).length
        ? r
        : undefined;
    });
    const promtool = promtoolParses(result.body);
    assert.ok(promtool.ok, promtool.output.slice(0, 2000));
    assert.ok(result.body.length < 8 * 2 ** 20, `body bounded: ${result.body.length} bytes`);
    for (const line of result.body.split("\n"))
      assert.ok(line.length < 4096, `line bounded: ${line.slice(0, 100)}…`);
    assert.ok(!result.body.includes("\nevil_metric"), "no injected line");
    // NUL is valid UTF-8 and Prometheus accepts it inside a quoted value: it stays data.
    assert.equal(find(result.parsed, "cr_status_nul", { name: "unicode" })[0]?.labels.nul, "a\u0000b");
    // A lone surrogate cannot be encoded: it reaches the wire as U+FFFD, still valid UTF-8.
    assert.equal(find(result.parsed, "cr_status_lone", { name: "unicode" })[0]?.labels.lone, "\ufffdx");
    // Quotes and backslashes survive as label values, escaped, and read back intact.
    const phase = find(result.parsed, "cr_status_phase", { name: "quotes" })[0];
    assert.equal(phase?.labels.phase, 'Ready"}1,evil_metric{x="1\\');
    // A multi-line string is free text: never a label (and so never a line of its own).
    assert.equal(find(result.parsed, "cr_status_state", { name: "quotes" }).length, 0);
  });

  it("counts what it capped or dropped", async () => {
    const self = (await scrape(exporter.telemetryPort)).parsed;
    const reasons = new Set(
      find(self, "cr_exporter_value_errors_total", { kind: "Thing" })
        .filter((s) => s.value > 0)
        .map((s) => s.labels.reason),
    );
    assert.ok(reasons.size >= 2, `several reasons counted: ${[...reasons].join(", ")}`);
    assert.ok(
      exporter.logs.some((l) => l.kind === "Thing" && typeof l.reason === "string"),
      "the reasons are logged (rate-limited) with the kind",
    );
  });
});

describe("bad settings on the command line", { timeout: 120_000 }, () => {
  const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "bad-settings-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Run the CLI (on an empty --from-files dir: no cluster needed); its exit code and stderr. */
  const run = (args: readonly string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [MAIN, "--from-files", dir, "--host", "127.0.0.1", "--port", "0", "--telemetry-port", "0", ...args],
        { timeout: 30_000 },
        (err, _stdout, stderr) =>
          resolve({ code: err ? ((err.code as number | undefined) ?? null) : 0, stderr }),
      );
    });

  const cases: Array<[string[], RegExp]> = [
    [["--port", "0x50"], /--port: expected a decimal integer, got "0x50"/],
    [["--telemetry-port", "1e3"], /--telemetry-port: expected a decimal integer, got "1e3"/],
    [["--namespaces", "default,Bad_NS!"], /--namespaces: "Bad_NS!" is not a namespace name/],
    [["--spec-fields", ".."], /--spec-fields: "\.\." is not a \.spec field path/],
    [["--label-selector", "tier in prod"], /--label-selector: invalid label selector "tier in prod"/],
    [["--field-selector", "metadata.name"], /--field-selector: invalid field selector "metadata.name"/],
    [["--crd-label-selector", "a=b_"], /--crd-label-selector: invalid label selector "a=b_"/],
    [
      ["--kind-selectors", '{"things.bad.example.com":{"labelSelector":"!"}}'],
      /--kind-selectors: at things\.bad\.example\.com\.labelSelector: invalid label selector "!"/,
    ],
    [["--metric-labels-allowlist", "foo"], /--metric-labels-allowlist: expected "=" after "foo"/],
    [
      ["--custom-resource-state-config", "spec: 5"],
      /--custom-resource-state-config: spec: expected a mapping, got "5"/,
    ],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(" ")}: exit 2, the flag and the value named`, async () => {
      const { code, stderr } = await run(args);
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
      assert.match(stderr, /Run with --help/);
    });
  }

  it("a CRS config file with spec: 5 is refused at start like kube-state-metrics refuses it", async () => {
    const file = join(dir, "crs.yaml");
    writeFileSync(file, "kind: CustomResourceStateMetrics\nspec: 5\n");
    try {
      const { code, stderr } = await run(["--custom-resource-state-config-file", file]);
      assert.equal(code, 2, stderr);
      assert.match(
        stderr,
        /--custom-resource-state-config-file .*crs\.yaml: spec: expected a mapping, got "5"/,
      );
    } finally {
      rmSync(file);
    }
  });
});
