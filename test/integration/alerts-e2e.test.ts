// The alert rules and dashboards end to end, all real: the examples/ CRDs and objects on a real
// kube-apiserver, cr-exporter watching them, a real Prometheus (v3) scraping both of its ports
// and evaluating rules/cr-exporter.rules.yaml, and a real Alertmanager receiving the alerts.
//
// Two kinds are added to the examples so that the exporter's own alerts and error panels have
// something real to show:
//   - Sealed (vault.example.com): the exporter's user may not list it → forbidden, 403 errors,
//     watch restarts (CRExporterKindForbidden, CRExporterListWatchErrors);
//   - Inventory (inventory.example.com): one object with a 300-entry map of counts, exported per
//     key (--list-items-max 400) so the kind has more series than --series-limit-per-kind 200
//     (CRExporterSeriesDropped), and a condition without a type (value error
//     condition_without_type). Once Prometheus watches, its CRD is changed (the kind restarts: a
//     LIST after Prometheus' first scrape, for the LIST duration histogram) and the object
//     changes while over the limit, so its drops are counted again (an increase, which is what
//     the alert sees).
// And two health cases (health.example.com) that only the health verdict turns into a page:
//   - Sync platform/tenants, shaped like a Flux Kustomization: Stalled=True while its spec
//     changed (generation 2, observed 1) — kstatus read it InProgress, the verdict reads Failed;
//   - Database shop/orders-db with `phase: Degraded` and no conditions at all.
// And once Prometheus has scraped it, the Available condition of MessageQueue shop/orders is
// flipped 8 times (CustomResourceConditionFlapping: more than 6 changes within an hour).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { stringify as stringifyYaml } from "yaml";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import {
  type Dashboard,
  loadDashboards,
  parseVariableQuery,
  queries,
  substitute,
  variableQuery,
  variableRegex,
  variables,
} from "../helpers/dashboards.ts";
import { applyExamples } from "../helpers/examples.ts";
import { type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { applyCrd, patchStatus, testCrd } from "../helpers/kube.ts";
import {
  alertmanagerAlerts,
  type Daemon,
  instantQuery,
  labelValues,
  prometheusAlerts,
  startAlertmanager,
  startPrometheus,
} from "../helpers/prometheus.ts";
import { loadRuleGroups } from "../helpers/rules.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

const SHORT_FOR = "2s";
const JOB = "cr-exporter";

const ruleGroups = loadRuleGroups();
const alertRules = ruleGroups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);

/**
 * The shipped rules with every `for:` shortened to 2s, so that alerts fire within the test;
 * expressions, labels and annotations are unchanged.
 */
function rulesWithShortFor(): string {
  const groups = ruleGroups.map((g) => ({
    ...g,
    rules: g.rules.map((r) => (r.for === undefined ? r : { ...r, for: SHORT_FOR })),
  }));
  return `# rules/cr-exporter.rules.yaml with every for: shortened to ${SHORT_FOR} (test copy)\n${stringifyYaml({ groups })}`;
}

// ─── What the examples call for ───────────────────────────────────────────────────────────
// Identity of an alert: the labels (besides alertname, severity, job, instance) that say what it
// is about. Every alert of the rules is listed: an empty list means it must not fire.

const IDENTITY = ["group", "kind", "namespace", "name", "type", "status", "reason"];
type Identity = Record<string, string>;
const mq = (namespace: string, name: string) => ({
  group: "queue.example.com",
  kind: "MessageQueue",
  namespace,
  name,
});
const cert = (namespace: string, name: string) => ({
  group: "pki.example.com",
  kind: "Certificate",
  namespace,
  name,
});
const app = (namespace: string, name: string) => ({
  group: "gitops.example.com",
  kind: "Application",
  namespace,
  name,
});
const SEALED = { group: "vault.example.com", kind: "Sealed" };
const HEALTH_GROUP = "health.example.com";
const sync = (namespace: string, name: string) => ({ group: HEALTH_GROUP, kind: "Sync", namespace, name });
const database = (namespace: string, name: string) => ({
  group: HEALTH_GROUP,
  kind: "Database",
  namespace,
  name,
});
const INVENTORY = { group: "inventory.example.com", kind: "Inventory" };

