// kube-state-metrics v2.20.0 and cr-exporter --mode ksm side by side on one real API server,
// each given the same CustomResourceStateMetrics file (test/fixtures/ksm/configs/*): the
// series of the configured families must be identical (names, labels, values), and so must
// each family's TYPE (text and OpenMetrics) and HELP. One cluster for the whole file; one
// kube-state-metrics and one cr-exporter per config, stopped by pid.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { parse, parseAllDocuments } from "yaml";
import { type Cluster, freePorts, startCluster } from "../cluster/cluster.ts";
import { type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { find, type ParsedExposition, sampleValue } from "../helpers/exposition.ts";
import { applyCrd, patchStatus, testCrd } from "../helpers/kube.ts";
import { kubeStateMetricsCommand } from "../helpers/kube-state-metrics.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

const FIXTURES = new URL("../fixtures/ksm/", import.meta.url);
const CONFIGS = new URL("configs/", FIXTURES);

type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { group?: string; names?: { kind: string; plural: string } };
};

const docs = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(new URL(file, FIXTURES), "utf8")).map((d) => d.toJS() as Doc);

async function applyFixtures(kc: KubeConfig): Promise<number> {
  const crds = docs("crds.yaml");
  for (const crd of crds) await applyCrd(kc, crd);
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of ["shop", "platform"]) await core.createNamespace({ body: { metadata: { name } } });
  const api = kc.makeApiClient(CustomObjectsApi);
  const objects = docs("objects.yaml");
  for (const obj of objects) {
    const [group = "", version = ""] = obj.apiVersion.split("/");
    const crd = crds.find((c) => c.spec?.group === group && c.spec.names?.kind === obj.kind)!;
    const plural = crd.spec!.names!.plural;
    // No status subresource on these CRDs: the status is stored with the object.
    if (obj.metadata.namespace) {
      await api.createNamespacedCustomObject({
        group,
        version,
        plural,
        namespace: obj.metadata.namespace,
        body: obj,
      });
    } else await api.createClusterCustomObject({ group, version, plural, body: obj });
  }
  return objects.length;
}

