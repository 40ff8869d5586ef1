// The ksm mapper as the pipeline uses it: which kinds it takes, family names and types, label
// precedence, merged families, issues, robustness, and the two opt-in extensions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderFamilyHeader } from "../../src/mapping/exposition.ts";
import { createKsmMapper, parseKsmConfig } from "../../src/mapping/ksm/index.ts";
import type { KindInfo, KubeObject } from "../../src/mapping/types.ts";
import { docFoo, fooConfig, fooKind, mapWith, seriesOf } from "./ksm-helpers.ts";

const kind = (over: Partial<KindInfo>): KindInfo => ({ ...fooKind, ...over });

describe("which kinds the ksm mapper takes", () => {
  const config = parseKsmConfig(`spec:
  resources:
    - groupVersionKind: { group: myteam.io, version: v1, kind: Foo }
      metrics: [{ name: a, help: a, each: { type: Gauge, gauge: { path: [spec, replicas] } } }]
    - groupVersionKind: { group: other.io, version: "*", kind: "*" }
      metrics: [{ name: b, help: b, each: { type: Gauge, gauge: { path: [spec, replicas] } } }]
    - groupVersionKind: { group: other.io, version: v2, kind: Bar }
      metrics: [{ name: c, help: c, each: { type: Gauge, gauge: { path: [spec, replicas] } } }]
`);
  const mapper = createKsmMapper(config);
  const families = (k: KindInfo) =>
    mapper
      .forKind(k)
      ?.map({ metadata: { name: "x" }, spec: { replicas: 2 } }, undefined)
      .families.map((f) => f.meta.name);

  it("takes a named kind only in the named version (the preferred served one is watched)", () => {
    assert.deepEqual(families(fooKind), ["kube_customresource_a"]);
    assert.equal(mapper.forKind(kind({ version: "v2" })), undefined);
    assert.equal(mapper.forKind(kind({ kind: "Other" })), undefined);
    assert.equal(mapper.forKind(kind({ group: "unknown.io" })), undefined);
  });

  it("resolves * versions and kinds against the kind it is given", () => {
    const baz = kind({ group: "other.io", version: "v1alpha1", kind: "Baz", plural: "bazs" });
    assert.deepEqual(families(baz), ["kube_customresource_b"]);
    const parsed = mapWith(
      `spec: {resources: [{groupVersionKind: {group: other.io, version: "*", kind: "*"}, metrics: [{name: b, help: b, each: {type: Gauge, gauge: {path: [spec, replicas]}}}]}]}`,
      { spec: { replicas: 2 } },
      baz,
    ).parsed;
    assert.deepEqual(parsed.samples[0]?.labels, {
      customresource_group: "other.io",
      customresource_kind: "Baz",
      customresource_version: "v1alpha1",
    });
  });

  it("when a wildcard and an explicit entry both match, the last one wins (as in ksm)", () => {
    assert.deepEqual(families(kind({ group: "other.io", version: "v2", kind: "Bar" })), [
      "kube_customresource_c",
    ]);
  });
});

describe("family names and types", () => {
  const one = (prefix: string) =>
    `spec:\n  resources:\n    - groupVersionKind: { group: myteam.io, version: v1, kind: Foo }\n${prefix}      metrics: [{ name: uptime, help: up, each: { type: Gauge, gauge: { path: [status, uptime] } } }]\n`;

  it("prefixes kube_customresource_ when metricNamePrefix is unset, nothing when it is empty", () => {
    assert.equal(mapWith(one(""), docFoo()).parsed.samples[0]?.name, "kube_customresource_uptime");
    assert.equal(
      mapWith(one("      metricNamePrefix:\n"), docFoo()).parsed.samples[0]?.name,
      "kube_customresource_uptime",
    );
    assert.equal(mapWith(one('      metricNamePrefix: ""\n'), docFoo()).parsed.samples[0]?.name, "uptime");
    assert.equal(
      mapWith(one("      metricNamePrefix: myteam_foos\n"), docFoo()).parsed.samples[0]?.name,
      "myteam_foos_uptime",
    );
  });

  it("writes TYPE as ksm does: info and stateset are gauge in text, themselves in OpenMetrics", () => {
    const { result } = mapWith(
      fooConfig(`        - { name: v, help: "Foo version", each: { type: info, info: { labelsFromPath: { version: [spec, version] } } } }
        - { name: p, help: "Foo phase", each: { type: STATESET, stateSet: { path: [status, phase], labelName: phase, list: [Pending] } } }
        - { name: u, help: "Foo uptime", each: { type: Gauge, gauge: { path: [status, uptime] } } }
`),
      docFoo(),
    );
    const headers = result.families.map((f) => [
      renderFamilyHeader(f.meta, "text"),
      renderFamilyHeader(f.meta, "openmetrics"),
    ]);
    assert.deepEqual(headers, [
      [
        "# HELP kube_customresource_v Foo version\n# TYPE kube_customresource_v gauge\n",
        "# HELP kube_customresource_v Foo version\n# TYPE kube_customresource_v info\n",
      ],
      [
        "# HELP kube_customresource_p Foo phase\n# TYPE kube_customresource_p gauge\n",
        "# HELP kube_customresource_p Foo phase\n# TYPE kube_customresource_p stateset\n",
      ],
      [
        "# HELP kube_customresource_u Foo uptime\n# TYPE kube_customresource_u gauge\n",
        "# HELP kube_customresource_u Foo uptime\n# TYPE kube_customresource_u gauge\n",
      ],
    ]);
  });

  it("merges two metrics of the same name into one family under the first one's HELP", () => {
    const { result, parsed } = mapWith(
      fooConfig(`        - { name: bound, help: memory, commonLabels: { resource: memory }, each: { type: Gauge, gauge: { path: [spec, replicas] } } }
        - { name: bound, help: cpu, commonLabels: { resource: cpu }, each: { type: Gauge, gauge: { path: [status, uptime] } } }
`),
      docFoo(),
    );
    // The mapper hands on each metric's output; the store serves them as one family.
    assert.deepEqual(
      result.families.map((f) => [f.meta.name, f.meta.help]),
      [
        ["kube_customresource_bound", "memory"],
        ["kube_customresource_bound", "cpu"],
      ],
    );
    assert.equal(parsed.helps.get("kube_customresource_bound"), "memory");
    assert.deepEqual(seriesOf(parsed, "kube_customresource_bound"), {
      "resource=cpu": 43.21,
      "resource=memory": 1,
    });
  });
});

