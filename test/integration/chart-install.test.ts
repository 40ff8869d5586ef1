// The chart installed by the real helm into a real kube-apiserver that has the prometheus-operator
// CRDs (pinned v0.85.0, from its Go module), then the exporter run out of cluster with a token of
// the chart's ServiceAccount: it must work with exactly the chart's RBAC and be refused the rest.
// There is no kubelet or controller: pods never run, the API objects are what is under test.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Agent, fetch } from "undici";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import {
  chartWithFixtureAssets,
  exporterContainer,
  fixtureRuleGroups,
  helm,
  type K8sObject,
  only,
  parseManifests,
  ROOT,
} from "../helpers/chart.ts";
import { type RunningExporter, startProcess } from "../helpers/exporter.ts";
import { find } from "../helpers/exposition.ts";
import { applyCrd } from "../helpers/kube.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

const MAIN = join(ROOT, "src/main.ts");
const NS = "monitoring";
const GROUPS = ["pki.example.com", "queue.example.com"];
const CRDS_DIR = join(ROOT, ".tools/crds/prometheus-operator");

/** Raw API requests (typed clients would reshape CRDs and custom objects through their models). */
class Api {
  readonly server: string;
  readonly token: string | undefined;
  private readonly dispatcher: Agent;

  constructor(server: string, tls: { ca: Buffer; cert?: Buffer; key?: Buffer }, token?: string) {
    this.server = server;
    this.token = token;
    this.dispatcher = new Agent({ connect: tls });
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: K8sObject }> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(`${this.server}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.dispatcher,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as K8sObject };
  }

  async ok(method: string, path: string, body?: unknown): Promise<K8sObject> {
    const r = await this.request(method, path, body);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

/** Every field of `expected` is in `actual` with the same value (the API server may add defaults). */
function assertSubset(actual: unknown, expected: unknown, path = "spec"): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected a list, stored ${JSON.stringify(actual)}`);
    assert.equal(actual.length, expected.length, `${path}: list length`);
    expected.forEach((e, i) => {
      assertSubset(actual[i], e, `${path}[${i}]`);
    });
  } else if (expected !== null && typeof expected === "object") {
    assert.ok(actual !== null && typeof actual === "object", `${path}: expected an object`);
    for (const [k, v] of Object.entries(expected)) {
      assert.ok(k in (actual as object), `${path}.${k}: pruned by the API server (not in the CRD schema)`);
      assertSubset((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
  } else {
    assert.equal(actual, expected, path);
  }
}

describe("chart installed into a real API server", { timeout: 300_000 }, () => {
  let cluster: Cluster;
  let admin: Api;
  let fixture: { chart: string; cleanup: () => void };
  let tmp: string;
  const running: RunningExporter[] = [];
  const clients: Api[] = [];
  let allUids: Map<string, string>;

  function helmIn(args: string[]): string {
    const result = helm([...args, "--kubeconfig", cluster.kubeconfigPath]);
    assert.equal(result.status, 0, `helm ${args.join(" ")}:\n${result.stderr}`);
    return result.stdout;
  }

  function install(release: string, values: string[]): { notes: string; manifest: K8sObject[] } {
    const out = helmIn(["install", release, fixture.chart, "--namespace", NS, ...values]);
    assert.match(out, /STATUS: deployed/);
    const manifest = parseManifests(helmIn(["get", "manifest", release, "--namespace", NS]));
    return { notes: out.slice(out.indexOf("NOTES:")), manifest };
  }

  async function tokenFor(serviceAccount: string): Promise<Api> {
    const review = await admin.ok(
      "POST",
      `/api/v1/namespaces/${NS}/serviceaccounts/${serviceAccount}/token`,
      {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600 },
      },
    );
    const token = review.status.token as string;
    const api = new Api(cluster.server, { ca: readFileSync(join(cluster.dir, "pki/ca.crt")) }, token);
    clients.push(api);
    return api;
  }

  /** The exporter as the chart's pod would run it: its args, its config files, its token. */
  async function startAsChart(
    manifest: K8sObject[],
    api: Api,
    env: Record<string, string> = {},
  ): Promise<RunningExporter> {
    const dir = mkdtempSync(join(tmp, "pod-"));
    const configMap = manifest.find((o) => o.kind === "ConfigMap" && o.data?.["config.yaml"] !== undefined)!;
    for (const [name, text] of Object.entries(configMap.data as Record<string, string>))
      writeFileSync(join(dir, name), text);
    const args = (exporterContainer(manifest).args as string[]).map((a) =>
      a.replaceAll("/etc/cr-exporter", dir),
    );
    const exporter = await startProcess(
      process.execPath,
      [
        MAIN,
        ...args,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--telemetry-port",
        "0",
        "--kubeconfig",
        cluster.tokenKubeconfig(api.token!),
      ],
      { PATH: process.env.PATH, ...env },
    );
    running.push(exporter);
    await eventually(
      "exporter ready",
      async () => (await fetch(`http://127.0.0.1:${exporter.port}/readyz`)).status === 200,
      60_000,
    );
    return exporter;
  }

  async function exportedUids(exporter: RunningExporter): Promise<Map<string, string>> {
    const { parsed } = await scrape(exporter.port);
    return new Map(
      find(parsed, "cr_info", {}).map((s) => [
        s.labels.uid!,
        `${s.labels.kind} ${s.labels.namespace}/${s.labels.name}`,
      ]),
    );
  }

  before(async () => {
    execFileSync(join(ROOT, "test/tools/build.sh"), ["prometheus-operator-crds"], { stdio: "ignore" });
    cluster = await startCluster();
    const kc = JSON.parse(readFileSync(cluster.kubeconfigPath, "utf8")) as {
      users: Array<{ user: Record<string, string> }>;
    };
    const user = kc.users[0]!.user;
    admin = new Api(cluster.server, {
      ca: readFileSync(join(cluster.dir, "pki/ca.crt")),
      cert: readFileSync(user["client-certificate"]!),
      key: readFileSync(user["client-key"]!),
    });
    tmp = mkdtempSync(join(tmpdir(), "chart-install-"));
    fixture = chartWithFixtureAssets();

    // The real prometheus-operator CRDs, created as they are (raw JSON, no client model).
    for (const kind of ["servicemonitors", "prometheusrules"]) {
      const crd = parseYaml(readFileSync(join(CRDS_DIR, `monitoring.coreos.com_${kind}.yaml`), "utf8"));
      await admin.ok("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
      await eventually(`CRD ${kind} established`, async () => {
        const got = await admin.ok(
          "GET",
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${kind}.monitoring.coreos.com`,
        );
        return got.status?.conditions?.some(
          (c: { type: string; status: string }) => c.type === "Established" && c.status === "True",
        );
      });
    }
    // The example CRDs and objects: two selected groups, one (gitops.example.com) not selected.
    const docs = [
      "messagequeue-crd",
      "certificate-crd",
      "gitops-crd",
      "messagequeues",
      "certificates",
      "gitops-applications",
    ]
      .flatMap((f) => parseAllDocuments(readFileSync(join(ROOT, "examples", `${f}.yaml`), "utf8")))
      .map((d) => d.toJS() as K8sObject);
    const crds = docs.filter((d) => d.kind === "CustomResourceDefinition");
    for (const crd of crds) await applyCrd(cluster.kubeConfig(), crd);
    for (const ns of [NS, "shop", "platform"])
      await admin.ok("POST", "/api/v1/namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      });
    allUids = new Map();
    for (const doc of docs.filter((d) => d.kind !== "CustomResourceDefinition")) {
      const crd = crds.find((c) => c.spec.names.kind === doc.kind)!;
      const { status: _status, ...body } = doc;
      const {
        uid: _u,
        creationTimestamp: _c,
        generation: _g,
        ...metadata
      } = doc.metadata as Record<string, unknown>;
      const created = await admin.ok(
        "POST",
        `/apis/${doc.apiVersion}/namespaces/${doc.metadata.namespace}/${crd.spec.names.plural}`,
        { ...body, metadata },
      );
      allUids.set(created.metadata.uid!, `${doc.kind} ${doc.metadata.namespace}/${doc.metadata.name}`);
    }
    await admin.ok("POST", "/api/v1/namespaces/shop/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db-password" },
      stringData: { password: "hunter2" },
    });
  });

  after(async () => {
    for (const e of running) await e.stop();
    for (const c of clients) await c.close();
    await admin?.close();
    await cluster?.stop();
    fixture?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const selected = () =>
    [...allUids].filter(([, what]) => what.startsWith("MessageQueue") || what.startsWith("Certificate"));

  it("helm install succeeds; the ServiceMonitor and PrometheusRule pass the real CRD schemas, nothing pruned", async () => {
    const { notes, manifest } = install("crx", ["--set", `groups={${GROUPS.join(",")}}`]);
    assert.match(notes, /kubectl -n monitoring port-forward svc\/crx-cr-exporter 8080 8081/);
    assert.match(notes, /ServiceMonitor crx-cr-exporter/);

    const monitor = only(manifest, "ServiceMonitor");
    const storedMonitor = await admin.ok(
      "GET",
      `/apis/monitoring.coreos.com/v1/namespaces/${NS}/servicemonitors/${monitor.metadata.name}`,
    );
    assertSubset(storedMonitor.spec, monitor.spec);
    assert.equal(storedMonitor.spec.endpoints[0].honorLabels, true);

    const rule = only(manifest, "PrometheusRule");
    const storedRule = await admin.ok(
      "GET",
      `/apis/monitoring.coreos.com/v1/namespaces/${NS}/prometheusrules/${rule.metadata.name}`,
    );
    assertSubset(storedRule.spec, rule.spec);
    assert.deepEqual(storedRule.spec.groups, fixtureRuleGroups());

    const dashboard = await admin.ok(
      "GET",
      `/api/v1/namespaces/${NS}/configmaps/crx-cr-exporter-dashboard-fixture-overview`,
    );
    assert.equal(dashboard.metadata.labels?.grafana_dashboard, "1");
    for (const [kind, path] of [
      ["Deployment", `/apis/apps/v1/namespaces/${NS}/deployments/crx-cr-exporter`],
      ["Service", `/api/v1/namespaces/${NS}/services/crx-cr-exporter`],
      ["PodDisruptionBudget", `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/crx-cr-exporter`],
      ["ClusterRole", "/apis/rbac.authorization.k8s.io/v1/clusterroles/crx-cr-exporter"],
    ] as const) {
      assertSubset((await admin.ok("GET", path)).spec ?? {}, only(manifest, kind).spec ?? {});
    }

    // The schemas do bite: a wrongly typed field and a rule without expr are refused.
    const bad = await admin.request(
      "POST",
      `/apis/monitoring.coreos.com/v1/namespaces/${NS}/servicemonitors`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "bad" },
        spec: { selector: {}, endpoints: [{ port: "http", honorLabels: "yes" }] },
      },
    );
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    assert.match(bad.body.message, /honorLabels/);
    const badRule = await admin.request(
      "POST",
      `/apis/monitoring.coreos.com/v1/namespaces/${NS}/prometheusrules`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "bad" },
        spec: { groups: [{ name: "g", rules: [{ alert: "NoExpr" }] }] },
      },
    );
    assert.equal(badRule.status, 422, JSON.stringify(badRule.body));
    assert.match(badRule.body.message, /expr/);
  });

  it("the exporter with the chart's ServiceAccount token exports the selected groups, and may read nothing else", async () => {
    const manifest = parseManifests(helmIn(["get", "manifest", "crx", "--namespace", NS]));
    const api = await tokenFor("crx-cr-exporter");
    const exporter = await startAsChart(manifest, api);

    const verbose = await (await fetch(`http://127.0.0.1:${exporter.port}/readyz?verbose`)).text();
    assert.match(verbose, /\[\+\]messagequeues\.queue\.example\.com synced/);
    assert.match(verbose, /\[\+\]certificates\.pki\.example\.com synced/);
    assert.doesNotMatch(verbose, /forbidden/);
    assert.doesNotMatch(verbose, /gitops/);
    const uids = await eventually("every selected object exported", async () => {
      const got = await exportedUids(exporter);
      return got.size === selected().length ? got : undefined;
    });
    assert.deepEqual(
      [...uids.keys()].sort(),
      selected()
        .map(([uid]) => uid)
        .sort(),
    );
    const telemetry = await scrape(exporter.telemetryPort);
    assert.deepEqual(
      find(telemetry.parsed, "cr_exporter_kind_forbidden", {}).filter((s) => s.value !== 0),
      [],
    );

    // What the token may and may not do, asked of the API server directly.
    const allowed = [
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      "/apis/queue.example.com/v1/messagequeues",
      "/apis/pki.example.com/v1/namespaces/platform/certificates",
      "/apis/queue.example.com/v1/namespaces/shop/messagequeues/orders",
    ];
    for (const path of allowed) assert.equal((await api.request("GET", path)).status, 200, path);
    const forbidden: Array<[string, string, unknown?]> = [
      ["GET", "/api/v1/namespaces/shop/secrets"],
      ["GET", "/api/v1/secrets"],
      ["GET", "/api/v1/namespaces/shop/secrets/db-password"],
      ["GET", "/api/v1/pods"],
      ["GET", `/api/v1/namespaces/${NS}/configmaps`],
      ["GET", "/apis/gitops.example.com/v1/applications"],
      ["GET", "/apis/monitoring.coreos.com/v1/servicemonitors"],
      ["DELETE", "/apis/queue.example.com/v1/namespaces/shop/messagequeues/orders"],
      [
        "POST",
        "/apis/queue.example.com/v1/namespaces/shop/messagequeues",
        { apiVersion: "queue.example.com/v1", kind: "MessageQueue", metadata: { name: "x" }, spec: {} },
      ],
      ["DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/messagequeues.queue.example.com"],
    ];
    for (const [method, path, body] of forbidden)
      assert.equal((await api.request(method, path, body)).status, 403, `${method} ${path}`);
  });

  it("namespaced: Roles in the watched namespace only; objects elsewhere neither exported nor readable", async () => {
    const { manifest } = install("crx-ns", [
      "--values",
      join(fixture.chart, "ci/namespaced-values.yaml"),
      "--set",
      "namespaces={shop}",
    ]);
    const clusterRole = await admin.ok(
      "GET",
      "/apis/rbac.authorization.k8s.io/v1/clusterroles/crx-ns-cr-exporter",
    );
    assert.deepEqual(
      clusterRole.rules.map((r: K8sObject) => r.apiGroups),
      [["apiextensions.k8s.io"]],
    );
    await admin.ok("GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles/crx-ns-cr-exporter");
    const api = await tokenFor("crx-ns-cr-exporter");
    const exporter = await startAsChart(manifest, api);
    const inShop = selected().filter(([, what]) => what.includes(" shop/"));
    const uids = await eventually("the shop objects exported", async () => {
      const got = await exportedUids(exporter);
      return got.size === inShop.length ? got : undefined;
    });
    assert.deepEqual([...uids.keys()].sort(), inShop.map(([uid]) => uid).sort());
    assert.equal(
      (await api.request("GET", "/apis/queue.example.com/v1/namespaces/shop/messagequeues")).status,
      200,
    );
    assert.equal(
      (await api.request("GET", "/apis/queue.example.com/v1/namespaces/platform/messagequeues")).status,
      403,
    );
    assert.equal((await api.request("GET", "/apis/queue.example.com/v1/messagequeues")).status, 403);
    assert.equal((await api.request("GET", "/api/v1/namespaces/shop/secrets")).status, 403);
  });

  it("sharded: a StatefulSet; two exporters with shards 0 and 1 split the objects, together all of them", async () => {
    const { manifest } = install("crx-sh", [
      "--set",
      `groups={${GROUPS.join(",")}}`,
      "--set",
      "sharding.enabled=true",
      "--set",
      "sharding.shards=2",
    ]);
    const sts = await admin.ok("GET", `/apis/apps/v1/namespaces/${NS}/statefulsets/crx-sh-cr-exporter`);
    const env = sts.spec.template.spec.containers[0].env;
    assert.equal(env[0].valueFrom.fieldRef.fieldPath, "metadata.labels['apps.kubernetes.io/pod-index']");
    const api = await tokenFor("crx-sh-cr-exporter");
    // What the downward API gives each pod: its ordinal.
    const shards = [
      await startAsChart(manifest, api, { CR_EXPORTER_SHARD: "0" }),
      await startAsChart(manifest, api, { CR_EXPORTER_SHARD: "1" }),
    ];
    const [a, b] = [await exportedUids(shards[0]!), await exportedUids(shards[1]!)];
    for (const uid of a.keys()) assert.ok(!b.has(uid), `${a.get(uid)} exported by both shards`);
    assert.deepEqual(
      [...a.keys(), ...b.keys()].sort(),
      selected()
        .map(([uid]) => uid)
        .sort(),
    );
  });

  it('groups={*}: the RBAC names the groups of the CRDs present, never "*" or the core group', async () => {
    const { manifest, notes } = install("crx-all", ["--set", "groups={*}"]);
    const clusterRole = await admin.ok(
      "GET",
      "/apis/rbac.authorization.k8s.io/v1/clusterroles/crx-all-cr-exporter",
    );
    assert.deepEqual(clusterRole.rules[1], {
      apiGroups: ["gitops.example.com", "monitoring.coreos.com", "pki.example.com", "queue.example.com"],
      resources: ["*"],
      verbs: ["get", "list", "watch"],
    });
    assert.match(notes, /every CRD group found at install time \(4\)/);
    const api = await tokenFor("crx-all-cr-exporter");
    assert.equal((await api.request("GET", "/apis/gitops.example.com/v1/applications")).status, 200);
    assert.equal((await api.request("GET", "/api/v1/secrets")).status, 403);
    const exporter = await startAsChart(manifest, api);
    // Every custom resource there is: the examples and the releases' ServiceMonitors and rules.
    const expected = [...allUids.keys()];
    for (const plural of ["servicemonitors", "prometheusrules"]) {
      const list = await admin.ok("GET", `/apis/monitoring.coreos.com/v1/${plural}`);
      expected.push(...list.items.map((o: K8sObject) => o.metadata.uid));
    }
    assert.ok(expected.length > allUids.size);
    const uids = await eventually("every custom resource exported", async () => {
      const got = await exportedUids(exporter);
      return got.size === expected.length ? got : undefined;
    });
    assert.deepEqual([...uids.keys()].sort(), expected.sort());
  });

  it("ksm config: the chart's CustomResourceStateMetrics file runs next to the auto metrics, as the pod would", async () => {
    const { manifest } = install("crx-ksm", ["--values", join(fixture.chart, "ci/ksm-config-values.yaml")]);
    // Give the queues the status of the examples (created without it), through /status.
    const queues = parseAllDocuments(readFileSync(join(ROOT, "examples/messagequeues.yaml"), "utf8")).map(
      (d) => d.toJS() as K8sObject,
    );
    for (const q of queues) {
      const path = `/apis/queue.example.com/v1/namespaces/${q.metadata.namespace}/messagequeues/${q.metadata.name}`;
      const current = await admin.ok("GET", path);
      await admin.ok("PUT", `${path}/status`, { ...current, status: q.status });
    }
    const api = await tokenFor("crx-ksm-cr-exporter");
    const exporter = await startAsChart(manifest, api);
    const gvk = {
      customresource_group: "queue.example.com",
      customresource_version: "v1",
      customresource_kind: "MessageQueue",
    };
    const parsed = await eventually("the CRS families of every queue", async () => {
      const { parsed } = await scrape(exporter.port);
      return find(parsed, "kube_customresource_ready_replicas", gvk).length === queues.length
        ? parsed
        : undefined;
    });
    for (const q of queues) {
      const object = { ...gvk, namespace: q.metadata.namespace!, name: q.metadata.name };
      const ready = find(parsed, "kube_customresource_ready_replicas", object);
      assert.deepEqual(
        ready.map((s) => s.value),
        [q.status.readyReplicas],
        `${q.metadata.name} ready_replicas`,
      );
      // The StateSet: one series per listed phase, 1 for the object's own (none for a phase off the list).
      const phases = find(parsed, "kube_customresource_phase", object);
      assert.deepEqual(phases.map((s) => s.labels.phase).sort(), [
        "Degraded",
        "Failed",
        "Pending",
        "Running",
      ]);
      for (const s of phases)
        assert.equal(
          s.value,
          s.labels.phase === q.status.phase ? 1 : 0,
          `${q.metadata.name} ${s.labels.phase}`,
        );
    }
    // The auto mapper still runs (mode auto) for the chart's selected groups.
    assert.equal(find(parsed, "cr_info", { kind: "MessageQueue" }).length, queues.length);
  });
});
