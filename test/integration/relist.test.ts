// Relists and stale data on the real API server, with the exporter behind a TCP proxy the tests
// can cut: (1) objects deleted and re-created under the same names while the exporter is cut
// off, etcd compacted, the API server restarted: the 410 relist, one object per page, must never
// let a scrape hold a series twice; (2) LIST/WATCH failing after the first sync: each kind's data
// age grows, the kind is reported stale (self-metric, /readyz?verbose) without failing /readyz,
// and all of it clears when the API server is reachable again; (3) a CRD change restarts the
// kind's reading and keeps its self-metric counters counting.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiextensionsV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import {
  kubeconfigWithServer,
  type RunningExporter,
  SHORT_TIMEOUT_FLAGS,
  startTestExporter,
} from "../helpers/exporter.ts";
import { find } from "../helpers/exposition.ts";
import { applyCrd, testCrd } from "../helpers/kube.ts";
import { startProxy, type TcpProxy } from "../helpers/proxy.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

const API = { group: "relist.example.com", version: "v1", plural: "dummys", namespace: "default" };
const OBJECTS = 200;
const names = Array.from({ length: OBJECTS }, (_, i) => `d-${i}`);
const FLAGS = [...SHORT_TIMEOUT_FLAGS, "--list-page-size", "1"];

/** The series of a text body that occur more than once (a sample line's series is all but its value). */
function duplicates(body: string): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const line of body.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const series = line.slice(0, line.lastIndexOf(" "));
    if (seen.has(series)) twice.push(series);
    seen.add(series);
  }
  return twice;
}

/** The uids in the scrape's cr_info series of our kind. */
function uids(body: string): string[] {
  return [...body.matchAll(/^cr_info\{[^}]*kind="Dummy"[^}]*uid="([^"]+)"/gm)].map((m) => m[1]!);
}

