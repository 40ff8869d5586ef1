import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createAutoMapper, parseAllowlist } from "../../src/mapping/auto/index.ts";
import type { JsonSchema, KindInfo, KubeObject, MappingResult } from "../../src/mapping/types.ts";
import { find, parseExposition, sampleValue } from "../helpers/exposition.ts";
import { kindOf, loadYaml, mapAll, messageQueueFixtures, render } from "./auto-helpers.ts";

const mq = messageQueueFixtures();
const db = {
  kind: kindOf(loadYaml("databasecluster-crd.yaml")[0]),
  objects: loadYaml("databaseclusters.yaml"),
};

/** A kind without a schema (every field walked by its runtime type). */
const loose: KindInfo = { group: "x.io", version: "v1", kind: "Thing", plural: "things", namespaced: true };

/** The schemaless kind with a schema for these status fields. */
function withStatus(properties: Record<string, JsonSchema>): KindInfo {
  return { ...loose, schema: { properties: { status: { properties } } } };
}

function thing(status: unknown, extra: Partial<KubeObject> = {}): KubeObject {
  return { metadata: { name: "t", namespace: "ns", uid: "u-t" }, status, ...extra };
}

const reasons = (r: MappingResult) => (r.issues ?? []).map((i) => i.reason);

describe("auto mapper: the seed's MessageQueue", () => {
  const { parsed, text, results } = mapAll(mq.kind, mq.objects);
  const orders = { namespace: "shop", name: "orders" };
  const payments = { namespace: "shop", name: "payments" };

  it("emits cr_info with the object labels first, in order, then the served version and the uid", () => {
    assert.match(
      text,
      /^cr_info\{group="queue\.example\.com",kind="MessageQueue",namespace="shop",name="orders",version="v1",uid="6f1c3a52-0001-4c1e-9a53-3f2f0c1d0001"\} 1$/m,
    );
    assert.equal(find(parsed, "cr_info").length, 4);
  });

  it("puts the served version on cr_info only, so a version bump keeps every other series' identity", () => {
    const withVersion = parsed.samples.filter((s) => "version" in s.labels).map((s) => s.name);
    assert.deepEqual([...new Set(withVersion)], ["cr_info"]);
    const v2 = mapAll({ ...mq.kind, version: "v2" }, mq.objects);
    const ids = (p: typeof parsed) =>
      p.samples
        .filter((s) => s.name !== "cr_info")
        .map((s) => `${s.name}${JSON.stringify(s.labels)}`)
        .sort();
    assert.deepEqual(ids(v2.parsed), ids(parsed));
  });

  it("exports readyReplicas, spec.replicas and observedGeneration as gauges", () => {
    assert.equal(sampleValue(parsed, "cr_status_ready_replicas", payments), 1);
    assert.equal(sampleValue(parsed, "cr_spec_replicas", payments), 3);
    assert.equal(sampleValue(parsed, "cr_status_observed_generation", orders), 2);
    assert.equal(sampleValue(parsed, "cr_metadata_generation", orders), 2);
    assert.equal(parsed.types.get("cr_status_ready_replicas"), "gauge");
  });

  it("exports the phase as a state set with the schema's other values at 0", () => {
    assert.equal(sampleValue(parsed, "cr_status_phase", { ...payments, phase: "Degraded" }), 1);
    for (const p of ["Provisioning", "Ready", "Failed"]) {
      assert.equal(sampleValue(parsed, "cr_status_phase", { ...payments, phase: p }), 0);
    }
  });

  it("exports one condition series per status so == 1 queries work", () => {
    assert.equal(
      sampleValue(parsed, "cr_status_condition", { ...payments, type: "Available", status: "False" }),
      1,
    );
    assert.equal(
      sampleValue(parsed, "cr_status_condition", { ...payments, type: "Available", status: "True" }),
      0,
    );
    assert.equal(
      sampleValue(parsed, "cr_status_condition", { ...payments, type: "Available", status: "Unknown" }),
      0,
    );
    assert.equal(
      sampleValue(parsed, "cr_status_condition", {
        namespace: "platform",
        name: "audit-log",
        type: "Ready",
        status: "Unknown",
      }),
      1,
    );
  });

  it("exports reason and last transition time per condition, never the message", () => {
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
        ...orders,
        type: "Ready",
      }),
      Date.parse("2026-11-01T09:02:11.5Z") / 1000,
    );
    assert.equal(
      sampleValue(parsed, "cr_status_condition_last_transition_timestamp_seconds", {
        ...payments,
        type: "Ready",
      }),
      Date.parse("2026-11-24T21:15:01Z") / 1000,
    );
    assert.equal(
      sampleValue(parsed, "cr_status_condition_observed_generation", { ...orders, type: "Available" }),
      2,
    );
    assert.doesNotMatch(text, /crash-looping|waiting for replicas|message/);
  });

  it("exports a plain string (url) as a 1-valued series labeled with the value", () => {
    assert.equal(sampleValue(parsed, "cr_status_url", { ...orders, url: "amqp://orders.shop.svc:5672" }), 1);
  });

  it("computes cr_health with the health rules and says which rule decided in cr_health_reason", () => {
    const health = (name: string) =>
      find(parsed, "cr_health", { name }).find((s) => s.value === 1)?.labels.state;
    const reason = (name: string) => find(parsed, "cr_health_reason", { name }).map((s) => s.labels);
    assert.equal(health("orders"), "Current");
    // payments: phase Degraded and Ready=False with reason Degraded: failing, not progressing.
    assert.equal(health("payments"), "Failed");
    assert.equal(health("audit-log"), "InProgress"); // generation 2, observed 1
    assert.equal(health("legacy"), "Terminating");
    assert.equal(find(parsed, "cr_health", { name: "orders" }).length, 5);
    const r = reason("audit-log");
    assert.equal(r.length, 1, "one reason series per object");
    assert.equal(r[0]?.state, "InProgress");
    assert.match(r[0]?.reason ?? "", /generation/);
  });

  it("exports metadata timestamps", () => {
    assert.equal(
      sampleValue(parsed, "cr_created_timestamp_seconds", orders),
      Date.parse("2026-11-01T09:00:00Z") / 1000,
    );
    assert.equal(
      sampleValue(parsed, "cr_deletion_timestamp_seconds", { name: "legacy" }),
      Date.parse("2026-11-26T12:00:00Z") / 1000,
    );
    assert.equal(find(parsed, "cr_deletion_timestamp_seconds", orders).length, 0);
  });

  it("types every family as a gauge except the _total counters, with a HELP each", () => {
    for (const [name, type] of parsed.types) {
      assert.equal(type, name.endsWith("_total") ? "counter" : "gauge", name);
      assert.ok((parsed.helps.get(name) ?? "").length > 10, name);
    }
  });

  it("reports no issues for valid objects", () => {
    for (const r of results) assert.deepEqual(r.issues ?? [], []);
  });
});

