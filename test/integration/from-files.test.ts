// The CLI as users first meet it: `npm start -- --from-files examples/`, no cluster.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { find, sampleValue } from "../helpers/exposition.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

const EXAMPLES = new URL("../../examples", import.meta.url).pathname;

describe("--from-files", { timeout: 60_000 }, () => {
  let dir: string;
  let exporter: RunningExporter;

  before(async () => {
    // A private copy, so the test can edit files and watch the exporter follow.
    dir = mkdtempSync(join(tmpdir(), "examples-"));
    cpSync(EXAMPLES, dir, { recursive: true });
    exporter = await startTestExporter(undefined, ["--from-files", dir]);
  });

  after(async () => {
    await exporter?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is ready and serves the example objects' conditions", async () => {
    assert.equal((await fetch(`http://127.0.0.1:${exporter.port}/readyz`)).status, 200);
    assert.equal(await (await fetch(`http://127.0.0.1:${exporter.port}/healthz`)).text(), "ok\n");
    const { parsed } = await scrape(exporter.port);
    // The served version is a label of cr_info only (docs/metrics.md).
    const payments = {
      group: "queue.example.com",
      kind: "MessageQueue",
      namespace: "shop",
      name: "payments",
    };
    assert.equal(sampleValue(parsed, "cr_info", payments), 1);
    assert.equal(find(parsed, "cr_info", payments)[0]?.labels.version, "v1");
    assert.equal(
      sampleValue(parsed, "cr_status_condition", { ...payments, type: "Available", status: "False" }),
      1,
    );
    assert.equal(
      sampleValue(parsed, "cr_status_condition", { ...payments, type: "Available", status: "True" }),
      0,
    );
    assert.equal(find(parsed, "cr_info", { kind: "MessageQueue" }).length, 3);
    assert.equal(find(parsed, "cr_info", { kind: "Certificate" }).length, 2);
    assert.equal(find(parsed, "cr_info", { kind: "Application", group: "gitops.example.com" }).length, 3);
  });

  it("follows edits of the files like a relist: changed, added and removed objects", async () => {
    const file = join(dir, "messagequeues.yaml");
    const text = readFileSync(file, "utf8");
    // payments becomes Available; audit-log disappears.
    const edited = text
      .replace(
        'status: "False"\n      reason: ReplicasUnavailable',
        'status: "True"\n      reason: ReplicasUnavailable',
      )
      .split("\n---\n")
      .filter((doc) => !doc.includes("name: audit-log"))
      .join("\n---\n");
    writeFileSync(file, edited);
    await eventually("edited files applied", async () => {
      const { parsed } = await scrape(exporter.port);
      return (
        find(parsed, "cr_info", { name: "audit-log" }).length === 0 &&
        find(parsed, "cr_status_condition", { name: "payments", type: "Available", status: "True" })[0]
          ?.value === 1
      );
    });
  });

  it("logs and skips a malformed document, keeps serving the rest", async () => {
    writeFileSync(join(dir, "broken.yaml"), "apiVersion: v1\nkind: [unclosed\n");
    await eventually("reload logged the bad document", () =>
      exporter.logs.some(
        (l) => l.msg === "skipped a manifest document" && String(l.error).includes("broken.yaml"),
      ),
    );
    const { parsed } = await scrape(exporter.port);
    assert.equal(find(parsed, "cr_info", { kind: "Certificate" }).length, 2);
  });

  it("reads a ksm config from files and reports the resource that matches nothing", async () => {
    const config = [
      "kind: CustomResourceStateMetrics",
      "spec:",
      "  resources:",
      "    - groupVersionKind: { group: queue.example.com, version: v1, kind: MessageQueue }",
      "      labelsFromPath: { name: [metadata, name] }",
      "      metrics: [{ name: mq_replicas, help: x, each: { type: Gauge, gauge: { path: [spec, replicas] } } }]",
      "    - groupVersionKind: { group: queue.example.com, version: v9, kind: MessageQueue }",
      "      metrics: [{ name: mq_v9, help: x, each: { type: Gauge, gauge: { path: [spec, replicas] } } }]",
      "    - groupVersionKind: { group: nothing.example.com, version: '*', kind: '*' }",
      "      metrics: [{ name: nothing, help: x, each: { type: Gauge, gauge: { path: [spec, replicas] } } }]",
    ].join("\n");
    const ksm = await startTestExporter(undefined, [
      "--from-files",
      dir,
      "--mode",
      "ksm",
      "--custom-resource-state-config",
      config,
    ]);
    try {
      const { parsed } = await scrape(ksm.port);
      assert.equal(
        find(parsed, "kube_customresource_mq_replicas", { name: "payments", customresource_version: "v1" })
          .length,
        1,
      );
      const telemetry = (await scrape(ksm.telemetryPort)).parsed;
      const unmatched = (labels: Record<string, string>) =>
        sampleValue(telemetry, "cr_exporter_config_resources_unmatched", labels);
      assert.equal(unmatched({ group: "queue.example.com", version: "v1", kind: "MessageQueue" }), 0);
      assert.equal(unmatched({ group: "queue.example.com", version: "v9", kind: "MessageQueue" }), 1);
      assert.equal(unmatched({ group: "nothing.example.com", version: "*", kind: "*" }), 1);
      const readyz = await fetch(`http://127.0.0.1:${ksm.port}/readyz?verbose`);
      const text = await readyz.text();
      assert.equal(readyz.status, 200, "an unmatched resource does not make the exporter unready");
      assert.match(
        text,
        /\[-\]config resource queue\.example\.com\/v9, Kind=MessageQueue unmatched: version v9 is not served \(served: v1\)/,
      );
      assert.match(text, /unmatched: no CustomResourceDefinition of group nothing\.example\.com/);
      assert.match(text, /\[\+\]messagequeues\.queue\.example\.com synced/);
      const warned = ksm.logs.filter(
        (l) => l.msg === "config resource matches nothing served: no series for it",
      );
      assert.deepEqual(warned.map((l) => `${l.group}/${l.version}`).sort(), [
        "nothing.example.com/*",
        "queue.example.com/v9",
      ]);
    } finally {
      await ksm.stop();
    }
  });

  it("exits 0 on SIGTERM", async () => {
    const second = await startTestExporter(undefined, ["--from-files", dir]);
    assert.equal(await second.stop(), 0);
  });
});

describe("start-up errors", () => {
  it("names the bad flag and exits 2", async () => {
    await assert.rejects(
      startTestExporter(undefined, ["--port", "eighty"]),
      (err: Error) => /exited with 2/.test(err.message) && /--port: /.test(err.message),
    );
  });
});
