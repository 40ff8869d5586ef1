// The soak workload, shared by `npm run bench -- soak` (minutes) and its short test version:
// against a real API server, create, update and delete objects continuously, then check the
// exporter came back to its baseline (objects, series, handles, timers, RSS).

import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { find, type ParsedExposition } from "../test/helpers/exposition.ts";
import { scrape } from "../test/helpers/scrape.ts";

const API = { group: "queue.example.com", version: "v1", plural: "messagequeues", namespace: "default" };

export interface Resources {
  readonly rssBytes: number;
  readonly heapBytes: number;
  readonly handles: number;
  readonly resources: number;
  readonly objects: number;
  readonly series: number;
}

function total(p: ParsedExposition, name: string): number {
  return find(p, name).reduce((sum, s) => sum + s.value, 0);
}

export async function sampleResources(telemetryPort: number): Promise<Resources> {
  const p = (await scrape(telemetryPort)).parsed;
  return {
    rssBytes: total(p, "process_resident_memory_bytes"),
    heapBytes: total(p, "nodejs_heap_size_used_bytes"),
    handles: total(p, "nodejs_active_handles_total"),
    resources: total(p, "nodejs_active_resources_total"),
    objects: total(p, "cr_exporter_objects"),
    series: total(p, "cr_exporter_series"),
  };
}

/**
 * Churn for `seconds`: each round creates `batch` queues, patches each one's status twice,
 * and deletes them. Returns how many API writes were made. Bounded in time and count.
 */
export async function churn(
  kc: KubeConfig,
  seconds: number,
  batch = 20,
): Promise<{ rounds: number; writes: number }> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + seconds * 1000;
  let rounds = 0;
  let writes = 0;
  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  while (Date.now() < deadline && rounds < 100_000) {
    const names = Array.from({ length: batch }, (_, i) => `soak-${rounds}-${i}`);
    await Promise.all(
      names.map((name) =>
        objects.createNamespacedCustomObject({
          ...API,
          body: {
            apiVersion: "queue.example.com/v1",
            kind: "MessageQueue",
            metadata: { name },
            spec: { replicas: 2, storageSize: "1Gi" },
          },
        }),
      ),
    );
    for (const phase of ["Provisioning", "Ready"]) {
      await Promise.all(
        names.map((name) =>
          objects.patchNamespacedCustomObjectStatus(
            {
              ...API,
              name,
              body: {
                status: {
                  phase,
                  readyReplicas: phase === "Ready" ? 2 : 0,
                  conditions: [
                    {
                      type: "Ready",
                      status: phase === "Ready" ? "True" : "False",
                      reason: phase,
                      lastTransitionTime: new Date().toISOString(),
                    },
                  ],
                },
              },
            },
            merge,
          ),
        ),
      );
    }
    await Promise.all(names.map((name) => objects.deleteNamespacedCustomObject({ ...API, name })));
    rounds++;
    writes += batch * 4;
  }
  return { rounds, writes };
}