describe("auto mapper: value shapes (DatabaseCluster fixture)", () => {
  const { parsed, text, results } = mapAll(db.kind, db.objects);
  const v = (name: string, labels: Record<string, string> = {}) => sampleValue(parsed, name, labels);

  it("numbers, integers and booleans", () => {
    assert.equal(v("cr_status_replicas"), 3);
    assert.equal(v("cr_status_available"), 1);
    assert.equal(v("cr_status_members_ready", { members_name: "db-2" }), 0);
  });

  it("int-or-string, quantities and percentages", () => {
    assert.equal(v("cr_status_cpu"), 0.25);
    assert.equal(v("cr_status_max_unavailable"), 0.25);
    assert.equal(v("cr_status_storage_used"), 10 * 2 ** 30);
    assert.equal(v("cr_status_backup_size"), 1.5 * 2 ** 30);
    assert.equal(v("cr_status_progress"), 0.875);
    assert.equal(v("cr_status_backup_completed"), 1);
  });

  it("Go durations in seconds, in a `_seconds` family (`5m` is five minutes in a time-named field)", () => {
    assert.equal(v("cr_status_replication_lag_seconds"), 0.25);
    assert.equal(v("cr_status_check_interval_seconds"), 300);
    assert.equal(v("cr_status_backup_last_duration_seconds"), 3723);
    assert.equal(v("cr_status_members_lag_seconds", { members_name: "db-2" }), 5400);
    assert.equal(v("cr_status_members_lag_seconds", { members_name: "db-1" }), 1.5);
    assert.equal(parsed.types.has("cr_status_check_interval"), false);
  });

  it("RFC 3339 timestamps anywhere, by format or by value, with fractions and zones", () => {
    assert.equal(v("cr_status_last_backup_timestamp_seconds"), Date.parse("2026-01-02T23:00:00.250Z") / 1000);
    assert.equal(v("cr_status_started_at_timestamp_seconds"), Date.parse("2026-01-02T03:05:00Z") / 1000);
    assert.equal(
      v("cr_status_members_last_seen_timestamp_seconds", { members_name: "db-1" }),
      Date.parse("2026-01-03T10:00:01Z") / 1000,
    );
    assert.equal(
      v("cr_status_extra_leader_since_timestamp_seconds"),
      Date.parse("2026-01-02T04:00:00Z") / 1000,
    );
  });

  it("strings as state sets: enum values at 0, unknown strings still 1", () => {
    assert.equal(v("cr_status_members_role", { members_name: "db-0", role: "primary" }), 1);
    assert.equal(v("cr_status_members_role", { members_name: "db-0", role: "replica" }), 0);
    assert.equal(v("cr_status_postgres_version", { postgres_version: "16.2.1" }), 1);
    assert.equal(v("cr_status_extra_mode", { mode: "streaming" }), 1);
  });

  it("free text is never a label", () => {
    for (const t of [
      "2 of 3 members ready",
      "connection refused",
      "waiting for member",
      "backup 42 done",
      '"ok"',
    ]) {
      assert.ok(!text.includes(t), t);
    }
    for (const name of [
      "cr_status_message",
      "cr_status_last_error",
      "cr_status_status_detail",
      "cr_status_members_message",
    ]) {
      assert.equal(parsed.types.has(name), false, name);
    }
  });

  it("lists with declared list-map keys: per item; other lists: their length only, never by index", () => {
    assert.equal(v("cr_status_members_items"), 3);
    assert.equal(find(parsed, "cr_status_members_ready").length, 3);
    assert.equal(parsed.types.has("cr_status_members_name"), false, "key fields are labels, not families");
    // endpoints declare no keys: no per-item series, whatever the items hold.
    assert.equal(v("cr_status_endpoints_items"), 2);
    assert.equal(parsed.types.has("cr_status_endpoints_port"), false);
    assert.equal(parsed.types.has("cr_status_endpoints_host"), false);
    assert.ok(!parsed.samples.some((s) => Object.keys(s.labels).some((k) => k.endsWith("_index"))));
  });

  it("lists of scalars: their length; enum items counted by value, 0 for absent enum values", () => {
    assert.equal(v("cr_status_zones_items"), 3);
    assert.equal(parsed.types.has("cr_status_zones"), false);
    assert.equal(v("cr_status_ports_items"), 2);
    assert.equal(parsed.types.has("cr_status_ports"), false);
    assert.equal(v("cr_status_features_items"), 2);
    assert.equal(v("cr_status_features_value_items", { features: "tls" }), 1);
    assert.equal(v("cr_status_features_value_items", { features: "pitr" }), 0);
  });

  it("maps put their key in a label", () => {
    assert.equal(v("cr_status_replicas_by_zone", { replicas_by_zone_key: "eu-west-1a" }), 2);
    assert.equal(v("cr_status_replicas_by_zone_items"), 2);
    assert.equal(
      v("cr_status_component_states", { component_states_key: "exporter", component_states: "Failed" }),
      1,
    );
    assert.equal(
      v("cr_status_component_states", { component_states_key: "exporter", component_states: "Running" }),
      0,
    );
    assert.equal(v("cr_status_extra_per_node_bytes", { per_node_key: "db-1" }), 2048);
  });

  it("condition lists anywhere, named after their field", () => {
    assert.equal(v("cr_status_backup_condition", { type: "Succeeded", status: "True" }), 1);
    assert.equal(v("cr_status_backup_condition_reason", { type: "Succeeded", reason: "Completed" }), 1);
    assert.equal(
      v("cr_status_members_condition", { members_name: "db-0", type: "Synced", status: "True" }),
      1,
    );
    assert.equal(v("cr_status_condition", { type: "Ready", status: "False" }), 1);
  });

  it("spec allowlist defaults to replicas, suspend, paused", () => {
    assert.equal(v("cr_spec_replicas"), 3);
    assert.equal(v("cr_spec_paused"), 0);
    assert.equal(parsed.types.has("cr_spec_storage"), false);
  });

  it("reports no issues", () => {
    assert.deepEqual(results[0]!.issues ?? [], []);
  });
});

