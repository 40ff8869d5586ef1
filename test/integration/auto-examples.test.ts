// The zero-config mapping end to end: the examples/ CRDs and CRs applied to a real API server
// (status written through the status subresource), scraped from the exporter, checked against
// the families docs/metrics.md documents for them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { applyExamples } from "../helpers/examples.ts";
import { type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { find, type ParsedExposition, sampleValue } from "../helpers/exposition.ts";
import { patchStatus } from "../helpers/kube.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

describe("auto mapping of the examples on a real API server", { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let exporter: RunningExporter;
  let parsed: ParsedExposition;
  const mq = { group: "queue.example.com", kind: "MessageQueue" };

  before(async () => {
    cluster = await startCluster();
    const count = await applyExamples(cluster.kubeConfig());
    exporter = await startTestExporter(cluster.kubeconfigPath, [
      "--metric-labels-allowlist",
      "messagequeues=[team]",
    ]);
    parsed = await eventually("every example exported with its status", async () => {
      const p = (await scrape(exporter.port)).parsed;
      const withStatus =
        find(p, "cr_status_condition").length > 0 &&
        find(p, "cr_status_phase", { name: "audit-log" }).length > 0;
      return find(p, "cr_info").length === count && withStatus && find(p, "cr_status_sync_status").length > 0
        ? p
        : undefined;
    });
  });

  after(async () => {
    await exporter?.stop();
    await cluster?.stop();
  });

  it("exports the seed's MessageQueue families", () => {
    const payments = { ...mq, namespace: "shop", name: "payments" };
    assert.equal(sampleValue(parsed, "cr_status_ready_replicas", payments), 1);
    assert.equal(sampleValue(parsed, "cr_spec_replicas", payments), 3);
    assert.equal(sampleValue(parsed, "cr_status_phase", { ...payments, phase: "Degraded" }), 1);
    for (const other of ["Provisioning", "Ready", "Failed"]) {
      assert.equal(
        sampleValue(parsed, "cr_status_phase", { ...payments, phase: other }),
        0,
        `enum value ${other} gives a 0 series`,
      );
    }
    assert.equal(
      sampleValue(parsed, "cr_status_condition", { ...payments, type: "Available", status: "False" }),
      1,
    );
    assert.equal(
      sampleValue(parsed, "cr_status_condition", { ...payments, type: "Available", status: "True" }),
      0,
    );
    assert.equal(
      sampleValue(parsed, "cr_status_condition_reason", {
        ...payments,
        type: "Available",
        reason: "ReplicasUnavailable",
      }),
      1,
    );
    assert.equal(
      sampleValue(parsed, "cr_status_condition_last_transition_timestamp_seconds", {
        ...payments,
        type: "Available",
      }),
      Date.parse("2026-11-24T22:15:00Z") / 1000,
    );
    assert.equal(
      sampleValue(parsed, "cr_health", { ...payments, state: "Failed" }),
      1,
      "phase Degraded and Ready=False with a failure reason: Failed, not InProgress",
    );
    assert.equal(find(parsed, "cr_health_reason", { ...payments, state: "Failed" }).length, 1);
    assert.equal(
      sampleValue(parsed, "cr_info", { ...payments, version: "v1" }),
      1,
      "the served version is a label of cr_info only",
    );
    assert.ok(!parsed.samples.some((s) => s.name !== "cr_info" && "version" in s.labels));
    assert.equal(sampleValue(parsed, "cr_labels", { ...payments, label_team: "payments" }), 1);
    assert.ok(
      !parsed.samples.some((s) => Object.values(s.labels).some((v) => v.includes("crash-looping"))),
      "messages never become labels",
    );
  });

  it("exports the certificate-like kind's timestamps, counters and failure", () => {
    const legacy = {
      group: "pki.example.com",
      kind: "Certificate",
      namespace: "platform",
      name: "legacy-api",
    };
    assert.equal(
      sampleValue(parsed, "cr_status_not_after_timestamp_seconds", legacy),
      Date.parse("2026-12-01T00:00:00Z") / 1000,
    );
    assert.equal(sampleValue(parsed, "cr_status_failed_issuance_attempts", legacy), 7);
    // lastTransitionTime with a +01:00 zone.
    assert.equal(
      sampleValue(parsed, "cr_status_condition_last_transition_timestamp_seconds", {
        ...legacy,
        type: "Ready",
      }),
      Date.parse("2026-11-20T07:30:00Z") / 1000,
    );
    const shop = { group: "pki.example.com", kind: "Certificate", namespace: "shop", name: "shop-tls" };
    assert.equal(
      sampleValue(parsed, "cr_status_renewal_timestamp_seconds", shop),
      Date.parse("2027-01-09T11:59:00.250Z") / 1000,
    );
    assert.equal(sampleValue(parsed, "cr_health", { ...shop, state: "Current" }), 1);
  });

  it("exports the GitOps-like kind's nested states, keyed lists, maps, quantities and kstatus health", () => {
    const app = (name: string, ns = "shop") => ({
      group: "gitops.example.com",
      kind: "Application",
      namespace: ns,
      name,
    });
    assert.equal(sampleValue(parsed, "cr_status_sync_status", { ...app("search"), status: "OutOfSync" }), 1);
    assert.equal(
      sampleValue(parsed, "cr_status_health_status", { ...app("storefront"), status: "Healthy" }),
      1,
    );
    assert.equal(
      sampleValue(parsed, "cr_status_resources_health", {
        ...app("storefront"),
        resources_kind: "Service",
        resources_name: "storefront",
        health: "Healthy",
      }),
      1,
    );
    assert.equal(sampleValue(parsed, "cr_status_resources_items", app("storefront")), 2);
    assert.equal(
      sampleValue(parsed, "cr_status_inventory", { ...app("storefront"), inventory_key: "apps" }),
      1,
    );
    assert.equal(sampleValue(parsed, "cr_status_resource_usage_memory", app("storefront")), 512 * 2 ** 20);
    assert.equal(sampleValue(parsed, "cr_status_resource_usage_cpu", app("storefront")), 0.25);
    assert.equal(sampleValue(parsed, "cr_status_resource_usage_cache_hit_ratio", app("storefront")), 0.975);
    assert.equal(
      sampleValue(parsed, "cr_health", { ...app("search"), state: "InProgress" }),
      1,
      "observedGeneration lags",
    );
    assert.equal(
      sampleValue(parsed, "cr_health", { ...app("billing", "platform"), state: "Failed" }),
      1,
      "Stalled=True",
    );
    // Exported once, under the preferred version v1, although v1beta1 is served too.
    assert.deepEqual(
      find(parsed, "cr_info", { kind: "Application", name: "storefront" }).map((s) => s.labels.version),
      ["v1"],
    );
  });

  it("counts a condition transition it observes, and only that", async () => {
    const objects = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
    const orders = { ...mq, namespace: "shop", name: "orders" };
    await patchStatus(
      objects,
      {
        group: "queue.example.com",
        version: "v1",
        plural: "messagequeues",
        namespace: "shop",
        name: "orders",
      },
      {
        phase: "Degraded",
        conditions: [
          { type: "Available", status: "False", reason: "Down", lastTransitionTime: "2026-11-25T09:00:00Z" },
        ],
      },
    );
    const after = await eventually("transition counted", async () => {
      const p = (await scrape(exporter.port)).parsed;
      return find(p, "cr_status_condition_transitions_total", {
        ...orders,
        type: "Available",
        status: "False",
      })[0]?.value === 1
        ? p
        : undefined;
    });
    assert.equal(
      sampleValue(after, "cr_status_condition_transitions_total", {
        ...orders,
        type: "Available",
        status: "True",
      }),
      0,
    );
    assert.equal(
      sampleValue(after, "cr_status_phase_transitions_total", { ...orders, phase: "Degraded" }),
      1,
    );
    assert.equal(
      sampleValue(after, "cr_status_condition_transitions_total", {
        ...mq,
        name: "payments",
        type: "Available",
        status: "False",
      }),
      0,
    );
  });
});
