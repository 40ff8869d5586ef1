// The Helm chart with the real (pinned) helm: lint --strict, the objects `helm template` renders
// for every ci/*-values.yaml, the schema's errors, NOTES.txt. No cluster: see chart-install.test.ts.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { loadOptions, validateOptions } from "../../src/config/options.ts";
import {
  CHART,
  chartWithFixtureAssets,
  exporterContainer,
  FIXTURE_DASHBOARD,
  fixtureRuleGroups,
  helm,
  type K8sObject,
  MONITORING_API,
  ofKind,
  only,
  render,
  renderError,
  renderNotes,
} from "../helpers/chart.ts";
import { loadRuleGroups } from "../helpers/rules.ts";

const CI = readdirSync(join(CHART, "ci"))
  .filter((f) => f.endsWith("-values.yaml"))
  .sort();
const chartYaml = parseYaml(readFileSync(join(CHART, "Chart.yaml"), "utf8")) as { appVersion: string };
const READ_VERBS = new Set(["get", "list", "watch"]);

function ciValues(file: string): Record<string, unknown> {
  return parseYaml(readFileSync(join(CHART, "ci", file), "utf8")) as Record<string, unknown>;
}

function rbacRules(objects: readonly K8sObject[]): Array<{ from: string; rule: K8sObject }> {
  return objects
    .filter((o) => o.kind === "ClusterRole" || o.kind === "Role")
    .flatMap((o) =>
      (o.rules as K8sObject[]).map((rule) => ({
        from: `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`,
        rule,
      })),
    );
}

/** Read-only, never Secrets, never the "*" group, only CRDs and the listed groups. */
function assertLeastPrivilege(objects: readonly K8sObject[], groups: readonly string[]): void {
  const rules = rbacRules(objects);
  assert.ok(rules.length > 0, "no RBAC rule rendered");
  for (const { from, rule } of rules) {
    for (const verb of rule.verbs) assert.ok(READ_VERBS.has(verb), `${from}: verb ${verb}`);
    assert.ok(!rule.resources.includes("secrets"), `${from}: grants secrets`);
    assert.ok(!rule.apiGroups.includes("*"), `${from}: grants every API group`);
    assert.ok(!rule.apiGroups.includes(""), `${from}: grants the core group (Secrets live there)`);
    for (const group of rule.apiGroups) {
      assert.ok(
        group === "apiextensions.k8s.io" || groups.includes(group),
        `${from}: grants ${group}, not in groups`,
      );
    }
  }
  const crdRule = rules.find(
    ({ from, rule }) => from.startsWith("ClusterRole") && rule.apiGroups[0] === "apiextensions.k8s.io",
  );
  assert.deepEqual(crdRule?.rule, {
    apiGroups: ["apiextensions.k8s.io"],
    resources: ["customresourcedefinitions"],
    verbs: ["get", "list", "watch"],
  });
}

/** Write the ConfigMap's files where the container expects them and rewrite the args to match. */
function exporterArgs(objects: readonly K8sObject[], dir: string): string[] {
  const config = only(objects, "ConfigMap", "crx-cr-exporter");
  for (const [name, text] of Object.entries(config.data as Record<string, string>))
    writeFileSync(join(dir, name), text);
  return (exporterContainer(objects).args as string[]).map((a) => a.replaceAll("/etc/cr-exporter", dir));
}