describe("auto mapper: options", () => {
  it("spec allowlist can be changed (quantities, enums, dotted paths)", () => {
    const obj = db.objects[0] as KubeObject;
    const { parsed } = mapAll(
      db.kind,
      [{ ...obj, spec: { ...(obj.spec as object), template: { size: 2 } } }],
      {
        specFields: ["storage", "tier", "template.size"],
      },
    );
    assert.equal(sampleValue(parsed, "cr_spec_storage"), 100 * 2 ** 30);
    assert.equal(sampleValue(parsed, "cr_spec_tier", { tier: "prod" }), 1);
    assert.equal(sampleValue(parsed, "cr_spec_tier", { tier: "dev" }), 0);
    assert.equal(sampleValue(parsed, "cr_spec_template_size"), 2);
    assert.equal(parsed.types.has("cr_spec_replicas"), false);
  });

  it("exports allowlisted labels and annotations, sanitized as label_<key> / annotation_<key>", () => {
    const { parsed } = mapAll(db.kind, db.objects, {
      labelsAllowlist: parseAllowlist("databaseclusters=[team,app.kubernetes.io/name,missing]"),
      annotationsAllowlist: parseAllowlist("*=[*]"),
    });
    const [labels] = find(parsed, "cr_labels");
    assert.deepEqual(
      { team: labels?.labels.label_team, name: labels?.labels.label_app_kubernetes_io_name },
      { team: "storage", name: "postgres" },
    );
    assert.equal(labels?.labels.label_missing, undefined);
    assert.equal(find(parsed, "cr_annotations")[0]?.labels.annotation_description, "the main database");
  });

  it("does not export labels without an allowlist, or for another resource", () => {
    assert.equal(mapAll(db.kind, db.objects).parsed.types.has("cr_labels"), false);
    const other = mapAll(db.kind, db.objects, { labelsAllowlist: parseAllowlist("messagequeues=[team]") });
    assert.equal(other.parsed.types.has("cr_labels"), false);
  });

  it("reports label keys that collide after sanitizing, keeping the first (sorted)", () => {
    const obj = thing({}, { metadata: { name: "t", labels: { "a.b": "1", a_b: "2" } } });
    const { parsed, results } = mapAll(loose, [obj], { labelsAllowlist: parseAllowlist("*=[*]") });
    assert.equal(find(parsed, "cr_labels")[0]?.labels.label_a_b, "1");
    assert.deepEqual(reasons(results[0]!), ["label_name_collision"]);
  });

  it("rejects an invalid metric prefix when created, not while mapping", () => {
    assert.throws(() => createAutoMapper({ prefix: "9-bad" }), /metric prefix "9-bad"/);
  });

  it("honours the metric prefix, including none", () => {
    const acme = mapAll(mq.kind, mq.objects, { prefix: "acme_" }).parsed;
    assert.ok(
      acme.types.has("acme_info") && acme.types.has("acme_status_condition") && acme.types.has("acme_health"),
    );
    const bare = mapAll(mq.kind, mq.objects, { prefix: "" }).parsed;
    assert.ok(bare.types.has("info") && bare.types.has("status_phase") && bare.types.has("spec_replicas"));
  });
});