describe("label precedence", () => {
  const obj = (): KubeObject => ({
    metadata: {
      name: "foo",
      labels: { team: "from-labels", "app.kubernetes.io/name": "foo-app" },
      annotations: { team: "from-annotations", "1st-owner": "alice" },
    },
    spec: { team: "from-spec", members: { m0: { role: "primary", lag: 0 } } },
  });

  it("each level > metric labelsFromPath > resource labelsFromPath > commonLabels; metric commonLabels > resource's", () => {
    const config = fooConfig(
      `        - name: lag
          help: lag
          commonLabels: { source: metric }
          labelsFromPath:
            role: [spec, team]
            where: [metadata, name]
          each:
            type: Gauge
            gauge:
              path: [spec, members]
              labelFromKey: member
              labelsFromPath: { role: [role] }
              valueFrom: [lag]
`,
      `      commonLabels: { source: resource, where: common, customresource_kind: mine }
      labelsFromPath:
        where: [spec, nothere]
        team: [spec, team]
`,
    );
    const sample = mapWith(config, obj()).parsed.samples[0];
    assert.deepEqual(sample?.labels, {
      customresource_group: "myteam.io",
      customresource_kind: "Foo", // set from the kind, over the resource's commonLabels
      customresource_version: "v1",
      member: "m0",
      role: "primary", // each level over the metric's labelsFromPath
      source: "metric", // metric commonLabels over the resource's
      team: "from-spec",
      where: "foo", // the metric's path (resolved) over the resource's path and commonLabels
    });
  });

  it("* and prefix_* copy maps first, in key order; plain keys override them; names are sanitised", () => {
    const config = fooConfig(
      `        - { name: i, help: i, each: { type: Info, info: { labelsFromPath: { x: [metadata, name] } } } }
`,
      `      labelsFromPath:
        "*": [metadata, labels]
        "*b": [metadata, annotations]
        "ann_*": [metadata, annotations]
`,
    );
    assert.deepEqual(mapWith(config, obj()).parsed.samples[0]?.labels, {
      _1st_owner: "alice", // "1st-owner": sanitised, and a leading digit gets "_" (valid exposition)
      ann_1st_owner: "alice",
      ann_team: "from-annotations",
      app_kubernetes_io_name: "foo-app",
      customresource_group: "myteam.io",
      customresource_kind: "Foo",
      customresource_version: "v1",
      team: "from-annotations", // "*b" sorts after "*", so its copy wins
      x: "foo",
    });
    const plain = fooConfig(
      `        - { name: i, help: i, labelsFromPath: { team: [spec, team] }, each: { type: Info, info: { labelsFromPath: { x: [metadata, name] } } } }
`,
      `      labelsFromPath:\n        "*": [metadata, labels]\n`,
    );
    assert.equal(mapWith(plain, obj()).parsed.samples[0]?.labels.team, "from-spec");
  });
});