const EXPECTED: Record<string, Identity[]> = {
  // Positive conditions False/Unknown of objects whose verdict is not Failed: audit-log (Ready
  // Unknown, still provisioning). payments (Ready False reason Degraded), legacy-api (Ready False
  // reason Failed), billing (Stalled) and tenants (Stalled) are Failed: CustomResourceFailed
  // pages for them instead. search has only Reconciling/Stalled=False (not positive types);
  // orders' Available flips too fast to hold for 2 s and ends True.
  CustomResourceConditionNotTrue: [{ ...mq("platform", "audit-log"), type: "Ready", status: "Unknown" }],
  // Failed verdicts: Stalled=True (billing; tenants despite its generation lag), a positive
  // condition False with a failure reason (payments: Ready=False Degraded; legacy-api: Ready=False
  // Failed), a failure phase with no conditions (orders-db: Degraded).
  CustomResourceFailed: [
    app("platform", "billing"),
    mq("shop", "payments"),
    cert("platform", "legacy-api"),
    sync("platform", "tenants"),
    database("shop", "orders-db"),
  ],
  // InProgress objects are audit-log (Ready Unknown: ConditionNotTrue's) and search (generation
  // lag: GenerationNotObserved's): no reason left for this alert. Its 1h `for` is shortened like
  // every other.
  CustomResourceProgressingTooLong: [],
  // search: observedGeneration one behind its generation (examples: 7 of 8); tenants lags too
  // but is Failed.
  CustomResourceGenerationNotObserved: [app("shop", "search")],
  // spec.replicas != status.readyReplicas, and the ready count has not changed (changes()[15m] is
  // 0 from the first samples on): payments 1 of 3, audit-log 0 of 1; orders 3 of 3 does not.
  CustomResourceReplicasMismatch: [mq("shop", "payments"), mq("platform", "audit-log")],
  // Needs an object deleted more than 1800 s ago (by its deletionTimestamp, which the API server
  // sets to now): cannot happen in a short test, and no example is terminating.
  CustomResourceTerminatingTooLong: [],
  // orders' Available flipped 8 times after Prometheus' first scrape: increase(...[1h]) = 8 > 6.
  CustomResourceConditionFlapping: [{ ...mq("shop", "orders"), type: "Available" }],
  // Both targets are up.
  CRExporterDown: [],
  // Sealed is not synced, but forbidden, which the rule excludes; every other kind is synced.
  CRExporterKindNotSynced: [],
  CRExporterKindForbidden: [SEALED],
  // No kube-state-metrics config here, so no config resource can be unmatched.
  CRExporterConfigResourceUnmatched: [],
  // Sealed's LIST fails with 403 about once a second (--backoff-max 1): rate > 0.05/s.
  CRExporterListWatchErrors: [SEALED],
  // Every kind's data is fresh; Sealed never synced and is forbidden, which the rule excludes.
  CRExporterKindStale: [],
  CRExporterSeriesDropped: [{ ...INVENTORY, reason: "series_limit" }],
  // No kind of the examples has per-kind health rules, and the built-in ones never error.
  CRExporterHealthRuleErrors: [],
  // Scrapes of a few hundred series take milliseconds, far from 5 s.
  CRExporterScrapeSlow: [],
};

function identity(labels: Record<string, string>): Identity {
  return Object.fromEntries(IDENTITY.filter((k) => labels[k] !== undefined).map((k) => [k, labels[k]!]));
}

const key = (i: Identity) => JSON.stringify(Object.entries(i).sort());

function sortedKeys(list: Identity[]): string[] {
  return list.map(key).sort();
}

// ─── Setup helpers ────────────────────────────────────────────────────────────────────────

async function applyExtraKinds(kc: KubeConfig): Promise<void> {
  await applyCrd(kc, testCrd({ group: SEALED.group, kind: SEALED.kind }));
  await applyCrd(
    kc,
    testCrd({
      group: INVENTORY.group,
      kind: INVENTORY.kind,
      status: {
        type: "object",
        properties: {
          counts: { type: "object", additionalProperties: { type: "integer" } },
          conditions: {
            type: "array",
            items: { type: "object", properties: { type: { type: "string" }, status: { type: "string" } } },
          },
        },
      },
    }),
  );
  const objects = kc.makeApiClient(CustomObjectsApi);
  const target = { group: INVENTORY.group, version: "v1", plural: "inventorys", namespace: "platform" };
  await objects.createNamespacedCustomObject({
    ...target,
    body: {
      apiVersion: `${INVENTORY.group}/v1`,
      kind: INVENTORY.kind,
      metadata: { name: "warehouse" },
      spec: {},
    },
  });
  await patchStatus(
    objects,
    { ...target, name: "warehouse" },
    {
      counts: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`bin-${i}`, i])),
      conditions: [{ status: "True" }],
    },
  );
}