describe("auto mapper: naming", () => {
  it("snake_cases nested paths and folds _time into _timestamp_seconds", () => {
    const { parsed } = mapAll(loose, [
      thing({
        replicaStatus: { readyReplicas: 2 },
        lastScheduleTime: "2026-01-01T00:00:00Z",
        expirationTimestamp: "2026-01-01T00:00:00Z",
        HTTPSPort: 443,
        "tls.crt": true,
      }),
    ]);
    for (const name of [
      "cr_status_replica_status_ready_replicas",
      "cr_status_last_schedule_timestamp_seconds",
      "cr_status_expiration_timestamp_seconds",
      "cr_status_https_port",
      "cr_status_tls_crt",
    ]) {
      assert.ok(parsed.types.has(name), name);
    }
  });

  it("keeps the first of two fields that snake_case to one name, and reports it", () => {
    const { parsed, results } = mapAll(loose, [thing({ fooBar: 1, foo_bar: 2 })]);
    assert.equal(sampleValue(parsed, "cr_status_foo_bar"), 1);
    assert.deepEqual(reasons(results[0]!), ["name_collision"]);
  });

  it("never reuses an object label name (name, kind, namespace) or job/instance", () => {
    const { parsed } = mapAll(loose, [
      thing({ name: "x", kind: "y", namespace: "z", instance: "i", job: "j" }),
    ]);
    assert.equal(sampleValue(parsed, "cr_status_name", { name: "t", status_name: "x" }), 1);
    assert.equal(sampleValue(parsed, "cr_status_kind", { kind: "Thing", status_kind: "y" }), 1);
    assert.equal(sampleValue(parsed, "cr_status_namespace", { namespace: "ns", status_namespace: "z" }), 1);
    assert.equal(sampleValue(parsed, "cr_status_instance", { status_instance: "i" }), 1);
    assert.equal(sampleValue(parsed, "cr_status_job", { status_job: "j" }), 1);
  });

  it("omits the namespace label for cluster-scoped kinds", () => {
    const cluster: KindInfo = { ...loose, namespaced: false };
    const { parsed } = mapAll(cluster, [{ metadata: { name: "c", uid: "u" }, status: { ok: true } }]);
    assert.deepEqual(find(parsed, "cr_status_ok")[0]?.labels, {
      group: "x.io",
      kind: "Thing",
      name: "c",
    });
  });

  it("escapes label values (quotes, backslashes, newlines) so no value can inject a line", () => {
    const evil = 'a"b\\c\nd} 1\ncr_info{name="x"} 1';
    const { parsed, text } = mapAll(loose, [
      thing({ byKey: { [evil]: 1 }, conditions: [{ type: evil, status: "True" }] }),
    ]);
    assert.equal(sampleValue(parsed, "cr_status_by_key", { by_key_key: evil }), 1);
    assert.equal(sampleValue(parsed, "cr_status_condition", { type: evil, status: "True" }), 1);
    assert.equal(find(parsed, "cr_info").length, 1);
    assert.equal(text.split("\n").filter((l) => l.startsWith("cr_info")).length, 1);
  });
});