describe("chart: helm lint and template", { timeout: 300_000 }, () => {
  let fixture: { chart: string; cleanup: () => void };
  let tmp: string;

  before(() => {
    fixture = chartWithFixtureAssets();
    tmp = mkdtempSync(join(tmpdir(), "chart-render-"));
  });
  after(() => {
    fixture?.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("has the five ci values files the tests below cover", () => {
    assert.deepEqual(CI, [
      "default-values.yaml",
      "ksm-config-values.yaml",
      "monitoring-off-values.yaml",
      "namespaced-values.yaml",
      "sharded-values.yaml",
    ]);
  });

  for (const file of CI) {
    it(`helm lint --strict passes with ci/${file}`, () => {
      const result = helm(["lint", "--strict", CHART, "--values", join(CHART, "ci", file)]);
      assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      assert.doesNotMatch(result.stdout, /\[(WARNING|ERROR)\]/);
    });

    it(`ci/${file}: least-privilege RBAC, hardened pod, probes, config the exporter accepts`, () => {
      const values = ciValues(file);
      const objects = render({ values: [`ci/${file}`], apiVersions: MONITORING_API });
      assertLeastPrivilege(objects, values.groups as string[]);

      for (const o of objects) {
        assert.equal(o.metadata.labels?.["app.kubernetes.io/instance"], "crx", `${o.kind} labels`);
        assert.equal(o.metadata.labels?.["app.kubernetes.io/name"], "cr-exporter", `${o.kind} labels`);
        if (!["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"].includes(o.kind))
          assert.equal(o.metadata.namespace, "monitoring", `${o.kind} ${o.metadata.name} namespace`);
      }

      const workload = objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet")!;
      const pod = workload.spec.template.spec;
      assert.equal(pod.serviceAccountName, "crx-cr-exporter");
      assert.equal(pod.securityContext.runAsUser, 65534);
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
      const c = exporterContainer(objects);
      assert.equal(c.image, `ghcr.io/cr-exporter/cr-exporter:${chartYaml.appVersion}`);
      assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false);
      assert.equal(c.securityContext.runAsNonRoot, true);
      assert.equal(c.securityContext.runAsUser, 65534);
      assert.ok(c.resources.requests.memory, "memory request");
      assert.deepEqual(
        c.ports.map((p: K8sObject) => [p.name, p.containerPort]),
        [
          ["http", 8080],
          ["telemetry", 8081],
        ],
      );
      assert.deepEqual(c.livenessProbe.httpGet, { path: "/healthz", port: "http" });
      assert.deepEqual(c.readinessProbe.httpGet, { path: "/readyz", port: "http" });
      // The config is a directory mount (a subPath mount would never see ConfigMap updates).
      const mount = c.volumeMounts.find((m: K8sObject) => m.name === "config");
      assert.equal(mount.mountPath, "/etc/cr-exporter");
      assert.equal(mount.subPath, undefined);
      assert.ok(c.args.includes("--config=/etc/cr-exporter/config.yaml"));

      const service = only(objects, "Service");
      assert.deepEqual(
        service.spec.ports.map((p: K8sObject) => [p.name, p.port, p.targetPort]),
        [
          ["http", 8080, "http"],
          ["telemetry", 8081, "telemetry"],
        ],
      );
      assert.deepEqual(service.spec.selector, workload.spec.selector.matchLabels);

      // The exporter itself accepts the config file and the flags as rendered.
      const dir = mkdtempSync(join(tmp, "cfg-"));
      const args = exporterArgs(objects, dir);
      const shardEnv = workload.kind === "StatefulSet" ? { CR_EXPORTER_SHARD: "1" } : {};
      const options = loadOptions(args, shardEnv);
      assert.deepEqual(options.includeGroups, [...(values.groups as string[])].sort());
      assert.deepEqual(options.namespaces, (values.namespaces as string[] | undefined) ?? []);
      assert.equal(options.port, 8080);
      assert.equal(options.telemetryPort, 8081);
    });
  }

  it("default: a Deployment of one replica, a PDB, a ServiceMonitor keeping object labels and scraping self-metrics", () => {
    const objects = render({ values: ["ci/default-values.yaml"], apiVersions: MONITORING_API });
    assert.equal(ofKind(objects, "StatefulSet").length, 0);
    assert.equal(only(objects, "Deployment").spec.replicas, 1);
    assert.equal(only(objects, "PodDisruptionBudget").spec.maxUnavailable, 1);
    const clusterRole = only(objects, "ClusterRole");
    assert.deepEqual(clusterRole.rules[1], {
      apiGroups: ["queue.example.com"],
      resources: ["*"],
      verbs: ["get", "list", "watch"],
    });
    const binding = only(objects, "ClusterRoleBinding");
    assert.deepEqual(binding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: clusterRole.metadata.name,
    });
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "crx-cr-exporter", namespace: "monitoring" },
    ]);
    assert.equal(ofKind(objects, "Role").length, 0);
    assert.equal(ofKind(objects, "NetworkPolicy").length, 0);
    const monitor = only(objects, "ServiceMonitor");
    assert.deepEqual(
      monitor.spec.endpoints.map((e: K8sObject) => [e.port, e.path, e.honorLabels]),
      [
        ["http", "/metrics", true],
        ["telemetry", "/metrics", false],
      ],
    );
    assert.deepEqual(monitor.spec.selector.matchLabels, only(objects, "Service").spec.selector);
    assert.deepEqual(monitor.spec.namespaceSelector, { matchNames: ["monitoring"] });
    // The real chart ships exactly the rules and dashboards its files/ holds (none is fine).
    const files = (dir: string, ext: string) => {
      try {
        return readdirSync(join(CHART, "files", dir)).filter((f) => f.endsWith(ext)).length;
      } catch {
        return 0;
      }
    };
    assert.equal(ofKind(objects, "PrometheusRule").length, files("rules", ".yaml"));
    const dashboards = ofKind(objects, "ConfigMap").filter(
      (c) => c.metadata.labels?.grafana_dashboard === "1",
    );
    assert.equal(dashboards.length, files("dashboards", ".json"));
  });

  it("sharded: a StatefulSet whose pods read their shard from the pod-index label", () => {
    const objects = render({ values: ["ci/sharded-values.yaml"], apiVersions: MONITORING_API });
    assert.equal(ofKind(objects, "Deployment").length, 0);
    const sts = only(objects, "StatefulSet");
    assert.equal(sts.spec.replicas, 3);
    assert.equal(sts.spec.serviceName, only(objects, "Service").metadata.name);
    assert.equal(sts.spec.podManagementPolicy, "Parallel");
    const c = exporterContainer(objects);
    assert.ok(c.args.includes("--total-shards=3"));
    assert.deepEqual(
      c.env.find((e: K8sObject) => e.name === "CR_EXPORTER_SHARD"),
      {
        name: "CR_EXPORTER_SHARD",
        valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
      },
    );
    // Every ordinal is a valid shard for the exporter.
    const dir = mkdtempSync(join(tmp, "sharded-"));
    const args = exporterArgs(objects, dir);
    for (const ordinal of ["0", "1", "2"]) {
      const o = loadOptions(args, { CR_EXPORTER_SHARD: ordinal });
      assert.equal(o.shard, Number(ordinal));
      assert.equal(o.totalShards, 3);
    }
    assert.throws(() => loadOptions(args, { CR_EXPORTER_SHARD: "3" }), /--shard: must be less than/);
    // Sharding needs the pod-index label (Kubernetes 1.28+).
    assert.match(
      renderError({ values: ["ci/sharded-values.yaml"], kubeVersion: "1.27.0" }),
      /sharding needs Kubernetes 1\.28 or later/,
    );
  });

  it("namespaced: the groups granted by a Role per namespace, the ClusterRole keeps only CRDs", () => {
    const objects = render({ values: ["ci/namespaced-values.yaml"], apiVersions: MONITORING_API });
    assert.equal(only(objects, "ClusterRole").rules.length, 1);
    const roles = ofKind(objects, "Role");
    assert.deepEqual(roles.map((r) => r.metadata.namespace).sort(), ["platform", "shop"]);
    for (const role of roles) {
      assert.deepEqual(role.rules, [
        {
          apiGroups: ["pki.example.com", "queue.example.com"],
          resources: ["*"],
          verbs: ["get", "list", "watch"],
        },
      ]);
    }
    const bindings = ofKind(objects, "RoleBinding");
    assert.deepEqual(bindings.map((b) => b.metadata.namespace).sort(), ["platform", "shop"]);
    for (const b of bindings) {
      assert.equal(b.roleRef.kind, "Role");
      assert.deepEqual(b.subjects, [
        { kind: "ServiceAccount", name: "crx-cr-exporter", namespace: "monitoring" },
      ]);
    }
    const config = parseYaml(only(objects, "ConfigMap", "crx-cr-exporter").data["config.yaml"]);
    assert.deepEqual(config, {
      includeGroups: ["pki.example.com", "queue.example.com"],
      namespaces: ["shop", "platform"],
      excludeKinds: ["leases.queue.example.com"],
      logLevel: "debug",
    });
    const policy = only(objects, "NetworkPolicy");
    assert.deepEqual(policy.spec.policyTypes, ["Ingress"]);
    assert.deepEqual(
      policy.spec.ingress[0].ports.map((p: K8sObject) => p.port),
      ["http", "telemetry"],
    );
    assert.deepEqual(policy.spec.ingress[0].from, [
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
    ]);
    // rbac.namespaced=false: cluster-wide after all (e.g. for cluster-scoped kinds of the groups).
    const clusterWide = render({ values: ["ci/namespaced-values.yaml"], set: ["rbac.namespaced=false"] });
    assert.equal(ofKind(clusterWide, "Role").length, 0);
    assert.equal(only(clusterWide, "ClusterRole").rules.length, 2);
  });

  it("ksm-config: the CustomResourceStateMetrics document mounted and passed by flag, unchanged", () => {
    const values = ciValues("ksm-config-values.yaml") as { customResourceState: { config: unknown } };
    const objects = render({ values: ["ci/ksm-config-values.yaml"] });
    const data = only(objects, "ConfigMap", "crx-cr-exporter").data;
    assert.deepEqual(parseYaml(data["custom-resource-state.yaml"]), values.customResourceState.config);
    const c = exporterContainer(objects);
    assert.ok(
      c.args.includes("--custom-resource-state-config-file=/etc/cr-exporter/custom-resource-state.yaml"),
    );
    // Without it, the file and the flag are absent.
    const plain = render({ values: ["ci/default-values.yaml"] });
    assert.equal(only(plain, "ConfigMap", "crx-cr-exporter").data["custom-resource-state.yaml"], undefined);
    assert.ok(!exporterContainer(plain).args.some((a: string) => a.startsWith("--custom-resource-state")));
    // mode ksm without a CRS config is refused before it reaches a pod.
    assert.match(
      renderError({ values: ["ci/default-values.yaml"], set: ["config.mode=ksm"] }),
      /config\.mode ksm exports only the customResourceState metrics/,
    );
  });

  it("monitoring off: no ServiceMonitor, PrometheusRule, dashboard or PDB even with rules and dashboards present", () => {
    const objects = render({
      chart: fixture.chart,
      values: ["ci/monitoring-off-values.yaml"],
      apiVersions: MONITORING_API,
    });
    assert.deepEqual(objects.map((o) => o.kind).sort(), [
      "ClusterRole",
      "ClusterRoleBinding",
      "ConfigMap",
      "Deployment",
      "Service",
      "ServiceAccount",
    ]);
  });

  it("the shipped rules, as a PrometheusRule, follow the ServiceMonitor's job name (nameOverride)", () => {
    const shipped = loadRuleGroups();
    const down = (groups: Array<{ rules: Array<{ alert?: string; expr: string }> }>) =>
      groups.flatMap((g) => g.rules).find((r) => r.alert === "CRExporterDown")!.expr;
    const plain = only(
      render({ values: ["ci/default-values.yaml"], apiVersions: MONITORING_API }),
      "PrometheusRule",
    );
    assert.deepEqual(plain.spec.groups, shipped);
    assert.match(down(plain.spec.groups), /job="cr-exporter"/);

    const objects = render({
      values: ["ci/default-values.yaml"],
      set: ["nameOverride=crx"],
      apiVersions: MONITORING_API,
    });
    const monitor = only(objects, "ServiceMonitor");
    const service = only(objects, "Service");
    const job = service.metadata.labels![monitor.spec.jobLabel]; // what Prometheus will name the job
    assert.equal(job, "crx");
    const renamed = only(objects, "PrometheusRule");
    assert.match(down(renamed.spec.groups), /job="crx"/);
    // Nothing else changes.
    assert.deepEqual(
      JSON.parse(JSON.stringify(renamed.spec.groups).replaceAll('job=\\"crx\\"', 'job=\\"cr-exporter\\"')),
      shipped,
    );
  });

  it("rules and dashboards from files/: one PrometheusRule per rule file (Prometheus templates intact), one labeled ConfigMap per dashboard", () => {
    const objects = render({
      chart: fixture.chart,
      values: ["ci/default-values.yaml"],
      set: [
        "prometheusRule.additionalLabels.release=kps",
        "dashboards.annotations.grafana_folder=Kubernetes",
      ],
      apiVersions: MONITORING_API,
    });
    const rule = only(objects, "PrometheusRule");
    assert.equal(rule.metadata.name, "crx-cr-exporter-fixture");
    assert.equal(rule.metadata.labels?.release, "kps");
    const summary: string = rule.spec.groups[0].rules[0].annotations.summary;
    assert.deepEqual(rule.spec, { groups: fixtureRuleGroups() });
    assert.equal(summary, "{{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.name }} is not Ready");
    const dashboard = only(objects, "ConfigMap", "crx-cr-exporter-dashboard-fixture-overview");
    assert.equal(dashboard.metadata.labels?.grafana_dashboard, "1");
    assert.equal(dashboard.metadata.annotations?.grafana_folder, "Kubernetes");
    assert.deepEqual(Object.keys(dashboard.data), ["fixture-overview.json"]);
    assert.equal(dashboard.data["fixture-overview.json"], FIXTURE_DASHBOARD);

    // Without the prometheus-operator API: no ServiceMonitor / PrometheusRule (dashboards stay).
    const bare = render({ chart: fixture.chart, values: ["ci/default-values.yaml"] });
    assert.equal(ofKind(bare, "ServiceMonitor").length, 0);
    assert.equal(ofKind(bare, "PrometheusRule").length, 0);
    assert.equal(ofKind(bare, "ConfigMap").length, 2);
  });

  it("image: tag defaults to appVersion; registry, tag and digest as given", () => {
    const image = (set: string[]) =>
      exporterContainer(render({ values: ["ci/default-values.yaml"], set })).image;
    assert.equal(image([]), `ghcr.io/cr-exporter/cr-exporter:${chartYaml.appVersion}`);
    const digest = `sha256:${"a".repeat(64)}`;
    assert.equal(
      image(["image.registry=registry.example.com:5000", "image.tag=1.2.3", `image.digest=${digest}`]),
      `registry.example.com:5000/cr-exporter/cr-exporter:1.2.3@${digest}`,
    );
    assert.equal(
      image(["image.registry=", "image.repository=me/exporter"]),
      `me/exporter:${chartYaml.appVersion}`,
    );
  });

  it("pod placement and extras pass through", () => {
    const objects = render({
      values: ["ci/default-values.yaml"],
      set: [
        "podAnnotations.team=platform",
        "nodeSelector.kubernetes\\.io/os=linux",
        "tolerations[0].key=dedicated,tolerations[0].operator=Exists",
        "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=zone",
        "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=Exists",
        "extraArgs[0]=--log-level=debug",
        "priorityClassName=system-cluster-critical",
      ],
    });
    const pod = only(objects, "Deployment").spec.template;
    assert.equal(pod.metadata.annotations.team, "platform");
    assert.deepEqual(pod.spec.nodeSelector, { "kubernetes.io/os": "linux" });
    assert.deepEqual(pod.spec.tolerations, [{ key: "dedicated", operator: "Exists" }]);
    assert.equal(
      pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchExpressions[0].key,
      "zone",
    );
    assert.equal(pod.spec.priorityClassName, "system-cluster-critical");
    assert.equal(exporterContainer(objects).args.at(-1), "--log-level=debug");
  });

  it('groups: required; "*" never becomes the RBAC wildcard (helm template sees no CRD, so grants none)', () => {
    const error = renderError({});
    assert.match(error, /set `groups` to the API groups whose custom resources to export/);
    const objects = render({ set: ["groups={*}"] });
    assertLeastPrivilege(objects, []);
    assert.equal(only(objects, "ClusterRole").rules.length, 1);
    // The exporter then watches every group (and reports the ones it may not read).
    assert.equal(
      parseYaml(only(objects, "ConfigMap", "crx-cr-exporter").data["config.yaml"]).includeGroups,
      undefined,
    );
    assert.match(
      renderNotes({ set: ["groups={*}"] }),
      /WARNING: groups=\{\*\} found no CustomResourceDefinition/,
    );
  });

  it("the schema rejects bad values with errors naming each bad value", () => {
    const cases: Array<[string[], RegExp]> = [
      [["replica=2"], /additional properties 'replica' not allowed/],
      [["sharding.shards=0"], /at '\/sharding\/shards': minimum: got 0, want 1/],
      [
        ["rbac.extraRules[0].verbs[0]=create"],
        /at '\/rbac\/extraRules\/0\/verbs\/0': value must be one of 'get', 'list', 'watch'/,
      ],
      [
        ["rbac.extraRules[0].verbs[0]=get,rbac.extraRules[0].resources[0]=secrets"],
        /at '\/rbac\/extraRules\/0\/resources\/0'/,
      ],
      [["config.port=9090"], /at '\/config': additional properties 'port' not allowed/],
      [["config.logLevel=verbose"], /at '\/config\/logLevel': value must be one of/],
      [["groups={*.example.com}"], /at '\/groups\/0': .*does not match pattern/],
      [["image.digest=latest"], /at '\/image\/digest'/],
      [["serviceMonitor.interval=30 seconds"], /at '\/serviceMonitor\/interval'/],
    ];
    for (const [set, message] of cases) {
      const error = renderError({ values: ["ci/default-values.yaml"], set });
      assert.match(error, /values don't meet the specifications of the schema/, set.join(","));
      assert.match(error, message, `${set.join(",")}: ${error}`);
    }
  });

  it("the metric-contract settings (listItemsMax, seriesLimitPerObject, healthRules) reach the config file, checked", () => {
    const dir = mkdtempSync(join(tmpdir(), "chart-values-"));
    try {
      const file = join(dir, "contract-values.yaml");
      writeFileSync(
        file,
        "config:\n  listItemsMax: 8\n  seriesLimitPerObject: 100\n  healthRules:\n    argo-degraded:\n      kind: applications.argoproj.io\n",
      );
      const objects = render({ values: ["ci/default-values.yaml", file] });
      const config = parseYaml(only(objects, "ConfigMap", "crx-cr-exporter").data["config.yaml"]);
      assert.equal(config.listItemsMax, 8);
      assert.equal(config.seriesLimitPerObject, 100);
      assert.deepEqual(config.healthRules, { "argo-degraded": { kind: "applications.argoproj.io" } });
      const options = validateOptions(config, "contract-values.yaml");
      assert.equal(options.listItemsMax, 8);
      assert.equal(options.seriesLimitPerObject, 100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const cases: Array<[string[], RegExp]> = [
      [["config.listItemsMax=-1"], /at '\/config\/listItemsMax': minimum: got -1, want 0/],
      [["config.seriesLimitPerObject=0"], /at '\/config\/seriesLimitPerObject': minimum: got 0, want 1/],
      [["config.healthRules.x=5"], /at '\/config\/healthRules\/x'/],
    ];
    for (const [set, message] of cases) {
      const error = renderError({ values: ["ci/default-values.yaml"], set });
      assert.match(error, message, `${set.join(",")}: ${error}`);
    }
  });

  it("NOTES.txt tells how to see the metrics", () => {
    const notes = renderNotes({ values: ["ci/default-values.yaml"], apiVersions: MONITORING_API });
    assert.match(notes, /- queue\.example\.com\nin all namespaces\./);
    assert.match(notes, /kubectl -n monitoring port-forward svc\/crx-cr-exporter 8080 8081/);
    assert.match(notes, /curl -s http:\/\/127\.0\.0\.1:8080\/metrics/);
    assert.match(notes, /readyz\?verbose/);
    assert.match(notes, /http:\/\/crx-cr-exporter\.monitoring\.svc:8080\/metrics/);
    assert.match(notes, /ServiceMonitor crx-cr-exporter/);
    const sharded = renderNotes({ values: ["ci/sharded-values.yaml"] });
    assert.match(sharded, /runs as 3 shards/);
    assert.match(sharded, /port-forward pod\/crx-cr-exporter-0/);
    assert.match(sharded, /No ServiceMonitor was created/);
  });

  it("every rendered config validates against the exporter's own option schema", () => {
    for (const file of CI) {
      const objects = render({ values: [`ci/${file}`] });
      const config = parseYaml(only(objects, "ConfigMap", "crx-cr-exporter").data["config.yaml"]) as Record<
        string,
        unknown
      >;
      assert.doesNotThrow(() => validateOptions(config, `ci/${file}`), file);
    }
  });
});
