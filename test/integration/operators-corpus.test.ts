// The real-operator corpus on a real API server: every CRD of test/fixtures/operators applied,
// every object created and its status written the way its controller writes it (through
// /status with a PUT; kinds without the subresource carry it on create), then the exporter,
// zero-config, against it. Checks the contract of docs/metrics.md end to end: every object
// exported within its kind's budget, no prose label, Prometheus' parser accepts the body, the
// key signals of SIGNALS.yaml that do not depend on generation (the server starts every object
// at generation 1); then a new preferred version added to CRDs with objects changes no series
// but cr_info's version label (issue 15 point 3).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  loadYaml,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import type { KubeObject } from "../../src/mapping/types.ts";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { type CorpusKind, loadCorpus, loadSignals } from "../helpers/corpus.ts";
import { BUDGET, expectationOf, findSeries } from "../helpers/corpus-contract.ts";
import { type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { find, type ParsedExposition } from "../helpers/exposition.ts";
import { applyCrd } from "../helpers/kube.ts";
import { promtoolParses } from "../helpers/promtool.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

const corpus = loadCorpus();
const signals = loadSignals();
const NS = "corpus";

function plural(k: CorpusKind): string {
  return k.info.plural;
}

/** What the API server accepts on create: no server-owned metadata, no status. */
function forCreate(obj: KubeObject): Record<string, unknown> {
  const {
    uid: _u,
    creationTimestamp: _c,
    generation: _g,
    deletionTimestamp: _d,
    resourceVersion: _r,
    ...metadata
  } = (obj.metadata ?? {}) as Record<string, unknown>;
  const { status: _s, ...rest } = obj;
  return { ...rest, metadata };
}

const hasStatusSubresource = (k: CorpusKind) => {
  const versions = (k.crd.spec as { versions: Array<{ name: string; subresources?: { status?: object } }> })
    .versions;
  return versions.find((v) => v.name === k.info.version)?.subresources?.status !== undefined;
};

async function createObject(objects: CustomObjectsApi, k: CorpusKind, obj: KubeObject): Promise<void> {
  const { group, version } = k.info;
  const body = forCreate(obj);
  const withStatus = obj.status !== undefined && !hasStatusSubresource(k);
  if (withStatus) body.status = obj.status;
  const created = (
    k.info.namespaced
      ? await objects.createNamespacedCustomObject({ group, version, plural: plural(k), namespace: NS, body })
      : await objects.createClusterCustomObject({ group, version, plural: plural(k), body })
  ) as { metadata: { resourceVersion: string } };
  if (obj.status === undefined || withStatus) return;
  // A PUT of the whole object to /status (a merge patch would drop keys whose value is null).
  const update = {
    ...body,
    metadata: { ...(body.metadata as object), resourceVersion: created.metadata.resourceVersion },
    status: obj.status,
  };
  const name = obj.metadata!.name!;
  if (k.info.namespaced)
    await objects.replaceNamespacedCustomObjectStatus({
      group,
      version,
      plural: plural(k),
      namespace: NS,
      name,
      body: update,
    });
  else
    await objects.replaceClusterCustomObjectStatus({ group, version, plural: plural(k), name, body: update });
}

/** Series of one object: `name{labels}` (without the object labels and cr_info), sorted. */
function identities(parsed: ParsedExposition, group: string): string[] {
  return parsed.samples
    .filter((s) => s.labels.group === group && s.name !== "cr_info")
    .map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`)
    .sort();
}

describe("the real-operator corpus on a real API server", { timeout: 600_000 }, () => {
  let cluster: Cluster;
  let exporter: RunningExporter;
  let parsed: ParsedExposition;
  const total = corpus.reduce((n, k) => n + k.objects.length, 0);

  before(async () => {
    cluster = await startCluster();
    const kc = cluster.kubeConfig();
    for (const k of corpus) await applyCrd(kc, k.crd);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    const objects = kc.makeApiClient(CustomObjectsApi);
    for (const k of corpus) for (const o of k.objects) await createObject(objects, k, o);
    exporter = await startTestExporter(cluster.kubeconfigPath);
    parsed = await eventually(
      `all ${total} corpus objects exported with their status`,
      async () => {
        const p = (await scrape(exporter.port)).parsed;
        const withStatus = corpus.every((k) =>
          k.objects
            .filter((o) => o.status !== undefined)
            .every((o) =>
              find(p, "cr_health_reason", { kind: k.info.kind, name: o.metadata!.name! }).some(
                (s) => s.labels.reason !== "no status",
              ),
            ),
        );
        return find(p, "cr_info").length === total && withStatus ? p : undefined;
      },
      180_000,
      500,
    );
  });

  after(async () => {
    await exporter?.stop();
    await cluster?.stop();
  });

  it("exports every object within its kind's series budget", () => {
    for (const k of corpus) {
      for (const o of k.objects) {
        const n = parsed.samples.filter(
          (s) =>
            s.labels.group === k.info.group &&
            s.labels.kind === k.info.kind &&
            s.labels.name === o.metadata?.name,
        ).length;
        assert.ok(
          n > 0 && n <= BUDGET[`${k.info.group}/${k.info.kind}`]!,
          `${k.info.kind} ${o.metadata?.name}: ${n}`,
        );
      }
    }
  });

  it("serves a body Prometheus' parser accepts, with no prose label", async () => {
    const { body } = await scrape(exporter.port);
    const r = promtoolParses(body);
    assert.ok(r.ok, r.output);
    for (const s of parsed.samples) {
      for (const [label, value] of Object.entries(s.labels)) {
        if (s.name === "cr_health_reason" || label === "name") continue;
        assert.ok(
          value.length <= 128 && !value.includes("\n") && !/[.:;!?]\s/.test(value),
          `${s.name}{${label}=${value}}`,
        );
      }
    }
  });

  it("exports the key signals of every kind (those not tied to the object's generation)", () => {
    let checked = 0;
    for (const sk of signals) {
      const k = corpus.find((c) => c.info.group === sk.group && c.info.kind === sk.kind)!;
      for (const s of sk.signals) {
        if (/generation/i.test(s.field)) continue;
        const obj = k.objects.find((o) => o.metadata?.name === s.object)!;
        const e = expectationOf(k, s, obj);
        if (e === undefined) continue;
        const found = findSeries(parsed, {
          ...e,
          labels: { ...e.labels, kind: k.info.kind, name: s.object },
        });
        assert.equal(found.length, 1, `${sk.kind} ${s.object} ${s.field}: ${e.family}`);
        assert.equal(found[0]!.value, e.value, `${sk.kind} ${s.object} ${s.field}`);
        checked++;
      }
    }
    assert.ok(checked > 150, `${checked} signals checked`);
  });

  it("keeps every series but cr_info when a CRD gains a new preferred version", async () => {
    const kc = cluster.kubeConfig();
    const api = kc.makeApiClient(ApiextensionsV1Api);
    const bumped = corpus.filter((k) =>
      ["cert-manager.io", "kustomize.toolkit.fluxcd.io", "keda.sh"].includes(k.info.group),
    );
    const beforeIds = new Map(bumped.map((k) => [k.info.group, identities(parsed, k.info.group)]));
    for (const k of bumped) {
      const name = `${k.info.plural}.${k.info.group}`;
      const current = await api.readCustomResourceDefinition({ name });
      const crd = JSON.parse(JSON.stringify(current)) as {
        spec: { versions: Array<Record<string, unknown>> };
      };
      const served = crd.spec.versions.find((v) => v.name === k.info.version)!;
      for (const v of crd.spec.versions) v.storage = false;
      // v99 sorts above every served version (Kubernetes version priority), so it becomes preferred.
      crd.spec.versions.push({ ...served, name: "v99", storage: true });
      const model = loadYaml<V1CustomResourceDefinition>(JSON.stringify(crd));
      await api.replaceCustomResourceDefinition({ name, body: model });
    }
    const after = await eventually(
      "the bumped kinds read at v99",
      async () => {
        const p = (await scrape(exporter.port)).parsed;
        const ok = bumped.every((k) => {
          const infos = find(p, "cr_info", { group: k.info.group });
          return infos.length === k.objects.length && infos.every((s) => s.labels.version === "v99");
        });
        return ok ? p : undefined;
      },
      120_000,
      500,
    );
    for (const k of bumped) {
      assert.deepEqual(
        identities(after, k.info.group),
        beforeIds.get(k.info.group),
        `${k.info.kind}: same series`,
      );
    }
  });
});
