// The engine against a real kube-apiserver: CRD discovery, list+watch, store, /metrics.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ApiextensionsV1Api, CustomObjectsApi, type KubeConfig, loadYaml } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { kubeconfigWithServer, type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { find, sampleValue } from "../helpers/exposition.ts";
import { applyCrd, deleteCrd, patchStatus, testCrd } from "../helpers/kube.ts";
import { promtoolParses } from "../helpers/promtool.ts";
import { startProxy, type TcpProxy } from "../helpers/proxy.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

const mqCrd = parseYaml(
  readFileSync(new URL("../../examples/messagequeue-crd.yaml", import.meta.url), "utf8"),
);
const MQ = { group: "queue.example.com", version: "v1", plural: "messagequeues" };

function queue(name: string, namespace: string, replicas = 3): object {
  return {
    apiVersion: "queue.example.com/v1",
    kind: "MessageQueue",
    metadata: { name, namespace },
    spec: { replicas, storageSize: "1Gi" },
  };
}

const patchQueue = (kc: KubeConfig, namespace: string, name: string, status: object) =>
  patchStatus(kc.makeApiClient(CustomObjectsApi), { ...MQ, namespace, name }, status);

describe("engine on a real API server", { timeout: 240_000 }, () => {
  let cluster: Cluster;
  let kc: KubeConfig;
  let exporter: RunningExporter;
  let proxy: TcpProxy;

  before(async () => {
    cluster = await startCluster();
    kc = cluster.kubeConfig();
    // The exporter talks to the API server through a proxy, so a test can cut it off.
    const url = new URL(cluster.server);
    proxy = await startProxy(url.hostname, Number(url.port));
    exporter = await startTestExporter(
      kubeconfigWithServer(cluster.kubeconfigPath, `https://127.0.0.1:${proxy.port}`),
      ["--watch-idle-timeout", "5", "--backoff-max", "1"],
    );
    await eventually(
      "exporter ready",
      async () => (await fetch(`http://127.0.0.1:${exporter.port}/readyz`)).ok,
    );
  });

  after(async () => {
    await exporter?.stop();
    await proxy?.stop();
    await cluster?.stop();
  });

  it("picks up a CRD installed after start and follows CR create, status update and delete", async () => {
    await applyCrd(kc, mqCrd);
    const api = kc.makeApiClient(CustomObjectsApi);
    await kc
      .makeApiClient((await import("@kubernetes/client-node")).CoreV1Api)
      .createNamespace({ body: { metadata: { name: "shop" } } });
    await api.createNamespacedCustomObject({ ...MQ, namespace: "shop", body: queue("orders", "shop") });
    const labels = { kind: "MessageQueue", namespace: "shop", name: "orders" };
    await eventually(
      "cr_info of the new object",
      async () => find((await scrape(exporter.port)).parsed, "cr_info", labels).length === 1,
    );

    await patchQueue(kc, "shop", "orders", {
      readyReplicas: 2,
      phase: "Degraded",
      conditions: [
        {
          type: "Available",
          status: "False",
          reason: "ReplicasUnavailable",
          message: "1 down",
          lastTransitionTime: "2026-11-25T08:00:00Z",
        },
      ],
    });
    const parsed = await eventually("status update visible", async () => {
      const p = (await scrape(exporter.port)).parsed;
      return find(p, "cr_status_condition", { ...labels, type: "Available", status: "False" })[0]?.value === 1
        ? p
        : undefined;
    });
    assert.equal(
      sampleValue(parsed, "cr_status_condition", { ...labels, type: "Available", status: "True" }),
      0,
    );
    assert.equal(sampleValue(parsed, "cr_info", labels), 1);
    assert.equal(find(parsed, "cr_info", labels)[0]?.labels.group, "queue.example.com");
    assert.equal(find(parsed, "cr_info", labels)[0]?.labels.version, "v1");

    await api.deleteNamespacedCustomObject({ ...MQ, namespace: "shop", name: "orders" });
    await eventually("deleted object's series vanish", async () => {
      const body = (await scrape(exporter.port)).body;
      return !body.includes('name="orders"');
    });
  });

  it("exports an object of a CRD serving two versions once, under the preferred version", async () => {
    await applyCrd(
      kc,
      testCrd({ group: "two.example.com", kind: "Widget", versions: ["v1beta1", "v1"], storage: "v1beta1" }),
    );
    const api = kc.makeApiClient(CustomObjectsApi);
    await api.createNamespacedCustomObject({
      group: "two.example.com",
      version: "v1beta1",
      plural: "widgets",
      namespace: "default",
      body: { apiVersion: "two.example.com/v1beta1", kind: "Widget", metadata: { name: "w1" } },
    });
    const parsed = await eventually("the widget exported", async () => {
      const p = (await scrape(exporter.port)).parsed;
      return find(p, "cr_info", { kind: "Widget", name: "w1" }).length > 0 ? p : undefined;
    });
    const infos = find(parsed, "cr_info", { kind: "Widget", name: "w1" });
    assert.equal(infos.length, 1, "exported once, not once per version");
    assert.equal(infos[0]?.labels.version, "v1");
  });

  it("stops a deleted CRD's loop and removes its series", async () => {
    await applyCrd(kc, testCrd({ group: "gone.example.com", kind: "Widget" }));
    await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: "gone.example.com",
      version: "v1",
      plural: "widgets",
      namespace: "default",
      body: { apiVersion: "gone.example.com/v1", kind: "Widget", metadata: { name: "w2" } },
    });
    await eventually("widget w2 exported", async () =>
      (await scrape(exporter.port)).body.includes('group="gone.example.com"'),
    );
    await deleteCrd(kc, "widgets.gone.example.com");
    await eventually(
      "series of the deleted CRD gone",
      async () => !(await scrape(exporter.port)).body.includes('group="gone.example.com"'),
    );
    const self = await scrape(exporter.telemetryPort);
    assert.equal(find(self.parsed, "cr_exporter_kind_synced", { group: "gone.example.com" }).length, 0);
  });

  it("removes objects deleted while it was cut off from the API server", async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    for (const name of ["keep", "drop"])
      await api.createNamespacedCustomObject({ ...MQ, namespace: "shop", body: queue(name, "shop") });
    await eventually("both queues exported", async () => {
      const body = (await scrape(exporter.port)).body;
      return body.includes('name="keep"') && body.includes('name="drop"');
    });
    proxy.setMode("refuse");
    await api.deleteNamespacedCustomObject({ ...MQ, namespace: "shop", name: "drop" });
    await new Promise((r) => setTimeout(r, 1500)); // let the exporter notice it is cut off
    assert.ok(
      (await scrape(exporter.port)).body.includes('name="drop"'),
      "nothing can reach it while cut off",
    );
    proxy.setMode("forward");
    await eventually("deleted queue vanishes after reconnecting", async () => {
      const body = (await scrape(exporter.port)).body;
      return !body.includes('name="drop"') && body.includes('name="keep"');
    });
  });

  it("reports a forbidden kind and keeps serving the others", async () => {
    // Uses the MessageQueues and the two.example.com Widget CRD created by the tests above.
    // A user who may read CRDs and MessageQueues, but not the Widgets of two.example.com.
    const limited = await cluster.mintUserKubeconfig("limited-exporter", [
      {
        apiGroups: ["apiextensions.k8s.io"],
        resources: ["customresourcedefinitions"],
        verbs: ["get", "list", "watch"],
      },
      { apiGroups: ["queue.example.com"], resources: ["messagequeues"], verbs: ["get", "list", "watch"] },
    ]);
    const second = await startTestExporter(limited, ["--backoff-max", "1"]);
    try {
      await eventually("MessageQueues exported by the limited exporter", async () =>
        (await scrape(second.port)).body.includes('kind="MessageQueue"'),
      );
      const self = await eventually("Widget reported forbidden", async () => {
        const p = (await scrape(second.telemetryPort)).parsed;
        return find(p, "cr_exporter_kind_forbidden", { group: "two.example.com", kind: "Widget" })[0]
          ?.value === 1
          ? p
          : undefined;
      });
      assert.equal(
        sampleValue(self, "cr_exporter_kind_forbidden", { group: "queue.example.com", kind: "MessageQueue" }),
        0,
      );
      assert.equal(
        sampleValue(self, "cr_exporter_kind_synced", { group: "queue.example.com", kind: "MessageQueue" }),
        1,
      );
      const readyz = await fetch(`http://127.0.0.1:${second.port}/readyz?verbose`);
      const text = await readyz.text();
      assert.equal(readyz.status, 200, "a forbidden kind does not make the exporter unready");
      assert.match(text, /\[-\]widgets\.two\.example\.com forbidden/);
      assert.match(text, /\[\+\]messagequeues\.queue\.example\.com synced/);
      assert.ok(
        second.logs.some(
          (l) =>
            l.msg?.toString().startsWith("forbidden to list/watch") && l.kind === "widgets.two.example.com",
        ),
      );
    } finally {
      await second.stop();
    }
  });

  it("reports a CRD that is never Established (kind conflict) without holding readiness back", async () => {
    const api = kc.makeApiClient(ApiextensionsV1Api);
    await applyCrd(kc, testCrd({ group: "conflict.example.com", kind: "Widget" }));
    // A second CRD of the group claiming the same kind: NamesAccepted=False, never Established.
    const clash = testCrd({ group: "conflict.example.com", kind: "Widget" }) as {
      metadata: { name: string };
      spec: { names: { plural: string; singular: string } };
    };
    clash.metadata.name = "gadgets.conflict.example.com";
    clash.spec.names.plural = "gadgets";
    clash.spec.names.singular = "gadget";
    await api.createCustomResourceDefinition({ body: loadYaml(JSON.stringify(clash)) });
    await eventually("the API server refuses the clashing names", async () => {
      const got = await api.readCustomResourceDefinition({ name: "gadgets.conflict.example.com" });
      return got.status?.conditions?.some((c) => c.type === "NamesAccepted" && c.status === "False");
    });
    const labels = { crd: "gadgets.conflict.example.com", group: "conflict.example.com", kind: "Widget" };
    await eventually(
      "the CRD reported",
      async () =>
        find((await scrape(exporter.telemetryPort)).parsed, "cr_exporter_crd_not_established", labels)[0]
          ?.value === 1,
    );
    // Ready once the other kinds listed (widgets.conflict has just started): the clash is not
    // waited for (before the fix, /readyz stayed 503 for as long as the CRD existed).
    const text = await eventually(
      "ready with the clashing CRD reported",
      async () => {
        const readyz = await fetch(`http://127.0.0.1:${exporter.port}/readyz?verbose`);
        return readyz.status === 200 ? readyz.text() : undefined;
      },
      15_000,
    );
    assert.match(text, /\[-\]gadgets\.conflict\.example\.com not_established: NamesAccepted=False/);
    assert.match(text, /\[\+\]widgets\.conflict\.example\.com synced/);
    assert.ok(
      exporter.logs.some(
        (l) =>
          l.msg === "CRD not established: its objects are not read" &&
          l.crd === "gadgets.conflict.example.com" &&
          String(l.reason).startsWith("NamesAccepted=False"),
      ),
      "a warning names the CRD and the reason",
    );
    await deleteCrd(kc, "gadgets.conflict.example.com");
    await eventually(
      "the report ends with the CRD",
      async () =>
        find((await scrape(exporter.telemetryPort)).parsed, "cr_exporter_crd_not_established", labels)
          .length === 0,
    );
    assert.doesNotMatch(
      await (await fetch(`http://127.0.0.1:${exporter.port}/readyz?verbose`)).text(),
      /gadgets\.conflict/,
    );
  });

  it("answers HEAD /metrics with headers only, and reports the size of the last body", async () => {
    const head = await fetch(`http://127.0.0.1:${exporter.port}/metrics`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.match(head.headers.get("content-type") ?? "", /^text\/plain/);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    const body = Buffer.from(
      await (
        await fetch(`http://127.0.0.1:${exporter.port}/metrics`, { headers: { accept: "text/plain" } })
      ).arrayBuffer(),
    );
    const telemetry = await (await fetch(`http://127.0.0.1:${exporter.telemetryPort}/metrics`)).text();
    const size = /^cr_exporter_scrape_size_bytes\{format="text"\} (\d+)$/m.exec(telemetry)?.[1];
    assert.equal(Number(size), body.length);
  });

  it("serves valid, duplicate-free exposition in both formats, gzipped or not", async () => {
    for (const openmetrics of [false, true]) {
      for (const gzip of [false, true]) {
        const result = await scrape(exporter.port, { openmetrics, gzip }); // parse throws on any invalid line
        assert.equal(result.status, 200);
        assert.equal(
          result.contentType,
          openmetrics
            ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
            : "text/plain; version=0.0.4; charset=utf-8",
        );
        assert.ok(result.parsed.samples.length > 0);
        if (!openmetrics) {
          const promtool = promtoolParses(result.body);
          assert.ok(promtool.ok, `promtool rejected the body:\n${promtool.output}`);
        }
      }
    }
  });
});