describe("relists and stale data", { timeout: 300_000 }, () => {
  let cluster: Cluster;
  let kc: KubeConfig;
  let objects: CustomObjectsApi;
  let proxy: TcpProxy;
  let exporter: RunningExporter;

  const createAll = async () => {
    for (const name of names)
      await objects.createNamespacedCustomObject({
        ...API,
        body: {
          apiVersion: "relist.example.com/v1",
          kind: "Dummy",
          metadata: { name },
          spec: { replicas: 1 },
        },
      });
  };
  const body = async () => (await fetch(`http://127.0.0.1:${exporter.port}/metrics`)).text();
  const telemetry = async () => (await scrape(exporter.telemetryPort)).parsed;

  before(async () => {
    cluster = await startCluster();
    kc = cluster.kubeConfig();
    objects = kc.makeApiClient(CustomObjectsApi);
    await applyCrd(kc, testCrd({ group: API.group, kind: "Dummy" }));
    await createAll();
    const url = new URL(cluster.server);
    proxy = await startProxy(url.hostname, Number(url.port));
    exporter = await startTestExporter(
      kubeconfigWithServer(cluster.kubeconfigPath, `https://127.0.0.1:${proxy.port}`),
      FLAGS,
    );
    await eventually("every object exported", async () => uids(await body()).length === OBJECTS, 60_000);
  });

  after(async () => {
    await exporter?.stop();
    await proxy?.stop();
    await cluster?.stop();
  });

  it("never serves a series twice while a 410 relist finds objects re-created under the same names", async (t) => {
    const oldUids = new Set(uids(await body()));
    assert.equal(oldUids.size, OBJECTS);
    proxy.setMode("refuse");
    for (const name of names) await objects.deleteNamespacedCustomObject({ ...API, name });
    await createAll();
    // Compact etcd to its current revision and restart the API server, so its watch cache starts
    // after the exporter's last resourceVersion: resuming the watch must answer 410.
    await cluster.compactAndRestart();
    proxy.setMode("forward");

    // Scrape as fast as possible until every object shows its new uid.
    let scrapes = 0;
    let midRelist = 0;
    const doubled: string[] = [];
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      const text = await body();
      scrapes++;
      doubled.push(...duplicates(text));
      const now = uids(text);
      const old = now.filter((u) => oldUids.has(u)).length;
      if (old > 0 && old < now.length) midRelist++;
      if (now.length === OBJECTS && old === 0) break;
    }
    t.diagnostic(`${scrapes} scrapes, ${midRelist} mid-relist, ${doubled.length} doubled series`);
    assert.deepEqual(
      doubled.slice(0, 5),
      [],
      `series served twice (${doubled.length} in ${scrapes} scrapes)`,
    );
    assert.ok(
      midRelist > 0,
      `some scrapes happened mid-relist (old and new uids): ${midRelist} of ${scrapes}`,
    );
    const final = await body();
    assert.equal(uids(final).length, OBJECTS);
    assert.ok(
      uids(final).every((u) => !oldUids.has(u)),
      "every object under its new uid",
    );
    const gone = find(await telemetry(), "cr_exporter_watch_restarts_total", {
      kind: "Dummy",
      reason: "gone",
    });
    assert.ok(gone.length === 1 && gone[0]!.value > 0, "the watch was answered 410 and the kind relisted");
  });

  it("reports a kind's data as stale while LIST/WATCH fail, without failing /readyz, and clears it", async () => {
    const verbose = async () => {
      const res = await fetch(`http://127.0.0.1:${exporter.port}/readyz?verbose`);
      return { status: res.status, text: await res.text() };
    };
    // Healthy: a quiet kind is not stale (idle watches are re-established, and that counts).
    const healthy = await telemetry();
    assert.equal(find(healthy, "cr_exporter_kind_stale", { kind: "Dummy" })[0]?.value, 0);
    assert.match((await verbose()).text, /dummys\.relist\.example\.com\S* synced: data age \d+s/);

    proxy.setMode("refuse");
    // Stale after 2 × (idle timeout 3 s + backoff max 2 s) = 10 s without data.
    const stale = await eventually(
      "kind reported stale",
      async () => {
        const t = await telemetry();
        return find(t, "cr_exporter_kind_stale", { kind: "Dummy" })[0]?.value === 1 ? t : undefined;
      },
      60_000,
      500,
    );
    const age = find(stale, "cr_exporter_kind_data_age_seconds", { kind: "Dummy" })[0]!.value;
    assert.ok(age > 10, `data age ${age} s beyond the stale threshold`);
    const synced = find(stale, "cr_exporter_kind_last_sync_timestamp_seconds", { kind: "Dummy" })[0]!.value;
    assert.ok(Math.abs(Date.now() / 1000 - age - synced) < 5, "age and last-sync timestamp agree");
    const during = await verbose();
    assert.equal(during.status, 200, "stale data does not fail readiness (documented decision)");
    assert.match(during.text, /dummys\.relist\.example\.com\S* synced: stale, no list\/watch data for \d+s/);

    proxy.setMode("forward");
    await eventually(
      "stale cleared",
      async () => find(await telemetry(), "cr_exporter_kind_stale", { kind: "Dummy" })[0]?.value === 0,
      60_000,
      500,
    );
    assert.match((await verbose()).text, /dummys\.relist\.example\.com\S* synced: data age \d+s/);
  });
  it("restarts a kind whose CRD changed without starting its self-metric counters over", async () => {
    const lists = async () =>
      find(await telemetry(), "cr_exporter_list_duration_seconds_count", { kind: "Dummy" })[0]?.value;
    const before = await lists();
    assert.ok(before !== undefined && before >= 1, "the kind's first LIST was counted");
    // A new description in the schema: the exporter reads the kind again from a new LIST.
    const api = kc.makeApiClient(ApiextensionsV1Api);
    const name = `dummys.${API.group}`;
    const crd = await api.readCustomResourceDefinition({ name });
    crd.spec.versions[0]!.schema!.openAPIV3Schema!.description = "changed by the test";
    await api.replaceCustomResourceDefinition({ name, body: crd });
    await eventually("the relist counted", async () => (await lists()) !== before, 60_000, 200);
    // Removed and made again, the count would be 1: a scrape could not tell it from no change.
    assert.equal(await lists(), before + 1);
    await eventually(
      "every object exported again",
      async () => uids(await body()).length === OBJECTS,
      60_000,
    );
  });

  it("reports stale a kind whose conversion webhook goes down after its first sync", async () => {
    // Read at v2 (preferred), stored at v1: every object served needs a conversion.
    const conv = { group: "conv.example.com", version: "v1", plural: "convs", namespace: "default" };
    await applyCrd(kc, testCrd({ group: conv.group, kind: "Conv", versions: ["v1", "v2"], storage: "v1" }));
    await objects.createNamespacedCustomObject({
      ...conv,
      body: {
        apiVersion: "conv.example.com/v1",
        kind: "Conv",
        metadata: { name: "c1" },
        spec: { replicas: 1 },
      },
    });
    await eventually("Conv exported", async () => (await body()).includes('kind="Conv"'), 60_000);
    const stale = async () => find(await telemetry(), "cr_exporter_kind_stale", { kind: "Conv" })[0]?.value;
    assert.equal(await stale(), 0);
    // The conversion webhook goes down: the CRD now converts through an address nothing listens on.
    const api = kc.makeApiClient(ApiextensionsV1Api);
    const crd = await api.readCustomResourceDefinition({ name: "convs.conv.example.com" });
    crd.spec.conversion = {
      strategy: "Webhook",
      webhook: { conversionReviewVersions: ["v1"], clientConfig: { url: "https://127.0.0.1:1/convert" } },
    };
    await api.replaceCustomResourceDefinition({ name: "convs.conv.example.com", body: crd });
    // The API server rebuilds the kind's storage: watches end, and requests answer 429 or 500.
    await eventually("Conv reported stale", async () => (await stale()) === 1, 60_000, 500);
    const age = async () =>
      find(await telemetry(), "cr_exporter_kind_data_age_seconds", { kind: "Conv" })[0]?.value ?? 0;
    const ageThen = await age();
    await objects.createNamespacedCustomObject({
      ...conv,
      body: {
        apiVersion: "conv.example.com/v1",
        kind: "Conv",
        metadata: { name: "c2" },
        spec: { replicas: 1 },
      },
    });
    await eventually("the data age keeps growing", async () => (await age()) > ageThen + 3, 30_000, 500);
    assert.ok(!(await body()).includes('name="c2"'), "the object created meanwhile is not exported");
    assert.equal(await stale(), 1);
    const ready = await fetch(`http://127.0.0.1:${exporter.port}/readyz?verbose`);
    assert.equal(ready.status, 200, "a stale kind does not fail readiness");
    assert.match(
      await ready.text(),
      /convs\.conv\.example\.com\S* synced: stale, no list\/watch data for \d+s/,
    );
  });
});