describe("label order on the line", () => {
  const obj = (): KubeObject => ({
    metadata: { name: "foo", labels: { team: "from-labels", "app.kubernetes.io/name": "foo-app" } },
    spec: {
      team: "from-spec",
      members: {
        m0: { role: "primary", lag: 0 },
        m1: { lag: 5 },
      },
    },
  });
  // The object's labels (alpha, zulu, customresource_*; "missing" does not resolve) interleave
  // with each series' own (member, role, and alpha again, which overrides the object's).
  const metric = `        - name: lag
          help: lag
          labelsFromPath:
            zulu: [spec, team]
            missing: [spec, nothere]
            alpha: [metadata, name]
          each:
            type: Gauge
            gauge:
              path: [spec, members]
              labelFromKey: member
              labelsFromPath: { role: [role], alpha: [role] }
              valueFrom: [lag]
`;
  const lines = (config: string) =>
    mapWith(config, obj())
      .result.families.flatMap((f) => f.text.split("\n"))
      .filter((line) => line !== "");

  it("sorts every series' labels by name, its own among the object's, which it overrides", () => {
    const gvk = 'customresource_group="myteam.io",customresource_kind="Foo",customresource_version="v1"';
    assert.deepEqual(lines(fooConfig(metric)), [
      `kube_customresource_lag{alpha="primary",${gvk},member="m0",role="primary",zulu="from-spec"} 0`,
      `kube_customresource_lag{alpha="foo",${gvk},member="m1",zulu="from-spec"} 5`,
    ]);
  });

  it("the same with labels copied from a map (star keys), whose names are only known per object", () => {
    const gvk = 'customresource_group="myteam.io",customresource_kind="Foo",customresource_version="v1"';
    const copied = 'lbl_app_kubernetes_io_name="foo-app",lbl_team="from-labels"';
    assert.deepEqual(
      lines(fooConfig(metric, '      labelsFromPath:\n        "lbl_*": [metadata, labels]\n')),
      [
        `kube_customresource_lag{alpha="primary",${gvk},${copied},member="m0",role="primary",zulu="from-spec"} 0`,
        `kube_customresource_lag{alpha="foo",${gvk},${copied},member="m1",zulu="from-spec"} 5`,
      ],
    );
  });
});

describe("an object's labels, shared by the metrics that add none", () => {
  const resourceLabels =
    "      labelsFromPath:\n        name: [metadata, name]\n        zone: [spec, zone]\n";
  const metrics = `        - { name: a, help: a, each: { type: Gauge, gauge: { path: [spec, a] } } }
        - { name: b, help: b, each: { type: Gauge, gauge: { path: [spec, b] } } }
        - name: c
          help: c
          commonLabels: { tier: gold }
          labelsFromPath: { zone: [spec, other] }
          each: { type: Gauge, gauge: { path: [spec, c] } }
        - name: d
          help: d
          each: { type: StateSet, stateSet: { path: [spec, phase], labelName: phase, list: [Up, Down] } }
`;
  const config = fooConfig(metrics, resourceLabels);

  it("are read from the object once per event, not once per metric", () => {
    let reads = 0;
    const metadata = {
      get name() {
        reads++;
        return "foo";
      },
    };
    const obj = { metadata, spec: { zone: "z1", other: "z2", a: 1, b: 2, c: 3, phase: "Up" } };
    mapWith(config, obj as KubeObject);
    // a, b and d share the resource's labels; c has its own.
    assert.equal(reads, 2);
  });

  it("keep each metric's own labels to that metric, and one label of a series in its place", () => {
    const obj = {
      metadata: { name: "foo" },
      spec: { zone: "z1", other: "z2", a: 1, b: 2, c: 3, phase: "Up" },
    };
    const lines = mapWith(config, obj as KubeObject)
      .result.families.flatMap((f) => f.text.split("\n"))
      .filter((line) => line !== "");
    const gvk = 'customresource_group="myteam.io",customresource_kind="Foo",customresource_version="v1"';
    assert.deepEqual(lines, [
      `kube_customresource_a{${gvk},name="foo",zone="z1"} 1`,
      `kube_customresource_b{${gvk},name="foo",zone="z1"} 2`,
      `kube_customresource_c{${gvk},name="foo",tier="gold",zone="z2"} 3`,
      `kube_customresource_d{${gvk},name="foo",phase="Up",zone="z1"} 1`,
      `kube_customresource_d{${gvk},name="foo",phase="Down",zone="z1"} 0`,
    ]);
  });
});