describe("auto mapper: lists", () => {
  it("never exports a list without declared keys per item: its length and counts by state fields", () => {
    const { parsed } = mapAll(loose, [
      thing({
        resources: [
          { kind: "Service", name: "api", status: "Synced", health: { status: "Healthy" }, v: 1 },
          { kind: "Deployment", name: "api", status: "OutOfSync", health: { status: "Degraded" }, v: 2 },
          { kind: "ConfigMap", name: "cfg", status: "Synced", v: 3 },
        ],
      }),
    ]);
    assert.equal(sampleValue(parsed, "cr_status_resources_items"), 3);
    assert.equal(sampleValue(parsed, "cr_status_resources_status_items", { status: "Synced" }), 2);
    assert.equal(sampleValue(parsed, "cr_status_resources_status_items", { status: "OutOfSync" }), 1);
    assert.equal(sampleValue(parsed, "cr_status_resources_health_status_items", { status: "Degraded" }), 1);
    // Names, kinds and numbers of the items are not series: the count cannot grow with the list.
    assert.equal(parsed.types.has("cr_status_resources_v"), false);
    assert.ok(!parsed.samples.some((s) => Object.values(s.labels).includes("api")));
  });

  it("gives the same series for a list whatever its order and whether names repeat", () => {
    const items = Array.from({ length: 40 }, (_, i) => ({
      name: `r${i % 7}`,
      status: i % 3 === 0 ? "OutOfSync" : "Synced",
    }));
    const ids = (list: unknown[]) =>
      mapAll(loose, [thing({ resources: list })])
        .parsed.samples.map((s) => `${s.name}${JSON.stringify(s.labels)}=${s.value}`)
        .sort();
    const unique = items.map((it, i) => ({ ...it, name: `r${i}` }));
    assert.deepEqual(ids([...items].reverse()), ids(items));
    const keys = (list: unknown[]) => ids(list).map((x) => x.replace(/=.*$/, ""));
    assert.deepEqual(keys(unique), keys(items), "label sets do not depend on whether names repeat");
    assert.ok(ids(items).length < 12, "a handful of series for 40 items");
  });

  const keyedKind: KindInfo = withStatus({
    ports: {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["port", "protocol"],
      items: {
        type: "object",
        properties: {
          port: { type: "integer" },
          protocol: { type: "string" },
          open: { type: "boolean" },
          hostname: { type: "string" },
          state: { type: "string", enum: ["Up", "Down"] },
        },
      },
    },
  });

  it("exports a list with declared list-map keys per item: numbers, booleans, timestamps and states only", () => {
    const ok = mapAll(keyedKind, [
      thing({
        ports: [
          { port: 53, protocol: "UDP", open: true, hostname: "dns.example", state: "Up" },
          { port: 53, protocol: "TCP", open: false, state: "Down" },
        ],
      }),
    ]);
    assert.equal(
      sampleValue(ok.parsed, "cr_status_ports_open", { ports_port: "53", ports_protocol: "TCP" }),
      0,
    );
    assert.equal(
      sampleValue(ok.parsed, "cr_status_ports_state", {
        ports_port: "53",
        ports_protocol: "UDP",
        state: "Up",
      }),
      1,
    );
    assert.equal(
      ok.parsed.types.has("cr_status_ports_hostname"),
      false,
      "a free string of an item is no label",
    );
    assert.equal(sampleValue(ok.parsed, "cr_status_ports_items"), 2);
  });

  it("aggregates a keyed list whose keys repeat, and says so", () => {
    const dup = mapAll(keyedKind, [
      thing({
        ports: [
          { port: 53, protocol: "UDP", open: true },
          { port: 53, protocol: "UDP", open: false },
        ],
      }),
    ]);
    assert.equal(dup.parsed.types.has("cr_status_ports_open"), false);
    assert.equal(sampleValue(dup.parsed, "cr_status_ports_open_items", { open: "false" }), 1);
    assert.deepEqual(reasons(dup.results[0]!), ["duplicate_list_key"]);
  });

  it("exports a keyed list past --list-items-max as aggregates only, and counts the drop", () => {
    const ports = Array.from({ length: 5 }, (_, i) => ({ port: i, protocol: "TCP", state: "Up" }));
    const { parsed, results } = mapAll(keyedKind, [thing({ ports })], { listItemsMax: 4 });
    assert.equal(sampleValue(parsed, "cr_status_ports_items"), 5);
    assert.equal(sampleValue(parsed, "cr_status_ports_state_items", { state: "Up" }), 5);
    assert.equal(sampleValue(parsed, "cr_status_ports_state_items", { state: "Down" }), 0);
    assert.equal(parsed.types.has("cr_status_ports_state"), false);
    assert.deepEqual(
      results[0]!.dropped?.map((d) => [d.reason, d.count]),
      [["list_items_max", 5]],
    );
    const within = mapAll(keyedKind, [thing({ ports: ports.slice(0, 4) })], { listItemsMax: 4 });
    assert.equal(find(within.parsed, "cr_status_ports_state", { state: "Up" }).length, 4);
  });

  it("reads a schemaless object as a map when a key is not a field name or it has many keys", () => {
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`node${i}`, i]));
    const { parsed } = mapAll(loose, [thing({ nodes: { "node-1": 1, node2: 2 }, many, small: { a: 1 } })], {
      listItemsMax: 100,
    });
    assert.equal(sampleValue(parsed, "cr_status_nodes", { nodes_key: "node-1" }), 1);
    assert.equal(sampleValue(parsed, "cr_status_many", { many_key: "node64" }), 64);
    assert.equal(sampleValue(parsed, "cr_status_small_a"), 1);
  });

  it("a map of lists (CloudNativePG instancesStatus) gives one length per key", () => {
    const kind: KindInfo = withStatus({
      instancesStatus: {
        type: "object",
        additionalProperties: { type: "array", items: { type: "string" } },
      },
    });
    const { parsed } = mapAll(kind, [thing({ instancesStatus: { healthy: ["a", "b"], failed: ["c"] } })]);
    assert.equal(
      sampleValue(parsed, "cr_status_instances_status_items", { instances_status_key: "healthy" }),
      2,
    );
    assert.equal(
      sampleValue(parsed, "cr_status_instances_status_items", { instances_status_key: "failed" }),
      1,
    );
  });

  it("nested maps get distinct key label names", () => {
    const kind: KindInfo = withStatus({
      zones: {
        type: "object",
        additionalProperties: {
          type: "object",
          properties: {
            ready: { type: "integer" },
            nodes: { type: "object", additionalProperties: { type: "integer" } },
          },
        },
      },
    });
    const { parsed } = mapAll(kind, [thing({ zones: { a: { ready: 2, nodes: { n1: 1 } } } })]);
    assert.equal(sampleValue(parsed, "cr_status_zones_ready", { zones_key: "a" }), 2);
    assert.equal(
      parsed.types.has("cr_status_zones_nodes"),
      false,
      "a map inside a map entry is not multiplied out",
    );
  });
});

