// The test harness itself, and the client library on it: a CRD and a custom resource created
// through @kubernetes/client-node on a real API server, watched, status-updated, deleted.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from "@kubernetes/client-node";
import { type Cluster, freePorts, startCluster } from "../cluster/cluster.ts";
import { applyCrd, patchStatus } from "../helpers/kube.ts";
import { eventually } from "../helpers/wait.ts";

const MQ = { group: "queue.example.com", version: "v1", plural: "messagequeues" };

describe("test cluster", { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let kc: KubeConfig;

  before(async () => {
    cluster = await startCluster();
    kc = cluster.kubeConfig();
  });

  after(async () => {
    const pids = cluster?.pids();
    await cluster?.stop();
    for (const pid of Object.values(pids ?? {})) {
      if (pid !== undefined) assert.throws(() => process.kill(pid, 0), "process stopped");
    }
  });

  it("hands out distinct free ports (etcd and the API server once got the same one)", async () => {
    const ports = await freePorts(200);
    assert.equal(new Set(ports).size, 200);
    assert.ok(ports.every((p) => p > 0 && p < 65_536));
  });

  it("creates a CRD and a CR, watches it, sees a status update, deletes it", async () => {
    await applyCrd(
      kc,
      readFileSync(new URL("../../examples/messagequeue-crd.yaml", import.meta.url), "utf8"),
    );
    const crd = await kc
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: "messagequeues.queue.example.com" });
    const phase = crd.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.status?.properties?.phase;
    assert.deepEqual(
      phase?._enum,
      ["Provisioning", "Ready", "Degraded", "Failed"],
      "the schema arrived whole",
    );

    const objects = kc.makeApiClient(CustomObjectsApi);
    const created = (await objects.createNamespacedCustomObject({
      ...MQ,
      namespace: "default",
      body: {
        apiVersion: "queue.example.com/v1",
        kind: "MessageQueue",
        metadata: { name: "q1" },
        spec: { replicas: 3, storageSize: "1Gi" },
      },
    })) as { metadata: { resourceVersion: string; uid: string } };
    assert.ok(created.metadata.uid);

    const events: Array<{ type: string; obj: { status?: { readyReplicas?: number } } }> = [];
    const controller = await new Watch(kc).watch(
      "/apis/queue.example.com/v1/namespaces/default/messagequeues",
      { resourceVersion: created.metadata.resourceVersion, allowWatchBookmarks: true },
      (type, obj) => events.push({ type, obj }),
      () => {},
    );
    try {
      await patchStatus(
        objects,
        { ...MQ, namespace: "default", name: "q1" },
        { readyReplicas: 2, phase: "Degraded" },
      );
      await eventually("MODIFIED with the new status", () =>
        events.some((e) => e.type === "MODIFIED" && e.obj.status?.readyReplicas === 2),
      );
      await objects.deleteNamespacedCustomObject({ ...MQ, namespace: "default", name: "q1" });
      await eventually("DELETED", () => events.some((e) => e.type === "DELETED"));
    } finally {
      controller.abort();
    }
  });

  it("mints a user who may list one resource and is forbidden another", async () => {
    const path = await cluster.mintUserKubeconfig("reader", [
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] },
    ]);
    const user = new KubeConfig();
    user.loadFromFile(path);
    const core = user.makeApiClient(CoreV1Api);
    const list = await core.listNamespacedConfigMap({ namespace: "default" });
    assert.ok(Array.isArray(list.items));
    await assert.rejects(
      core.listNamespacedSecret({ namespace: "default" }),
      (err: { code?: number }) => err.code === 403,
    );
  });
});
