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
