// Hostile status values through the real API server: the exposition stays valid (our strict
// parser and Prometheus' own), bounded in size, and what is capped or dropped is counted.
import assert from "node:assert/strict";
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
  quotes: { phase: 'Ready"} 1 evil_metric{x="1\\', state: 'multi\nline"} 1\nevil_metric 1' },
  unicode: { phase: "✅ ready — 日本語", mood: "😀", lone: "\ud800x", nul: "a\u0000b" },
  huge: { phase: "x".repeat(1_000_000) },
  numbers: { big: 2 ** 60, negative: -1e308, tiny: 5e-324, count: "12345678901234567890" },
  deep: nested(100),
  wide: { items: Array.from({ length: 10_000 }, (_, i) => ({ name: `item-${i}`, ready: i % 2 === 0 })) },
  conditions: {
    conditions: [
      { status: "True", reason: "NoType" },
      { type: "Ready", status: "True" },
      { type: "Ready", status: "False" },
      { type: "", status: "Unknown" },
      { type: "Weird", status: "maybe" },
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
    assert.equal(phase?.labels.phase, 'Ready"} 1 evil_metric{x="1\\');
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
