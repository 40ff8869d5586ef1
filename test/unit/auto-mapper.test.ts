import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createAutoMapper, parseAllowlist } from "../../src/mapping/auto/index.ts";
import type { KindInfo, KubeObject, MappingResult } from "../../src/mapping/types.ts";
import { find, parseExposition, sampleValue } from "../helpers/exposition.ts";
import { kindOf, loadYaml, mapAll, messageQueueFixtures, render } from "./auto-helpers.ts";

const mq = messageQueueFixtures();
const db = {
  kind: kindOf(loadYaml("databasecluster-crd.yaml")[0]),
  objects: loadYaml("databaseclusters.yaml"),
};

/** A kind without a schema (every field walked by its runtime type). */
const loose: KindInfo = { group: "x.io", version: "v1", kind: "Thing", plural: "things", namespaced: true };

function thing(status: unknown, extra: Partial<KubeObject> = {}): KubeObject {
  return { metadata: { name: "t", namespace: "ns", uid: "u-t" }, status, ...extra };
}

const reasons = (r: MappingResult) => (r.issues ?? []).map((i) => i.reason);

describe("auto mapper: the seed's MessageQueue", () => {
  const { parsed, text, results } = mapAll(mq.kind, mq.objects);
  const orders = { namespace: "shop", name: "orders" };
  const payments = { namespace: "shop", name: "payments" };

  it("emits cr_info with the object labels first, in order, and the uid", () => {
    assert.match(
      text,
      /^cr_info\{group="queue\.example\.com",version="v1",kind="MessageQueue",namespace="shop",name="orders",uid="6f1c3a52-0001-4c1e-9a53-3f2f0c1d0001"\} 1$/m,
    );
    assert.equal(find(parsed, "cr_info").length, 4);
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

  it("computes cr_health by the kstatus rules", () => {
    const health = (name: string) =>
      find(parsed, "cr_health", { name }).find((s) => s.value === 1)?.labels.state;
    assert.equal(health("orders"), "Current");
    assert.equal(health("payments"), "InProgress"); // Ready=False
    assert.equal(health("audit-log"), "InProgress"); // generation 2, observed 1
    assert.equal(health("legacy"), "Terminating");
    assert.equal(find(parsed, "cr_health", { name: "orders" }).length, 5);
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

  it("Go durations in seconds (`5m` is five minutes in a time-named field)", () => {
    assert.equal(v("cr_status_replication_lag"), 0.25);
    assert.equal(v("cr_status_check_interval"), 300);
    assert.equal(v("cr_status_backup_last_duration"), 3723);
    assert.equal(v("cr_status_members_lag", { members_name: "db-2" }), 5400);
    assert.equal(v("cr_status_members_lag", { members_name: "db-1" }), 1.5);
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

  it("lists of objects keyed by list-map keys or by index, with _count", () => {
    assert.equal(v("cr_status_members_count"), 3);
    assert.equal(find(parsed, "cr_status_members_ready").length, 3);
    assert.equal(parsed.types.has("cr_status_members_name"), false, "key fields are labels, not families");
    assert.equal(v("cr_status_endpoints_port", { endpoints_index: "1" }), 5433);
    assert.equal(v("cr_status_endpoints_host", { endpoints_index: "0", host: "db.data.svc" }), 1);
  });

  it("lists of scalars: strings as a set, numbers by index, enum items at 0 when absent", () => {
    assert.equal(v("cr_status_zones", { zones: "eu-west-1a" }), 1);
    assert.equal(find(parsed, "cr_status_zones").length, 2);
    assert.equal(v("cr_status_zones_count"), 3);
    assert.equal(v("cr_status_ports", { ports_index: "1" }), 9187);
    assert.equal(v("cr_status_features", { features: "tls" }), 1);
    assert.equal(v("cr_status_features", { features: "pitr" }), 0);
  });

  it("maps put their key in a label", () => {
    assert.equal(v("cr_status_replicas_by_zone", { replicas_by_zone_key: "eu-west-1a" }), 2);
    assert.equal(v("cr_status_replicas_by_zone_count"), 2);
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
      version: "v1",
      kind: "Thing",
      name: "c",
    });
  });

  it("escapes label values (quotes, backslashes, newlines) so no value can inject a line", () => {
    const evil = 'a"b\\c\nd} 1\ncr_info{name="x"} 1';
    const { parsed, text } = mapAll(loose, [thing({ byKey: { [evil]: 1 }, items: [{ name: evil, v: 1 }] })]);
    assert.equal(sampleValue(parsed, "cr_status_by_key", { by_key_key: evil }), 1);
    assert.equal(sampleValue(parsed, "cr_status_items_v", { items_name: evil }), 1);
    assert.equal(find(parsed, "cr_info").length, 1);
    assert.equal(text.split("\n").filter((l) => l.startsWith("cr_info")).length, 1);
  });
});

describe("auto mapper: lists", () => {
  it("keys object lists by name, else type, else id, else index", () => {
    const { parsed } = mapAll(loose, [
      thing({
        byName: [
          { name: "a", v: 1 },
          { name: "b", v: 2 },
        ],
        byType: [{ type: "x", v: 3 }],
        byId: [{ id: 7, v: 4 }],
        byIndex: [{ v: 5 }, { v: 6 }],
        dupNames: [
          { name: "a", v: 7 },
          { name: "a", v: 8 },
        ],
      }),
    ]);
    assert.equal(sampleValue(parsed, "cr_status_by_name_v", { by_name_name: "b" }), 2);
    assert.equal(sampleValue(parsed, "cr_status_by_type_v", { by_type_type: "x" }), 3);
    assert.equal(sampleValue(parsed, "cr_status_by_id_v", { by_id_id: "7" }), 4);
    assert.equal(sampleValue(parsed, "cr_status_by_index_v", { by_index_index: "1" }), 6);
    assert.equal(sampleValue(parsed, "cr_status_dup_names_v", { dup_names_index: "1" }), 8);
  });

  it("falls back from repeated list-map keys, and says so", () => {
    const kind: KindInfo = {
      ...loose,
      schema: {
        properties: {
          status: {
            properties: {
              ports: {
                type: "array",
                "x-kubernetes-list-map-keys": ["port", "protocol"],
                items: {
                  type: "object",
                  properties: { port: { type: "integer" }, protocol: { type: "string" } },
                },
              },
            },
          },
        },
      },
    };
    const ok = mapAll(kind, [
      thing({
        ports: [
          { port: 53, protocol: "UDP", open: true },
          { port: 53, protocol: "TCP", open: false },
        ],
      }),
    ]);
    assert.equal(
      sampleValue(ok.parsed, "cr_status_ports_open", { ports_port: "53", ports_protocol: "TCP" }),
      0,
    );
    const dup = mapAll(kind, [
      thing({
        ports: [
          { port: 53, protocol: "UDP", open: true },
          { port: 53, protocol: "UDP", open: false },
        ],
      }),
    ]);
    assert.equal(sampleValue(dup.parsed, "cr_status_ports_open", { ports_index: "1" }), 0);
    assert.deepEqual(reasons(dup.results[0]!), ["duplicate_list_key"]);
  });

  it("walks at most maxListItems items and still counts them all", () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ name: `n${i}`, v: i }));
    const { parsed, results } = mapAll(loose, [thing({ items })]);
    assert.equal(sampleValue(parsed, "cr_status_items_count"), 10_000);
    assert.equal(find(parsed, "cr_status_items_v").length, 256);
    assert.deepEqual(reasons(results[0]!), ["list_truncated"]);
  });

  it("reads a schemaless object as a map when a key is not a field name or it has many keys", () => {
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`node${i}`, i]));
    const { parsed } = mapAll(loose, [thing({ nodes: { "node-1": 1, node2: 2 }, many, small: { a: 1 } })]);
    assert.equal(sampleValue(parsed, "cr_status_nodes", { nodes_key: "node-1" }), 1);
    assert.equal(sampleValue(parsed, "cr_status_many", { many_key: "node64" }), 64);
    assert.equal(sampleValue(parsed, "cr_status_small_a"), 1);
  });

  it("nested lists get distinct label names", () => {
    const { parsed } = mapAll(loose, [thing({ items: [{ name: "a", items: [{ name: "b", v: 1 }] }] })]);
    assert.equal(
      sampleValue(parsed, "cr_status_items_items_v", { items_name: "a", items_items_name: "b" }),
      1,
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
    assert.equal(
      sampleValue(parsed, "cr_status_resources_status", { resources_type: "Deployment", status: "Synced" }),
      1,
    );
    assert.deepEqual(reasons(results[0]!), []);
  });

  it("skips conditions without a type, keeps the first of a repeated type, zeroes an invalid status", () => {
    const { parsed, results } = mapAll(mq.kind, [
      thing({
        conditions: [
          { type: "Ready", status: "True" },
          { type: "Ready", status: "False" },
          { status: "True" },
          { type: "Odd", status: "Maybe" },
          "junk",
        ],
      }),
    ]);
    assert.equal(sampleValue(parsed, "cr_status_condition", { type: "Ready", status: "True" }), 1);
    assert.equal(find(parsed, "cr_status_condition", { type: "Ready" }).length, 3);
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
  const health = (obj: KubeObject) => {
    const { parsed } = mapAll(loose, [obj]);
    return find(parsed, "cr_health").find((s) => s.value === 1)?.labels.state;
  };
  const cond = (type: string, status: string) => ({ type, status });
  it("follows the kstatus order", () => {
    assert.equal(
      health(
        thing({}, { metadata: { name: "t", deletionTimestamp: "2026-01-01T00:00:00Z", generation: 2 } }),
      ),
      "Terminating",
    );
    assert.equal(
      health(thing({ observedGeneration: 1 }, { metadata: { name: "t", generation: 2 } })),
      "InProgress",
    );
    assert.equal(
      health(thing({ conditions: [cond("Reconciling", "True"), cond("Stalled", "True")] })),
      "InProgress",
    );
    assert.equal(
      health(thing({ conditions: [cond("Stalled", "True"), cond("Reconciling", "True")] })),
      "Failed",
    );
    assert.equal(health(thing({ conditions: [cond("Stalled", "False"), cond("Ready", "True")] })), "Current");
    assert.equal(health(thing({ conditions: [cond("Ready", "False")] })), "InProgress");
    assert.equal(health(thing({ conditions: [cond("Ready", "Unknown")] })), "InProgress");
    assert.equal(health(thing({ conditions: [cond("Available", "False")] })), "Current");
    assert.equal(health(thing(undefined)), "Current");
    assert.equal(health(thing("broken")), "Unknown");
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

  it("cuts a 1 MB string to the label length cap without splitting a surrogate pair", () => {
    const long = `${"x".repeat(127)}😀${"y".repeat(1_000_000)}`;
    const { parsed, results } = mapAll(loose, [thing({ mode: long })]);
    const [s] = find(parsed, "cr_status_mode");
    assert.equal(s?.labels.mode, "x".repeat(127));
    assert.deepEqual(reasons(results[0]!), ["label_truncated"]);
  });

  it("writes NaN and infinities by name, reports unparsable date-times", () => {
    const kind: KindInfo = {
      ...loose,
      schema: { properties: { status: { properties: { at: { type: "string", format: "date-time" } } } } },
    };
    const { parsed, results } = mapAll(kind, [
      thing({ nan: Number.NaN, inf: Number.POSITIVE_INFINITY, at: "yesterday" }),
    ]);
    assert.ok(Number.isNaN(sampleValue(parsed, "cr_status_nan")));
    assert.equal(sampleValue(parsed, "cr_status_inf"), Number.POSITIVE_INFINITY);
    assert.deepEqual(reasons(results[0]!), ["unparsable_value"]);
  });

  it("bounds the series of one object", () => {
    const big = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`f${i}`, Array.from({ length: 200 }, (_, j) => j)]),
    );
    const { results } = mapAll(loose, [thing(big)]);
    const series = results[0]!.families.reduce((n, f) => n + f.series, 0);
    assert.ok(series <= 10_000, `${series}`);
    assert.ok(reasons(results[0]!).includes("object_series_limit"));
    assert.ok((results[0]!.issues?.length ?? 0) <= 21);
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