/** The two health cases of the header: a Stalled Sync with a generation lag, a Degraded Database. */
async function applyHealthKinds(kc: KubeConfig): Promise<void> {
  const anyStatus = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  await applyCrd(kc, testCrd({ group: HEALTH_GROUP, kind: "Sync", status: anyStatus }));
  await applyCrd(kc, testCrd({ group: HEALTH_GROUP, kind: "Database", status: anyStatus }));
  const objects = kc.makeApiClient(CustomObjectsApi);
  const syncs = { group: HEALTH_GROUP, version: "v1", plural: "syncs", namespace: "platform" };
  await objects.createNamespacedCustomObject({
    ...syncs,
    body: {
      apiVersion: `${HEALTH_GROUP}/v1`,
      kind: "Sync",
      metadata: { name: "tenants" },
      spec: { path: "./a" },
    },
  });
  // A spec change: generation 2, which the (stalled) controller has not observed.
  await objects.patchNamespacedCustomObject(
    { ...syncs, name: "tenants", body: { spec: { path: "./b" } } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
  await patchStatus(
    objects,
    { ...syncs, name: "tenants" },
    {
      observedGeneration: 1,
      conditions: [
        { type: "Ready", status: "False", reason: "BuildFailed", lastTransitionTime: "2026-11-26T00:00:00Z" },
        {
          type: "Stalled",
          status: "True",
          reason: "BuildFailed",
          lastTransitionTime: "2026-11-26T00:00:00Z",
        },
      ],
    },
  );
  const databases = { group: HEALTH_GROUP, version: "v1", plural: "databases", namespace: "shop" };
  await objects.createNamespacedCustomObject({
    ...databases,
    body: { apiVersion: `${HEALTH_GROUP}/v1`, kind: "Database", metadata: { name: "orders-db" }, spec: {} },
  });
  await patchStatus(objects, { ...databases, name: "orders-db" }, { phase: "Degraded" });
}

/** Change the Inventory CRD's schema (a description): the exporter restarts the kind and relists it. */
async function changeInventoryCrd(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const name = `inventorys.${INVENTORY.group}`;
  const crd = await api.readCustomResourceDefinition({ name });
  const status = crd.spec.versions[0]!.schema!.openAPIV3Schema!.properties!.status!;
  status.description = "changed by the test";
  await api.replaceCustomResourceDefinition({ name, body: crd });
}

/** Flip orders' Available condition False/True `times` times (ending True), Ready staying True. */
async function flipOrders(kc: KubeConfig, times: number): Promise<void> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  for (let i = 1; i <= times; i++) {
    const available = i % 2 === 1 ? "False" : "True";
    const conditions = [
      { type: "Available", status: available, reason: "Flip", lastTransitionTime: new Date().toISOString() },
      { type: "Ready", status: "True", reason: "Reconciled", lastTransitionTime: "2026-11-01T09:02:11Z" },
    ];
    const orders = {
      group: "queue.example.com",
      version: "v1",
      plural: "messagequeues",
      namespace: "shop",
      name: "orders",
    };
    await patchStatus(objects, orders, { conditions });
  }
}

// ─── Dashboard variables, resolved the way Grafana does ───────────────────────────────────

interface Resolved {
  readonly values: Record<string, string>;
  readonly options: Record<string, string[]>;
}

/**
 * Evaluate each template variable's query against Prometheus in order (later ones see earlier
 * values) and pick `chosen[name]`, which must be among the options; a variable not chosen takes
 * "All" (its allValue) or its first option.
 */
async function resolveVariables(
  prometheus: string,
  d: Dashboard,
  chosen: Record<string, string>,
  builtins: Record<string, string>,
): Promise<Resolved> {
  const values: Record<string, string> = { ...builtins };
  const options: Record<string, string[]> = {};
  for (const v of variables(d)) {
    if (v.type === "datasource") {
      values[v.name] = "prometheus";
      continue;
    }
    const q = parseVariableQuery(substitute(variableQuery(v), values));
    assert.equal(q.kind, "label_values", `${d.uid} variable ${v.name}`);
    if (q.kind !== "label_values") continue;
    const regex = variableRegex(v);
    const found = (await labelValues(prometheus, q.label, q.selector)).filter((x) => !regex || regex.test(x));
    options[v.name] = found;
    const pick = chosen[v.name];
    if (pick !== undefined) {
      assert.ok(found.includes(pick), `${d.uid} variable ${v.name}: ${pick} not among ${found.join(", ")}`);
      values[v.name] = pick;
    } else if (v.includeAll) {
      values[v.name] = v.allValue ?? `(${found.join("|")})`;
    } else {
      assert.ok(found.length > 0, `${d.uid} variable ${v.name} has no values`);
      values[v.name] = found[0]!;
    }
  }
  return { values, options };
}

/** Data: at least one sample whose value is a number (NaN is what a quantile of no observations gives). */
function hasData(samples: readonly { value: string }[]): boolean {
  return samples.some((s) => s.value !== "NaN");
}

// ─── The test ─────────────────────────────────────────────────────────────────────────────

describe("alerts and dashboards end to end (cluster, exporter, Prometheus, Alertmanager)", {
  timeout: 240_000,
}, () => {
  let cluster: Cluster | undefined;
  let exporter: RunningExporter | undefined;
  let alertmanager: Daemon | undefined;
  let prometheus: Daemon | undefined;
  let prom = "";
  let telemetryInstance = "";

  before(async () => {
    cluster = await startCluster();
    const kc = cluster.kubeConfig();
    const examples = await applyExamples(kc);
    await applyExtraKinds(kc);
    await applyHealthKinds(kc);
    const kubeconfig = await cluster.mintUserKubeconfig("e2e-exporter", [
      {
        apiGroups: ["apiextensions.k8s.io"],
        resources: ["customresourcedefinitions"],
        verbs: ["get", "list", "watch"],
      },
      {
        apiGroups: [
          "queue.example.com",
          "pki.example.com",
          "gitops.example.com",
          INVENTORY.group,
          HEALTH_GROUP,
        ],
        resources: ["*"],
        verbs: ["get", "list", "watch"],
      },
    ]);
    exporter = await startTestExporter(kubeconfig, [
      "--backoff-max",
      "1",
      "--series-limit-per-kind",
      "200",
      "--list-items-max",
      "400",
    ]);
    const port = exporter.port;
    await eventually("every example object exported", async () => {
      const p = (await scrape(port)).parsed;
      const exported = p.samples.filter((s) => s.name === "cr_info");
      return exported.filter((s) => s.labels.group !== INVENTORY.group && s.labels.group !== HEALTH_GROUP)
        .length === examples && exported.filter((s) => s.labels.group === HEALTH_GROUP).length === 2
        ? true
        : undefined;
    });
    alertmanager = await startAlertmanager();
    telemetryInstance = `127.0.0.1:${exporter.telemetryPort}`;
    prometheus = await startPrometheus({
      job: JOB,
      targets: [`127.0.0.1:${exporter.port}`, telemetryInstance],
      rules: [rulesWithShortFor()],
      alertmanager: new URL(alertmanager.url).host,
    });
    prom = prometheus.url;
    // The counters that the flips and the CRD change increase must have a sample from before.
    await eventually(
      "Prometheus scraping both ports",
      async () =>
        (await instantQuery(prom, `count(up{job="${JOB}"} == 1)`))[0]?.value === "2" &&
        (await instantQuery(prom, 'cr_status_condition_transitions_total{name="orders", type="Available"}'))
          .length === 3 &&
        (
          await instantQuery(
            prom,
            'cr_exporter_series_dropped_total{kind="Inventory",reason="series_limit"} > 0',
          )
        ).length > 0,
      30_000,
      250,
    );
    await flipOrders(kc, 8);
    await changeInventoryCrd(kc);
    // The warehouse changes while over the limit: its series are dropped (and counted) again.
    await patchStatus(
      kc.makeApiClient(CustomObjectsApi),
      {
        group: INVENTORY.group,
        version: "v1",
        plural: "inventorys",
        namespace: "platform",
        name: "warehouse",
      },
      { counts: { "bin-300": 300 } },
    );
  });

  after(async () => {
    for (const stop of [
      () => prometheus?.stop(),
      () => alertmanager?.stop(),
      () => exporter?.stop(),
      () => cluster?.stop(),
    ])
      await stop()?.catch(() => undefined);
  });

  it("every rule evaluates without error on the exporter's real series", async () => {
    const rules = await eventually("every rule evaluated", async () => {
      const data = (await (await fetch(`${prom}/api/v1/rules`)).json()) as {
        data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
      };
      const all = data.data.groups.flatMap((g) => g.rules);
      return all.every((r) => r.health !== "unknown") ? all : undefined;
    });
    assert.equal(rules.length, ruleGroups.flatMap((g) => g.rules).length);
    assert.deepEqual(
      rules.filter((r) => r.health !== "ok").map((r) => `${r.name}: ${r.lastError}`),
      [],
    );
  });

  it("the metrics port serves the object metrics, the telemetry port the self-metrics (both scraped)", async () => {
    const instances = async (expr: string) =>
      (await instantQuery(prom, `count by (instance) (${expr})`)).map((s) => s.metric.instance).sort();
    const objects = `127.0.0.1:${exporter!.port}`;
    assert.deepEqual(await instances('{__name__=~"cr_.+", __name__!~"cr_exporter_.+"}'), [objects]);
    assert.deepEqual(await instances('{__name__=~"cr_exporter_.+|process_.+|nodejs_.+"}'), [
      telemetryInstance,
    ]);
    assert.deepEqual(await instances(`up{job="${JOB}"} == 1`), [objects, telemetryInstance].sort());
  });

  it("the alerts the example states call for fire, and no others", async () => {
    assert.deepEqual(
      Object.keys(EXPECTED).sort(),
      alertRules.map((r) => r.alert!).sort(),
      "every alert listed",
    );
    const firing = async () => {
      const byName: Record<string, string[]> = Object.fromEntries(Object.keys(EXPECTED).map((n) => [n, []]));
      for (const a of await prometheusAlerts(prom))
        if (a.state === "firing") {
          const name = a.labels.alertname!;
          byName[name] = [...(byName[name] ?? []), key(identity(a.labels))];
        }
      for (const list of Object.values(byName)) list.sort();
      return byName;
    };
    const expected = Object.fromEntries(Object.entries(EXPECTED).map(([n, list]) => [n, sortedKeys(list)]));
    // ListWatchErrors is the slowest: it needs ~15 failed LISTs in Prometheus' 5m window.
    await eventually(
      "every expected alert firing",
      async () => {
        const now = await firing();
        return Object.entries(expected).every(([n, list]) => list.every((k) => now[n]!.includes(k)));
      },
      90_000,
      500,
    ).catch(() => undefined); // the assertion below shows what is missing
    assert.deepEqual(await firing(), expected);
  });

  it("the firing alerts reach Alertmanager with their labels", async () => {
    const severity = Object.fromEntries(alertRules.map((r) => [r.alert!, r.labels?.severity]));
    const wanted = Object.entries(EXPECTED).flatMap(([alertname, list]) =>
      list.map((i) => key({ alertname, severity: severity[alertname]!, ...i })),
    );
    const received = async () =>
      (await alertmanagerAlerts(alertmanager!.url))
        .filter((a) => a.status.state === "active")
        .map((a) =>
          key({ alertname: a.labels.alertname!, severity: a.labels.severity!, ...identity(a.labels) }),
        );
    await eventually(
      "Alertmanager holds every firing alert",
      async () => {
        const got = await received();
        return wanted.every((w) => got.includes(w));
      },
      30_000,
      500,
    ).catch(() => undefined);
    assert.deepEqual([...new Set(await received())].sort(), wanted.sort());
    // The labels arrive whole: the object's (no version: it is a label of cr_info only), the
    // rule's severity, the scrape's job and instance; the description names the object and says
    // which rule decided the verdict, and the Ready condition's reason where there is one.
    const failed = (await alertmanagerAlerts(alertmanager!.url)).filter(
      (a) => a.labels.alertname === "CustomResourceFailed",
    );
    const billing = failed.find((a) => a.labels.name === "billing");
    assert.deepEqual(billing?.labels, {
      alertname: "CustomResourceFailed",
      severity: "critical",
      group: "gitops.example.com",
      kind: "Application",
      namespace: "platform",
      name: "billing",
      state: "Failed",
      job: JOB,
      instance: `127.0.0.1:${exporter!.port}`,
    });
    const description = (name: string) => failed.find((a) => a.labels.name === name)?.annotations.description;
    assert.equal(
      description("billing"),
      "Application platform/billing (gitops.example.com) has been Failed for more than 5 minutes: condition Stalled=True (Ready reason BuildFailed).",
    );
    assert.equal(
      description("tenants"),
      "Sync platform/tenants (health.example.com) has been Failed for more than 5 minutes: condition Stalled=True (Ready reason BuildFailed).",
    );
    assert.equal(
      description("orders-db"),
      "Database shop/orders-db (health.example.com) has been Failed for more than 5 minutes: phase Degraded.",
    );
  });

  it("every dashboard query returns data for the examples' group, kind, namespace and name", async () => {
    // Grafana's $__rate_interval here is a window covering the whole test, so counters increased
    // at its start (the flips, the CRD change) still count; $__range likewise.
    const builtins = { __rate_interval: "5m", __interval: "15s", __range: "1h", __range_s: "3600" };
    const chosen = {
      group: "queue.example.com",
      kind: "MessageQueue",
      namespace: "shop",
      name: "payments",
      job: JOB,
      instance: telemetryInstance,
    };
    // Queries that need more than one scrape or an event, and how this test provides it (none is
    // skipped; each is polled until it has data or the deadline passes):
    //   rate()/increase() of any counter: two samples in the window (1 s apart);
    //   LIST duration (histogram_quantile of LISTs in the window): the Inventory CRD change;
    //   Scrape duration quantiles: Prometheus' own scrapes of the metrics port;
    //   Watch events: the flips of orders; watch restarts and list/watch errors: the forbidden
    //   kind; series dropped and value errors: the Inventory object.
    const deadline = Date.now() + 60_000;
    const failures: string[] = [];
    let checked = 0;
    for (const { file, dashboard } of loadDashboards()) {
      const { values, options } = await resolveVariables(prom, dashboard, chosen, builtins);
      // Single cluster: no series has a cluster label, so the hidden variable is "All" (.*).
      assert.deepEqual(options.cluster, [], file);
      assert.equal(values.cluster, ".*");
      for (const q of queries(dashboard)) {
        if (q.variable) continue; // evaluated by resolveVariables
        const repeat = q.panel?.repeat;
        const runs = repeat ? options[repeat]!.map((o) => ({ ...values, [repeat]: o })) : [values];
        assert.ok(runs.length > 0, `${file} ${q.where}: nothing to repeat over`);
        for (const run of runs) {
          const expr = substitute(q.expr, run);
          checked++;
          try {
            await eventually(
              "data",
              async () => hasData(await instantQuery(prom, expr)),
              Math.max(0, deadline - Date.now()),
              500,
            );
          } catch (err) {
            failures.push(
              `${file} ${q.where}${repeat ? ` (${run[repeat]})` : ""}: ${(err as Error).message}\n  ${expr}`,
            );
          }
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(checked > 60, `only ${checked} queries checked`);
  });

  it("the Kind dashboard's field variable lists each example kind's numeric fields, not its conditions or timestamps", async () => {
    const d = loadDashboards().find((x) => x.file === "cr-kind.json")!.dashboard;
    const field = variables(d).find((v) => v.name === "field")!;
    const fields = async (group: string, kind: string) => {
      const q = parseVariableQuery(substitute(variableQuery(field), { cluster: ".*", group, kind }));
      assert.equal(q.kind, "label_values");
      const all = q.kind === "label_values" ? await labelValues(prom, q.label, q.selector) : [];
      return all.filter((n) => variableRegex(field)!.test(n)).sort();
    };
    // MessageQueue: spec.replicas, readyReplicas, url (a state set); not observedGeneration,
    // phase or conditions.
    assert.deepEqual(await fields("queue.example.com", "MessageQueue"), [
      "cr_spec_replicas",
      "cr_status_ready_replicas",
      "cr_status_url",
    ]);
    const certificate = await fields("pki.example.com", "Certificate");
    for (const f of [
      "cr_status_failed_issuance_attempts",
      "cr_status_revision",
      "cr_status_renew_before_seconds",
    ])
      assert.ok(certificate.includes(f), `${f} in ${certificate.join(", ")}`);
    assert.ok(
      !certificate.some((f) => f.endsWith("_timestamp_seconds") || f.includes("condition")),
      certificate.join(),
    );
    const application = await fields("gitops.example.com", "Application");
    for (const f of ["cr_status_resource_usage_memory", "cr_status_sync_status", "cr_status_resources_items"])
      assert.ok(application.includes(f), `${f} in ${application.join(", ")}`);
    assert.ok(!application.includes("cr_status_observed_generation"));
  });
});