describe("auto mapper: conditions", () => {
  it("finds schemaless condition lists anywhere by their type and status", () => {
    const { parsed } = mapAll(loose, [
      thing({
        checks: [{ type: "Ping", status: "True" }],
        sub: { conditions: [{ type: "A", status: "False" }] },
      }),
    ]);
    assert.equal(sampleValue(parsed, "cr_status_checks_condition", { type: "Ping", status: "True" }), 1);
    assert.equal(sampleValue(parsed, "cr_status_sub_condition", { type: "A", status: "False" }), 1);
  });

  it("does not take a schemaless list of {type, status} for conditions unless the statuses are True/False/Unknown", () => {
    const { parsed, results } = mapAll(loose, [
      thing({ resources: [{ type: "Deployment", status: "Synced" }] }),
    ]);
    assert.equal(parsed.types.has("cr_status_resources_condition"), false);
    assert.equal(sampleValue(parsed, "cr_status_resources_status_items", { status: "Synced" }), 1);
    assert.deepEqual(reasons(results[0]!), []);
  });

  it("skips conditions without a type, counts every condition of a repeated type, exports an unusual status word", () => {
    const { parsed, results } = mapAll(mq.kind, [
      thing({
        conditions: [
          { type: "Ready", status: "True", reason: "Fine" },
          { type: "Ready", status: "False", reason: "Broken" },
          { status: "True" },
          { type: "Available", status: "Degraded" },
          { type: "Odd", status: "not a status!" },
          "junk",
        ],
      }),
    ]);
    // Both Ready conditions are counted, and both reasons exported: nothing is lost.
    assert.equal(sampleValue(parsed, "cr_status_condition", { type: "Ready", status: "True" }), 1);
    assert.equal(sampleValue(parsed, "cr_status_condition", { type: "Ready", status: "False" }), 1);
    assert.equal(find(parsed, "cr_status_condition", { type: "Ready" }).length, 3);
    assert.equal(find(parsed, "cr_status_condition_reason", { type: "Ready" }).length, 2);
    // prometheus-operator writes Available=Degraded: a fourth series says so.
    assert.equal(sampleValue(parsed, "cr_status_condition", { type: "Available", status: "Degraded" }), 1);
    assert.deepEqual(
      find(parsed, "cr_status_condition", { type: "Odd" }).map((s) => s.value),
      [0, 0, 0],
    );
    assert.deepEqual(reasons(results[0]!).sort(), [
      "condition_without_type",
      "duplicate_condition_type",
      "invalid_condition_status",
    ]);
  });

  it("counts transitions from the previous state: not on first sight, not on an unchanged relist", () => {
    const km = createAutoMapper().forKind(mq.kind)!;
    const obj = (status: string, phase: string) =>
      thing({ phase, conditions: [{ type: "Ready", status, lastTransitionTime: "2026-01-01T00:00:00Z" }] });
    const count = (r: MappingResult, fam: string, labels: Record<string, string>) =>
      sampleValue(mapAllText(r), fam, labels);
    const r1 = km.map(obj("True", "Ready"), undefined);
    assert.equal(count(r1, "cr_status_condition_transitions_total", { type: "Ready", status: "True" }), 0);
    assert.equal(count(r1, "cr_status_phase_transitions_total", { phase: "Ready" }), 0);
    const r2 = km.map(obj("True", "Ready"), r1.state);
    assert.equal(count(r2, "cr_status_condition_transitions_total", { type: "Ready", status: "True" }), 0);
    const r3 = km.map(obj("False", "Degraded"), r2.state);
    assert.equal(count(r3, "cr_status_condition_transitions_total", { type: "Ready", status: "False" }), 1);
    assert.equal(count(r3, "cr_status_condition_transitions_total", { type: "Ready", status: "True" }), 0);
    assert.equal(count(r3, "cr_status_phase_transitions_total", { phase: "Degraded" }), 1);
    const r4 = km.map(obj("True", "Ready"), r3.state);
    assert.equal(count(r4, "cr_status_condition_transitions_total", { type: "Ready", status: "True" }), 1);
    assert.equal(count(r4, "cr_status_condition_transitions_total", { type: "Ready", status: "False" }), 1);
    assert.equal(count(r4, "cr_status_phase_transitions_total", { phase: "Ready" }), 1);
    assert.equal(count(r4, "cr_status_phase_transitions_total", { phase: "Degraded" }), 1);
    const r5 = km.map(obj("True", "Ready"), r4.state);
    assert.equal(
      r5.families.map((f) => f.text).join(""),
      r4.families.map((f) => f.text).join(""),
      "relist: same output",
    );
    // A condition that disappears and comes back is seen for the first time again.
    const r6 = km.map(thing({ phase: "Ready", conditions: [] }), r5.state);
    const r7 = km.map(obj("False", "Ready"), r6.state);
    assert.equal(count(r7, "cr_status_condition_transitions_total", { type: "Ready", status: "False" }), 0);
  });

  it("keeps a small state: statuses and counts, never the object", () => {
    const km = createAutoMapper().forKind(mq.kind)!;
    const r = km.map(mq.objects[1] as KubeObject, undefined);
    const size = JSON.stringify(r.state, (_k, v) => (v instanceof Map ? [...v] : v)).length;
    assert.ok(size < 800, `state is ${size} bytes`);
    assert.ok(!JSON.stringify(r.state, (_k, v) => (v instanceof Map ? [...v] : v)).includes("crash"));
  });

  it("ignores a previous state it does not recognize", () => {
    const km = createAutoMapper().forKind(mq.kind)!;
    const r = km.map(mq.objects[0] as KubeObject, { something: "else" });
    assert.equal(r.issues, undefined);
  });
});