describe("issues and robustness", () => {
  it("names kind, metric and path, never the value, so the log is rate-limited per field", () => {
    const config = fooConfig(
      "        - { name: v, help: v, each: { type: Gauge, gauge: { path: [status, value] } } }\n",
    );
    const details = ["abc", "xyz"].map(
      (value) => mapWith(config, { status: { value } }).result.issues?.[0]?.detail,
    );
    assert.equal(
      details[0],
      "Foo kube_customresource_v [status,value]: not a number, boolean, RFC 3339 time, quantity or percentage",
    );
    assert.equal(details[1], details[0]);
  });

  it("drops a series a second element repeats, and says so", () => {
    const config = fooConfig(
      "        - { name: c, help: c, each: { type: Gauge, gauge: { path: [status, list], valueFrom: [v] } } }\n",
    );
    const { parsed, result } = mapWith(config, { status: { list: [{ v: 1 }, { v: 2 }] } });
    assert.deepEqual(seriesOf(parsed, "kube_customresource_c"), { "": 1 });
    assert.equal(result.issues?.[0]?.reason, "duplicate_series");
  });

  it("never throws, whatever the object", () => {
    const mapper = createKsmMapper(
      parseKsmConfig(
        fooConfig(`        - { name: a, help: a, each: { type: Gauge, gauge: { path: [status, conditions, "[type=Ready]", status] } } }
        - { name: b, help: b, each: { type: Info, info: { path: [metadata], labelsFromPath: { "*": [labels], n: [name] } } } }
        - { name: c, help: c, each: { type: StateSet, stateSet: { path: [status, phase], labelName: p, list: [x] } } }
`),
      ),
    ).forKind(fooKind)!;
    const odd: unknown[] = [
      null,
      [],
      "x",
      { metadata: "x", status: [1, 2] },
      { metadata: { labels: { a: { deep: [null] } }, name: 5 }, status: { conditions: "Ready", phase: 7 } },
      { status: { conditions: [null, 1, { type: "Ready", status: { nested: true } }] } },
    ];
    for (const o of odd) {
      const r = mapper.map(o as KubeObject, undefined);
      assert.ok(Array.isArray(r.families));
    }
  });
});

describe("extensions (crExporterMetrics)", () => {
  const counterConfig = (labelName: string) =>
    fooConfig(
      "        - { name: up, help: up, each: { type: Gauge, gauge: { path: [status, uptime] } } }\n",
      `      crExporterMetrics:
        - name: phase_changes
          help: Observed phase changes.
          each:
            type: Counter
            counter:
              path: [status, phase]
${labelName}`,
    );

  it("Counter: starts at 0, counts each observed change under the value entered, keeps its state per object", () => {
    const config = counterConfig("              labelName: phase\n");
    let previous: unknown;
    const step = (phase: string) => {
      const { result, parsed } = mapWith(config, { status: { phase, uptime: 1 } }, fooKind, previous);
      previous = result.state;
      return seriesOf(parsed, "kube_customresource_phase_changes_total");
    };
    assert.deepEqual(step("Pending"), { "phase=Pending": 0 });
    assert.deepEqual(step("Running"), { "phase=Pending": 0, "phase=Running": 1 });
    assert.deepEqual(step("Running"), { "phase=Pending": 0, "phase=Running": 1 });
    assert.deepEqual(step("Pending"), { "phase=Pending": 1, "phase=Running": 1 });
    assert.deepEqual(step("Failed"), { "phase=Failed": 1, "phase=Pending": 1, "phase=Running": 1 });
  });

  it("Counter without labelName counts every change in one series; its family type is counter", () => {
    const config = counterConfig("");
    const first = mapWith(config, { status: { phase: "A" } });
    const second = mapWith(config, { status: { phase: "B" } }, fooKind, first.result.state);
    assert.deepEqual(seriesOf(second.parsed, "kube_customresource_phase_changes_total"), { "": 1 });
    const family = second.result.families.find(
      (f) => f.meta.name === "kube_customresource_phase_changes_total",
    );
    assert.equal(family?.meta.type, "counter");
    assert.equal(
      renderFamilyHeader(family!.meta, "openmetrics"),
      "# HELP kube_customresource_phase_changes Observed phase changes.\n# TYPE kube_customresource_phase_changes counter\n",
    );
  });

  it("keeps no state when the config has no counter", () => {
    assert.equal(
      mapWith(
        fooConfig(
          "        - { name: up, help: up, each: { type: Gauge, gauge: { path: [status, uptime] } } }\n",
        ),
        docFoo(),
      ).result.state,
      undefined,
    );
  });

  it("durations: Go durations in seconds, tried before quantities ('5m' is five minutes)", () => {
    const config = fooConfig(
      "        - { name: up, help: up, each: { type: Gauge, gauge: { path: [status, uptime] } } }\n",
      `      crExporterMetrics:
        - { name: interval_seconds, help: i, each: { type: Gauge, gauge: { path: [spec, intervals], labelFromKey: k, durations: true } } }
`,
    );
    const { parsed } = mapWith(config, {
      spec: { intervals: { a: "1h30m", b: "5m", c: "250ms", d: 42, e: "50%" } },
    });
    assert.deepEqual(seriesOf(parsed, "kube_customresource_interval_seconds"), {
      "k=a": 5400,
      "k=b": 300,
      "k=c": 0.25,
      "k=d": 42,
      "k=e": 0.5,
    });
  });
});