interface Ksm {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** kube-state-metrics serving only the Custom Resource State metrics of `configFile`. */
async function startKsm(kubeconfig: string, configFile: string): Promise<Ksm> {
  const [port, telemetryPort] = (await freePorts(2)) as [number, number];
  const ksm = kubeStateMetricsCommand({ kubeconfig, configFile, port, telemetryPort });
  const proc: ChildProcess = spawn(ksm.command, ksm.args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr?.on("data", (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await eventually("kube-state-metrics serving", async () => {
      if (proc.exitCode !== null) throw new Error(`kube-state-metrics exited ${proc.exitCode}:\n${log}`);
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: proc.pid!, stop };
}

/** The family names a config defines under `metrics` (the compatibility path), as ksm names them. */
function familiesOf(configFile: string): Set<string> {
  const config = parse(readFileSync(configFile, "utf8")) as {
    spec: { resources: Array<{ metricNamePrefix?: string | null; metrics?: Array<{ name: string }> }> };
  };
  const names = new Set<string>();
  for (const r of config.spec.resources) {
    const prefix = r.metricNamePrefix ?? "kube_customresource";
    for (const m of r.metrics ?? []) names.add(prefix === "" ? m.name : `${prefix}_${m.name}`);
  }
  return names;
}

/** Sorted `name{labels} value` lines of the given families: what "identical" compares. */
function series(parsed: ParsedExposition, families: Set<string>): string[] {
  return parsed.samples
    .filter((s) => families.has(s.name))
    .map((s) => {
      const labels = Object.keys(s.labels)
        .sort()
        .map((k) => `${k}=${JSON.stringify(s.labels[k])}`);
      return `${s.name}{${labels.join(",")}} ${s.value}`;
    })
    .sort();
}

/** TYPE and HELP of every family that has samples. */
function headers(parsed: ParsedExposition, families: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of new Set(parsed.samples.map((s) => s.name))) {
    if (families.has(name)) out[name] = `${parsed.types.get(name)} | ${parsed.helps.get(name)}`;
  }
  return out;
}

interface SideBySide {
  readonly ours: ParsedExposition;
  readonly ksm: ParsedExposition;
  readonly exporter: RunningExporter;
}

describe("kube-state-metrics v2.20 CustomResourceStateMetrics compatibility", { timeout: 600_000 }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster();
    await applyFixtures(cluster.kubeConfig());
  });

  after(async () => {
    await cluster?.stop();
  });

  /** kube-state-metrics and cr-exporter's ksm mode, started together on the same config file. */
  async function pair(configFile: string): Promise<{ ksm: Ksm; exporter: RunningExporter }> {
    const [ksm, exporter] = await Promise.all([
      startKsm(cluster.kubeconfigPath, configFile),
      startTestExporter(cluster.kubeconfigPath, [
        "--mode",
        "ksm",
        "--custom-resource-state-config-file",
        configFile,
      ]),
    ]);
    return { ksm, exporter };
  }

  /**
   * Run both exporters on `config`, wait until their series agree (kube-state-metrics
   * discovers CRDs on a 3 s tick), assert they are identical with identical headers, then hand
   * the results to `inspect` before stopping both.
   */
  async function sideBySide(
    t: TestContext,
    config: string,
    inspect: (r: SideBySide) => Promise<void> | void,
  ): Promise<void> {
    const file = new URL(config, CONFIGS).pathname;
    const families = familiesOf(file);
    const { ksm, exporter } = await pair(file);
    try {
      let last: { ours: ParsedExposition; ksm: ParsedExposition } | undefined;
      const same = () =>
        JSON.stringify(series(last!.ours, families)) === JSON.stringify(series(last!.ksm, families));
      await eventually(
        `${config}: both exporters serve the same series`,
        async () => {
          const [a, b] = await Promise.all([scrape(exporter.port), scrape(ksm.port)]);
          last = { ours: a.parsed, ksm: b.parsed };
          return series(a.parsed, families).length > 0 && same();
        },
        45_000,
        500,
      ).catch(() => undefined); // the assertions below show the difference
      assert.ok(last, "both exporters answered");
      const compared = series(last.ksm, families);
      assert.deepEqual(series(last.ours, families), compared);
      t.diagnostic(
        `${compared.length} series of ${Object.keys(headers(last.ksm, families)).length} families identical`,
      );
      assert.deepEqual(headers(last.ours, families), headers(last.ksm, families));
      const [omOurs, omKsm] = await Promise.all([
        scrape(exporter.port, { openmetrics: true }),
        scrape(ksm.port, { openmetrics: true }),
      ]);
      assert.match(omKsm.contentType, /openmetrics/);
      assert.deepEqual(headers(omOurs.parsed, families), headers(omKsm.parsed, families));
      await inspect({ ours: last.ours, ksm: last.ksm, exporter });
    } finally {
      await Promise.all([ksm.stop(), exporter.stop()]);
    }
  }

  const v = (parsed: ParsedExposition, name: string, labels: Record<string, string>) =>
    sampleValue(parsed, `kube_customresource_${name}`, labels);
  const count = (parsed: ParsedExposition, name: string, labels: Record<string, string> = {}) =>
    find(parsed, name, labels).length;
  const ts = (iso: string) => Date.parse(iso) / 1000;
  const orders = { name: "orders-db", namespace: "shop" };
  const payments = { name: "payments-db", namespace: "shop" };
  const analytics = { name: "analytics-db", namespace: "platform" };

  it("covers every config in test/fixtures/ksm/configs", () => {
    const files = readdirSync(CONFIGS).filter((f) => f.endsWith(".yaml"));
    assert.equal(files.length, 9);
  });

  it("01 conditions: [type=Ready], every condition, a lastTransitionTime, a StateSet", async (t) => {
    await sideBySide(t, "01-conditions.yaml", ({ ksm }) => {
      const gvk = { customresource_group: "db.example.com", customresource_version: "v1" };
      assert.equal(
        v(ksm, "databasecluster_ready", { ...orders, ...gvk, customresource_kind: "DatabaseCluster" }),
        1,
      );
      assert.equal(v(ksm, "databasecluster_ready", payments), 0);
      assert.equal(
        v(ksm, "databasecluster_condition", { ...payments, condition: "Progressing", reason: "Recovering" }),
        1,
      );
      assert.equal(
        v(ksm, "databasecluster_ready_transition_timestamp_seconds", orders),
        ts("2026-11-20T08:15:00Z"),
      );
      assert.equal(
        v(ksm, "databasecluster_condition_status", {
          ...payments,
          condition: "BackupHealthy",
          status: "Unknown",
        }),
        1,
      );
      assert.equal(count(ksm, "kube_customresource_databasecluster_condition_status", payments), 9);
      assert.equal(ksm.types.get("kube_customresource_databasecluster_condition_status"), "gauge");
      for (const family of ["ready", "condition", "condition_status"]) {
        assert.equal(count(ksm, `kube_customresource_databasecluster_${family}`, analytics), 0);
      }
    });
  });

  it("02 label maps and precedence: *, prefix_*, commonLabels, metric and each levels", async (t) => {
    await sideBySide(t, "02-label-maps.yaml", ({ ksm }) => {
      assert.equal(
        v(ksm, "databasecluster_labels", {
          ...orders,
          app_kubernetes_io_name: "postgres",
          team: "checkout",
          tier: "gold",
          annotation_owner: "alice@example.com",
          annotation_cost_center: "4711",
          source: "resource",
          engine: "postgres",
        }),
        1,
      );
      assert.equal(v(ksm, "databasecluster_labels", { ...payments, tier: "unset" }), 1);
      assert.equal(
        v(ksm, "databasecluster_member_lag_bytes", {
          ...payments,
          member: "payments-db-1",
          role: "replica",
          team: "bob@example.com",
          source: "metric",
        }),
        734003200,
      );
      assert.equal(
        v(ksm, "messagequeue_consumer_lag", {
          queue: "orders-queue",
          consumer: "shipping",
          label_team: "checkout",
        }),
        250,
      );
    });
  });

  it("03 StateSets: phases of three kinds, nothing before the first status", async (t) => {
    await sideBySide(t, "03-statesets.yaml", ({ ksm }) => {
      assert.equal(v(ksm, "databasecluster_phase", { ...payments, phase: "Degraded" }), 1);
      assert.equal(v(ksm, "databasecluster_phase", { ...payments, phase: "Running" }), 0);
      assert.equal(count(ksm, "kube_customresource_databasecluster_phase", analytics), 0);
      assert.equal(
        v(ksm, "databasebackup_phase", {
          backup: "payments-db-20261125",
          cluster: "payments-db",
          phase: "Running",
        }),
        1,
      );
      assert.equal(v(ksm, "messagequeue_phase", { name: "events-queue", phase: "Degraded" }), 1);
      assert.equal(ksm.types.get("kube_customresource_messagequeue_phase"), "gauge");
    });
  });

  it("04 Info: labelFromKey over a map, lists of strings and objects, the whole object", async (t) => {
    await sideBySide(t, "04-info.yaml", ({ ksm }) => {
      assert.equal(
        v(ksm, "databasecluster_endpoint_info", {
          ...orders,
          endpoint: "primary",
          host: "orders-db-rw.shop.svc",
        }),
        1,
      );
      // The map itself is one more series; its `[]` label is the map as Go's %v prints it.
      assert.equal(
        v(ksm, "databasecluster_endpoint_info", {
          ...orders,
          host: "map[primary:orders-db-rw.shop.svc replicas:orders-db-ro.shop.svc]",
        }),
        1,
      );
      assert.equal(count(ksm, "kube_customresource_databasecluster_extension_info", orders), 2);
      assert.equal(count(ksm, "kube_customresource_databasecluster_extension_info", analytics), 0);
      assert.equal(
        v(ksm, "databasecluster_info", { ...analytics, engine: "clickhouse", version: "24.8" }),
        1,
      );
      assert.equal(
        v(ksm, "gateway_listener_info", { gateway: "public-gw", listener: "https", tls_mode: "Terminate" }),
        1,
      );
    });
  });

  it("05 values: quantities, percentages, timestamps, booleans, floats, nilIsZero, index -1", async (t) => {
    await sideBySide(t, "05-values.yaml", ({ ksm }) => {
      assert.equal(v(ksm, "databasecluster_storage_bytes", orders), 100 * 2 ** 30);
      assert.equal(v(ksm, "databasecluster_storage_bytes", analytics), 2 ** 40);
      assert.equal(v(ksm, "databasecluster_cpu_cores", orders), 0.5);
      assert.equal(v(ksm, "databasecluster_memory_bytes", payments), 8 * 2 ** 30);
      assert.equal(v(ksm, "databasecluster_storage_usage_ratio", payments), 0.91);
      assert.equal(
        v(ksm, "databasecluster_last_backup_timestamp_seconds", orders),
        ts("2026-11-24T03:00:12Z"),
      );
      assert.equal(v(ksm, "databasecluster_paused", payments), 1);
      assert.equal(v(ksm, "databasecluster_paused", analytics), 0);
      assert.equal(v(ksm, "databasecluster_ready_replicas", analytics), 0);
      assert.equal(v(ksm, "databasecluster_replication_lag_seconds", payments), 12.75);
      assert.equal(
        v(ksm, "databasecluster_last_condition_timestamp_seconds", orders),
        ts("2026-11-24T03:00:12Z"),
      );
      assert.equal(
        count(ksm, "kube_customresource_databasecluster_last_backup_timestamp_seconds", analytics),
        0,
      );
      assert.equal(v(ksm, "databasebackup_size_bytes", { backup: "orders-db-20261124" }), 1536 * 2 ** 20);
      assert.equal(v(ksm, "databasebackup_size_bytes", { backup: "payments-db-20261125" }), 0);
      assert.equal(v(ksm, "databasebackup_progress_ratio", { backup: "payments-db-20261125" }), 0.42);
      assert.equal(count(ksm, "kube_customresource_databasebackup_completion_timestamp_seconds"), 1);
    });
  });

  it("06 maps and lookups: labelFromKey, direct valueFrom, [port=443], k=v, index -1", async (t) => {
    await sideBySide(t, "06-maps-and-lookups.yaml", ({ ksm }) => {
      assert.equal(v(ksm, "databasecluster_member_healthy", { member: "payments-db-1", role: "replica" }), 0);
      assert.equal(v(ksm, "databasecluster_member_healthy", { member: "orders-db-0", role: "primary" }), 1);
      assert.equal(v(ksm, "messagequeue_ready_replicas", { name: "orders-queue" }), 3);
      assert.equal(v(ksm, "gateway_attached_routes", { gateway: "public-gw", listener: "https" }), 5);
      assert.equal(v(ksm, "gateway_https_port", { gateway: "public-gw", protocol: "HTTPS" }), 443);
      assert.equal(count(ksm, "kube_customresource_gateway_https_port", { gateway: "internal-gw" }), 0);
      assert.equal(v(ksm, "gateway_last_listener_port", { gateway: "internal-gw" }), 9090);
      assert.equal(v(ksm, "gateway_programmed", { gateway: "internal-gw" }), 0);
    });
  });

  it("07 wildcards: version and kind *, resourcePlural", async (t) => {
    await sideBySide(t, "07-wildcards.yaml", ({ ksm }) => {
      assert.equal(
        count(ksm, "kube_customresource_db_object_info", { customresource_kind: "DatabaseCluster" }),
        3,
      );
      assert.equal(
        count(ksm, "kube_customresource_db_object_info", { customresource_kind: "DatabaseBackup" }),
        2,
      );
      assert.equal(
        v(ksm, "queue_spec_partitions", { name: "events-queue", customresource_version: "v1beta1" }),
        48,
      );
      assert.equal(
        v(ksm, "net_listeners", { name: "public-gw", listener: "http", customresource_kind: "Gateway" }),
        80,
      );
    });
  });

  it("08 metricNamePrefix empty, custom and unset; commonLabels", async (t) => {
    await sideBySide(t, "08-prefixes.yaml", ({ ksm }) => {
      assert.equal(
        sampleValue(ksm, "dbcluster_spec_replicas", { ...orders, exporter: "crs", unit: "members" }),
        3,
      );
      assert.equal(sampleValue(ksm, "myteam_queue_spec_replicas", { name: "events-queue" }), 2);
      assert.equal(count(ksm, "kube_customresource_gateway_addresses", { name: "public-gw" }), 2);
    });
  });

  it("09 a missing path and an unparsable value: no series, counted errors, the rest served; extensions", async (t) => {
    await sideBySide(t, "09-missing-and-extensions.yaml", async ({ ours, ksm, exporter }) => {
      assert.equal(count(ksm, "kube_customresource_databasecluster_uptime_seconds"), 0);
      assert.equal(count(ksm, "kube_customresource_databasecluster_backup_retention"), 0);
      assert.equal(count(ours, "kube_customresource_databasecluster_spec_replicas"), 3);
      const telemetry = await scrape(exporter.telemetryPort);
      const errors = (reason: string) =>
        sampleValue(telemetry.parsed, "cr_exporter_value_errors_total", {
          group: "db.example.com",
          kind: "DatabaseCluster",
          reason,
        });
      assert.ok(errors("missing_path") >= 3, "one missing path per DatabaseCluster");
      assert.ok(errors("unparsable_value") >= 3, "one unparsable retention per DatabaseCluster");
      const logged = exporter.logs.filter((l) => String(l.msg).includes("[status,uptimeSeconds]"));
      assert.ok(logged.length >= 1, "the missing path is logged, naming kind, metric and path");
      assert.match(
        String(logged[0]!.msg),
        /DatabaseCluster kube_customresource_databasecluster_uptime_seconds/,
      );
      // Extensions: cr-exporter only (kube-state-metrics ignores crExporterMetrics).
      assert.equal(
        sampleValue(ours, "kube_customresource_databasecluster_backup_retention_seconds", orders),
        720 * 3600,
      );
      assert.equal(
        sampleValue(ours, "kube_customresource_databasecluster_phase_transitions_total", {
          ...payments,
          phase: "Degraded",
        }),
        0,
      );
      assert.equal(ours.types.get("kube_customresource_databasecluster_phase_transitions_total"), "counter");
      assert.equal(count(ksm, "kube_customresource_databasecluster_backup_retention_seconds"), 0);
    });
  });

  // Issue 17: a config resource that names a version is read at that version while the API server
  // serves it, preferred or not; a wildcard version follows the preferred one; a resource that
  // matches nothing served is reported. Each test has its own CRD, whose versions it changes.
  describe("CRD versions under a config", () => {
    const GROUP = "versions.example.com";
    type Version = { name: string; served: boolean; storage: boolean };

    /** A namespaced CRD of GROUP serving v1 only, with a status subresource. */
    async function versionedCrd(kind: string): Promise<string> {
      return applyCrd(
        cluster.kubeConfig(),
        testCrd({
          group: GROUP,
          kind,
          status: { type: "object", properties: { ready: { type: "integer" } } },
        }),
      );
    }

    /** Replace the CRD's versions (same schema for all), as an operator upgrade does. */
    async function setVersions(name: string, versions: Version[]): Promise<void> {
      const api = cluster.kubeConfig().makeApiClient(ApiextensionsV1Api);
      const crd = await api.readCustomResourceDefinition({ name });
      const template = crd.spec.versions[0]!;
      crd.spec.versions = versions.map((v) => ({ ...template, ...v }));
      await api.replaceCustomResourceDefinition({ name, body: crd });
    }

    /** A config reading `status.ready` of GROUP's `kind` at `version`. */
    function versionConfig(kind: string, version: string): string {
      const file = join(mkdtempSync(join(tmpdir(), "ksm-versions-")), "config.yaml");
      writeFileSync(
        file,
        [
          "kind: CustomResourceStateMetrics",
          "spec:",
          "  resources:",
          `    - groupVersionKind: { group: ${GROUP}, version: "${version}", kind: ${kind} }`,
          "      labelsFromPath: { name: [metadata, name], namespace: [metadata, namespace] }",
          "      metrics:",
          "        - { name: versioned_ready, help: Ready members., each: { type: Gauge, gauge: { path: [status, ready] } } }",
          "",
        ].join("\n"),
      );
      return file;
    }

    const FAMILY = new Set(["kube_customresource_versioned_ready"]);

    /** `name{labels} value` lines of the family, from each exporter. */
    async function both(p: {
      ksm: Ksm;
      exporter: RunningExporter;
    }): Promise<{ ours: string[]; ksm: string[] }> {
      const [a, b] = await Promise.all([scrape(p.exporter.port), scrape(p.ksm.port)]);
      return { ours: series(a.parsed, FAMILY), ksm: series(b.parsed, FAMILY) };
    }

    const line = (kind: string, version: string, value: number) =>
      `kube_customresource_versioned_ready{customresource_group="${GROUP}",customresource_kind="${kind}",customresource_version="${version}",name="a",namespace="default"} ${value}`;

    async function setReady(kind: string, version: string, ready: number): Promise<void> {
      const objects = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
      const ref = {
        group: GROUP,
        version,
        plural: `${kind.toLowerCase()}s`,
        namespace: "default",
        name: "a",
      };
      await patchStatus(objects, ref, { ready });
    }

    async function createObject(kind: string): Promise<void> {
      await cluster
        .kubeConfig()
        .makeApiClient(CustomObjectsApi)
        .createNamespacedCustomObject({
          group: GROUP,
          version: "v1",
          plural: `${kind.toLowerCase()}s`,
          namespace: "default",
          body: { apiVersion: `${GROUP}/v1`, kind, metadata: { name: "a" } },
        });
    }

    const unmatched = async (exporter: RunningExporter, labels: Record<string, string>) =>
      find((await scrape(exporter.telemetryPort)).parsed, "cr_exporter_config_resources_unmatched", labels)[0]
        ?.value;

    it("a pinned v1 keeps being read when v2 becomes preferred, and is reported once v1 is no longer served", async (t) => {
      const kind = "Pinned";
      const crd = await versionedCrd(kind);
      await createObject(kind);
      await setReady(kind, "v1", 1);
      const configFile = versionConfig(kind, "v1");
      const p = await pair(configFile);
      try {
        await eventually("both export the v1 series", async () => {
          const s = await both(p);
          return s.ours.join() === line(kind, "v1", 1) && s.ksm.join() === line(kind, "v1", 1);
        });
        assert.equal(await unmatched(p.exporter, { group: GROUP, version: "v1", kind }), 0);

        // v2 is added, served, stored and preferred; v1 stays served.
        await setVersions(crd, [
          { name: "v1", served: true, storage: false },
          { name: "v2", served: true, storage: true },
        ]);
        await setReady(kind, "v2", 4);
        const after = await eventually(
          "both show the later status change, still as v1",
          async () => {
            const s = await both(p);
            return s.ours.join() === line(kind, "v1", 4) && s.ksm.join() === line(kind, "v1", 4)
              ? s
              : undefined;
          },
          30_000,
          200,
        ).catch(async () => both(p));
        assert.deepEqual(after.ours, [line(kind, "v1", 4)]);
        assert.deepEqual(after.ksm, [line(kind, "v1", 4)]);
        assert.equal(await unmatched(p.exporter, { group: GROUP, version: "v1", kind }), 0);

        // Auto mode with the same config: the preferred v2 for auto, v1 for the config — two watches.
        const auto = await startTestExporter(cluster.kubeconfigPath, [
          "--custom-resource-state-config-file",
          configFile,
        ]);
        try {
          await eventually("both readings of the kind synced", async () => {
            const text = await (await fetch(`http://127.0.0.1:${auto.port}/readyz?verbose`)).text();
            return (
              /\[\+\]pinneds\.versions\.example\.com synced/.test(text) &&
              /\[\+\]pinneds\.versions\.example\.com\/v1 synced/.test(text)
            );
          });
          const parsed = (await scrape(auto.port)).parsed;
          assert.deepEqual(series(parsed, FAMILY), [line(kind, "v1", 4)], "the config's series at v1");
          assert.equal(find(parsed, "cr_info", { kind, name: "a" })[0]?.labels.version, "v2", "auto at v2");
          const started = auto.logs.filter(
            (l) => l.msg === "watch started" && String(l.kind).startsWith("pinneds.versions.example.com"),
          );
          assert.deepEqual(started.map((l) => l.version).sort(), ["v1", "v2"], "two list+watch loops");
          const telemetry = (await scrape(auto.telemetryPort)).parsed;
          assert.equal(
            sampleValue(telemetry, "cr_exporter_objects", { group: GROUP, kind }),
            1,
            "counted once",
          );
        } finally {
          await auto.stop();
        }

        // v1 is no longer served: neither exporter shows later changes; cr-exporter says why.
        await setVersions(crd, [
          { name: "v1", served: false, storage: false },
          { name: "v2", served: true, storage: true },
        ]);
        await eventually(
          "cr-exporter reports the unmatched resource",
          async () => (await unmatched(p.exporter, { group: GROUP, version: "v1", kind })) === 1,
        );
        await setReady(kind, "v2", 9);
        await eventually(
          "cr-exporter no longer exports the resource",
          async () => (await both(p)).ours.length === 0,
        );
        const verbose = await (await fetch(`http://127.0.0.1:${p.exporter.port}/readyz?verbose`)).text();
        assert.match(
          verbose,
          /\[-\]config resource versions\.example\.com\/v1, Kind=Pinned unmatched: version v1 is not served \(served: v2\)/,
        );
        assert.ok(
          p.exporter.logs.some(
            (l) => l.msg === "config resource matches nothing served: no series for it" && l.kind === kind,
          ),
          "a warning names the resource",
        );
        await new Promise((r) => setTimeout(r, 4000)); // kube-state-metrics' discovery ticks every 3 s
        const end = await both(p);
        t.diagnostic(`after v1 unserved: kube-state-metrics serves ${JSON.stringify(end.ksm)}`);
        assert.deepEqual(end.ksm, [], "kube-state-metrics stops exporting it too");
        assert.deepEqual(end.ours, []);
      } finally {
        await Promise.all([p.ksm.stop(), p.exporter.stop()]);
      }
    });

    it("a wildcard version follows the preferred version", async (t) => {
      const kind = "Wild";
      const crd = await versionedCrd(kind);
      await createObject(kind);
      await setReady(kind, "v1", 2);
      const p = await pair(versionConfig(kind, "*"));
      try {
        await eventually("both export the v1 series", async () => {
          const s = await both(p);
          return s.ours.join() === line(kind, "v1", 2) && s.ksm.join() === line(kind, "v1", 2);
        });
        await setVersions(crd, [
          { name: "v1", served: true, storage: false },
          { name: "v2", served: true, storage: true },
        ]);
        await setReady(kind, "v2", 3);
        await eventually("cr-exporter reads the new preferred version", async () => {
          const s = await both(p);
          return s.ours.join() === line(kind, "v2", 3);
        });
        assert.equal(await unmatched(p.exporter, { group: GROUP, version: "*", kind }), 0);
        // kube-state-metrics reads every served version (a documented difference): its v2 series
        // are cr-exporter's.
        const s = await eventually("kube-state-metrics reads v2 as well", async () => {
          const now = await both(p);
          return now.ksm.includes(line(kind, "v2", 3)) ? now : undefined;
        });
        t.diagnostic(`kube-state-metrics with version "*": ${JSON.stringify(s.ksm)}`);
        assert.deepEqual(
          s.ksm.filter((l) => l.includes('customresource_version="v2"')),
          s.ours,
        );
        assert.deepEqual(s.ours, [line(kind, "v2", 3)]);
      } finally {
        await Promise.all([p.ksm.stop(), p.exporter.stop()]);
      }
    });
  });

  it("reloads an edited config file; an invalid edit keeps the previous metrics", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "ksm-reload-")), "config.yaml");
    const config = (name: string, extra = "") =>
      [
        "kind: CustomResourceStateMetrics",
        "spec:",
        "  resources:",
        "    - groupVersionKind: { group: queue.example.com, version: v1beta1, kind: MessageQueue }",
        "      labelsFromPath: { name: [metadata, name] }",
        "      metrics:",
        `        - { name: ${name}, help: x, each: { type: Gauge, gauge: { path: [spec, replicas] } } }`,
        extra,
      ].join("\n");
    writeFileSync(file, config("queue_replicas"));
    const exporter = await startTestExporter(cluster.kubeconfigPath, [
      "--mode",
      "ksm",
      "--custom-resource-state-config-file",
      file,
    ]);
    try {
      const families = async () => new Set((await scrape(exporter.port)).parsed.samples.map((s) => s.name));
      const reloadOk = async () =>
        sampleValue(
          (await scrape(exporter.telemetryPort)).parsed,
          "cr_exporter_config_last_reload_successful",
        );
      await eventually("first config served", async () =>
        (await families()).has("kube_customresource_queue_replicas"),
      );
      writeFileSync(
        file,
        config("queue_replicas", "        - { name: broken, each: { type: StateSet, stateSet: {} } }"),
      );
      await eventually("invalid edit reported", async () => (await reloadOk()) === 0);
      assert.ok(
        (await families()).has("kube_customresource_queue_replicas"),
        "previous metrics still served",
      );
      assert.ok(
        exporter.logs.some((l) =>
          String(l.err).includes('metrics[1] "broken": each.stateSet.list: required'),
        ),
        "the reload error names the metric and field",
      );
      writeFileSync(file, config("queue_desired_replicas"));
      await eventually("new config served", async () => {
        const now = await families();
        return (
          now.has("kube_customresource_queue_desired_replicas") &&
          !now.has("kube_customresource_queue_replicas")
        );
      });
      assert.equal(await reloadOk(), 1);
    } finally {
      await exporter.stop();
    }
  });

  it("rejects an invalid config at start, naming resource index, metric and field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ksm-bad-"));
    const file = join(dir, "config.yaml");
    writeFileSync(
      file,
      [
        "kind: CustomResourceStateMetrics",
        "spec:",
        "  resources:",
        "    - groupVersionKind: { group: db.example.com, version: v1, kind: DatabaseCluster }",
        "      metrics:",
        "        - { name: replicas, help: x, each: { type: Gauge, gauge: { path: [spec, replicas] } } }",
        "    - groupVersionKind: { group: db.example.com, version: v1, kind: DatabaseBackup }",
        "      metrics:",
        "        - name: phase",
        "          help: x",
        "          each: { type: StateSet, stateSet: { path: [status, phase], labelName: phase } }",
        "",
      ].join("\n"),
    );
    await assert.rejects(
      startTestExporter(cluster.kubeconfigPath, [
        "--mode",
        "ksm",
        "--custom-resource-state-config-file",
        file,
      ]),
      (err: Error) => {
        // A bad config is a usage error: exit 2, as for any bad flag.
        assert.match(err.message, /exited with 2 before serving/);
        assert.match(
          err.message,
          /spec\.resources\[1\]\.metrics\[0\] \\?"phase\\?": each\.stateSet\.list: required/,
        );
        return true;
      },
    );
  });
});