describe("auto mapper: cr_health", () => {
  const verdict = (obj: KubeObject) => {
    const { parsed } = mapAll(loose, [obj]);
    const state = find(parsed, "cr_health").find((s) => s.value === 1)?.labels.state;
    const reasons = find(parsed, "cr_health_reason");
    assert.equal(reasons.length, 1, "exactly one cr_health_reason series");
    assert.equal(reasons[0]?.labels.state, state, "cr_health_reason names the same state");
    return state;
  };
  const cond = (type: string, status: string) => ({ type, status });
  it("follows the health contract's order: Terminating, Failed, InProgress, Current", () => {
    assert.equal(
      verdict(
        thing({}, { metadata: { name: "t", deletionTimestamp: "2026-01-01T00:00:00Z", generation: 2 } }),
      ),
      "Terminating",
    );
    assert.equal(
      verdict(thing({ observedGeneration: 1 }, { metadata: { name: "t", generation: 2 } })),
      "InProgress",
    );
    // Stalled is never hidden behind a generation lag or a Reconciling condition.
    assert.equal(
      verdict(
        thing(
          { observedGeneration: 1, conditions: [cond("Reconciling", "True"), cond("Stalled", "True")] },
          { metadata: { name: "t", generation: 2 } },
        ),
      ),
      "Failed",
    );
    assert.equal(
      verdict(thing({ conditions: [cond("Stalled", "False"), cond("Ready", "True")] })),
      "Current",
    );
    assert.equal(verdict(thing({ conditions: [cond("Ready", "Unknown")] })), "InProgress");
    assert.equal(verdict(thing({ conditions: [cond("Degraded", "True")] })), "Failed");
    assert.equal(verdict(thing(undefined)), "InProgress", "no status yet: the controller has not written it");
    assert.equal(verdict(thing("broken")), "Unknown");
  });
});

describe("auto mapper: bad input never throws", () => {
  const km = createAutoMapper().forKind(loose)!;

  it("reports an object without a name, or not an object", () => {
    for (const bad of [null, 42, "x", [], {}, { metadata: null }, { metadata: { name: 5 } }]) {
      const r = km.map(bad as KubeObject, undefined);
      assert.deepEqual(r.families, []);
      assert.equal(r.issues?.length, 1);
    }
  });

  it("reports a status that is not an object, health Unknown", () => {
    for (const status of ["a string", [1, 2], 7, true]) {
      const { parsed, results } = mapAll(loose, [thing(status)]);
      assert.deepEqual(reasons(results[0]!), ["status_not_object"]);
      assert.equal(sampleValue(parsed, "cr_health", { state: "Unknown" }), 1);
    }
  });

  it("stops at the depth limit", () => {
    let deep: Record<string, unknown> = { v: 1 };
    for (let i = 0; i < 100; i++) deep = { a: deep };
    const { parsed, results } = mapAll(loose, [thing(deep)]);
    assert.deepEqual(reasons(results[0]!), ["depth_limit"]);
    assert.equal(parsed.samples.filter((s) => s.name.startsWith("cr_status_a")).length, 0);
  });

  it("never makes a label of prose: a 1 MB string, a sentence, an error string", () => {
    const long = `${"x".repeat(127)}😀${"y".repeat(1_000_000)}`;
    const { parsed, results } = mapAll(loose, [
      thing({
        mode: long,
        phaseReason: "Primary instance is being restarted without a switchover",
        state: "ok",
      }),
    ]);
    assert.equal(parsed.types.has("cr_status_mode"), false);
    assert.equal(parsed.types.has("cr_status_phase_reason"), false);
    assert.equal(sampleValue(parsed, "cr_status_state", { state: "ok" }), 1);
    assert.deepEqual(reasons(results[0]!), []);
  });

  it("writes NaN and infinities by name, reports unparsable date-times", () => {
    const kind = withStatus({ at: { type: "string", format: "date-time" } });
    const { parsed, results } = mapAll(kind, [
      thing({ nan: Number.NaN, inf: Number.POSITIVE_INFINITY, at: "yesterday" }),
    ]);
    assert.ok(Number.isNaN(sampleValue(parsed, "cr_status_nan")));
    assert.equal(sampleValue(parsed, "cr_status_inf"), Number.POSITIVE_INFINITY);
    assert.deepEqual(reasons(results[0]!), ["unparsable_value"]);
  });

  it("caps the series of one object, keeping identity and health, and counts what it drops", () => {
    const big = Object.fromEntries(Array.from({ length: 700 }, (_, i) => [`f${i}`, i]));
    const { parsed, results } = mapAll(loose, [thing({ fields: big })], { listItemsMax: 1000 });
    const series = results[0]!.families.reduce((n, f) => n + f.series, 0);
    assert.equal(series, 500);
    assert.equal(find(parsed, "cr_info").length, 1);
    assert.equal(find(parsed, "cr_health").length, 5);
    const drop = results[0]!.dropped?.find((d) => d.reason === "object_series_limit");
    assert.equal(drop?.count, 701 + 5 + 1 + 1 - 500, "every sample over the cap is counted");
  });

  it("is deterministic", () => {
    const a = mapAll(db.kind, db.objects).text;
    const b = mapAll(db.kind, db.objects).text;
    assert.equal(a, b);
  });
});

/** Parse one result on its own. */
function mapAllText(r: MappingResult) {
  return parseExposition(render([r]));
}
