// Reading the CustomResourceStateMetrics document: what kube-state-metrics' decoder (go-yaml v3
// into its structs) accepts is accepted the same way; what it would reject, or turn into nothing
// or into a broken exposition, is an error naming the resource index, the metric and the field.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KsmConfigError, parseKsmConfig } from "../../src/mapping/ksm/index.ts";

const errorOf = (text: string): string => {
  try {
    parseKsmConfig(text);
  } catch (err) {
    assert.ok(err instanceof KsmConfigError, String(err));
    return err.message;
  }
  assert.fail("the config was accepted");
};

/** The VPA example of ksm's documentation, abridged. */
const VPA = `
kind: CustomResourceStateMetrics
spec:
  resources:
    - groupVersionKind:
        group: autoscaling.k8s.io
        kind: "VerticalPodAutoscaler"
        version: "v1"
      labelsFromPath:
        verticalpodautoscaler: [metadata, name]
        namespace: [metadata, namespace]
        target_api_version: [apiVersion]
      metricNamePrefix: "kube"
      errorLogV: 0
      metrics:
        - name: "verticalpodautoscaler_status_recommendation_containerrecommendations_lowerbound"
          help: "Minimum memory resources the container can use before the VerticalPodAutoscaler updater evicts it."
          commonLabels:
            unit: "byte"
            resource: "memory"
          each:
            type: Gauge
            gauge:
              path: [status, recommendation, containerRecommendations]
              labelsFromPath:
                container: [containerName]
              valueFrom: [lowerBound, memory]
`;

describe("parseKsmConfig: accepted as kube-state-metrics accepts it", () => {
  it("reads the documented VPA config", () => {
    const config = parseKsmConfig(VPA);
    assert.equal(config.resources.length, 1);
    const r = config.resources[0]!;
    assert.deepEqual(
      [r.group, r.version, r.kind, r.metricNamePrefix],
      ["autoscaling.k8s.io", "v1", "VerticalPodAutoscaler", "kube"],
    );
    assert.deepEqual(r.labelsFromPath, [
      ["verticalpodautoscaler", ["metadata", "name"]],
      ["namespace", ["metadata", "namespace"]],
      ["target_api_version", ["apiVersion"]],
    ]);
    const m = r.metrics[0]!;
    assert.equal(m.each.type, "gauge");
    assert.deepEqual(m.commonLabels, [
      ["unit", "byte"],
      ["resource", "memory"],
    ]);
    assert.deepEqual(m.each.type === "gauge" && m.each.valueFrom, ["lowerBound", "memory"]);
  });

  it("takes any scalar where a string is expected, as written (go-yaml)", () => {
    const config = parseKsmConfig(`spec:
  resources:
    - groupVersionKind: { group: g.io, version: 1.0, kind: Foo }
      commonLabels: { answer: 42, flag: true, nothing: ~ }
      metrics:
        - name: m
          each: { type: Gauge, gauge: { path: [spec, items, 0, -1], nilIsZero: yes } }
`);
    const r = config.resources[0]!;
    assert.equal(r.version, "1.0");
    assert.deepEqual(r.commonLabels, [
      ["answer", "42"],
      ["flag", "true"],
      ["nothing", ""],
    ]);
    const each = r.metrics[0]!.each;
    assert.ok(each.type === "gauge");
    assert.deepEqual(each.path, ["spec", "items", "0", "-1"]);
    assert.equal(each.nilIsZero, true);
  });

  it("tells an unset metricNamePrefix (default) from an empty one (no prefix)", () => {
    const prefix = (line: string) =>
      parseKsmConfig(`spec:\n  resources:\n    - groupVersionKind: { group: g.io }\n${line}`).resources[0]!
        .metricNamePrefix;
    assert.equal(prefix(""), undefined);
    assert.equal(prefix("      metricNamePrefix:\n"), undefined);
    assert.equal(prefix('      metricNamePrefix: ""\n'), "");
    assert.equal(prefix("      metricNamePrefix: team\n"), "team");
  });

  it("ignores unknown fields and the kind, and reads only the first document, like ksm", () => {
    const config = parseKsmConfig(`kind: SomethingElse
unknown: 1
spec:
  resources:
    - groupVersionKind: { group: g.io, version: v1, kind: Foo, extra: x }
      metrics:
        - { name: m, help: h, typo_each: 1, each: { type: info, info: { labelsFromPath: { a: [b] } }, nilIsZero: 3 } }
---
this: [is, ignored
`);
    assert.equal(config.resources[0]!.metrics[0]!.each.type, "info");
  });

  it("honours YAML anchors and merge keys", () => {
    const config = parseKsmConfig(`common: &gvk { group: g.io, version: v1 }
spec:
  resources:
    - groupVersionKind: { <<: *gvk, kind: Foo }
    - groupVersionKind: { <<: *gvk, kind: Bar }
`);
    assert.deepEqual(
      config.resources.map((r) => `${r.group}/${r.version}/${r.kind}`),
      ["g.io/v1/Foo", "g.io/v1/Bar"],
    );
  });

  it("accepts a config without resources (nothing is watched)", () => {
    assert.deepEqual(parseKsmConfig("kind: CustomResourceStateMetrics\nspec: {}\n").resources, []);
  });
});

describe("parseKsmConfig: errors name index, metric and field", () => {
  const resources = (items: string) => `kind: CustomResourceStateMetrics\nspec:\n  resources:\n${items}`;
  const fine = "    - groupVersionKind: { group: g.io, version: v1, kind: Foo }\n      metrics: []\n";

  it("a StateSet without its list", () => {
    const text = resources(`${fine}    - groupVersionKind: { group: g.io, version: v1, kind: Bar }
      metrics:
        - name: phase
          help: The phase
          each:
            type: StateSet
            stateSet: { path: [status, phase], labelName: phase }
`);
    assert.equal(errorOf(text), 'spec.resources[1].metrics[0] "phase": each.stateSet.list: required');
  });

  it("an unknown type, a missing type block, a missing type", () => {
    const text = resources(`    - groupVersionKind: { group: g.io, version: v1, kind: Foo }
      metrics:
        - { name: a, each: { type: Histogram } }
        - { name: b, each: { type: Gauge } }
        - { name: c, each: { gauge: { path: [x] } } }
`);
    assert.equal(
      errorOf(text),
      [
        'spec.resources[0].metrics[0] "a": each.type: unknown metric type "Histogram", expected Gauge, StateSet or Info',
        'spec.resources[0].metrics[1] "b": each.gauge: required',
        'spec.resources[0].metrics[2] "c": each.type: required',
      ].join("; "),
    );
  });

  it("a [lookup] without '=' in any path", () => {
    const text = resources(`    - groupVersionKind: { group: g.io, version: v1, kind: Foo }
      labelsFromPath: { ready: [status, conditions, "[Ready]"] }
      metrics:
        - name: ready
          each: { type: Gauge, gauge: { path: [status, conditions, "[Ready]", status] } }
`);
    assert.equal(
      errorOf(text),
      [
        "spec.resources[0]: labelsFromPath.ready: invalid list lookup: [Ready]",
        'spec.resources[0].metrics[0] "ready": each.gauge.path: invalid list lookup: [Ready]',
      ].join("; "),
    );
  });

  it("a group that is missing or *", () => {
    assert.equal(
      errorOf(resources("    - groupVersionKind: { version: v1, kind: Foo }\n")),
      "spec.resources[0]: groupVersionKind.group: required",
    );
    assert.equal(
      errorOf(resources('    - groupVersionKind: { group: "*" }\n')),
      "spec.resources[0]: groupVersionKind.group: must name one API group, not *",
    );
    assert.equal(errorOf(resources("    - metrics: []\n")), "spec.resources[0]: groupVersionKind: required");
  });

  it("names that would break the exposition", () => {
    const text = resources(`    - groupVersionKind: { group: g.io, version: v1, kind: Foo }
      metricNamePrefix: "my-team"
      commonLabels: { "team-name": x }
      metrics:
        - name: up
          each: { type: Info, info: { path: [status], labelFromKey: "the key" } }
        - name: ""
          each: { type: Gauge, gauge: { path: [a] } }
`);
    assert.equal(
      errorOf(text),
      [
        'spec.resources[0]: commonLabels.team-name: "team-name" is not a valid label name',
        'spec.resources[0].metrics[0] "up": each.info.labelFromKey: "the key" is not a valid label name',
        'spec.resources[0].metrics[0] "up": name: "my-team_up" is not a valid metric name',
        "spec.resources[0].metrics[1]: name: required",
      ].join("; "),
    );
  });

  it("the same groupVersionKind twice (ksm documents this as a fatal error)", () => {
    assert.equal(
      errorOf(resources(`${fine}${fine}`)),
      "spec.resources[1]: groupVersionKind: the same as spec.resources[0]",
    );
  });

  it("the extensions outside crExporterMetrics", () => {
    const text = resources(`    - groupVersionKind: { group: g.io, version: v1, kind: Foo }
      metrics:
        - { name: n_total, each: { type: Counter, counter: { path: [a] } } }
        - { name: d, each: { type: Gauge, gauge: { path: [a], durations: true } } }
`);
    assert.equal(
      errorOf(text),
      [
        'spec.resources[0].metrics[0] "n_total": each.type: unknown metric type "Counter", expected Gauge, StateSet or Info (Counter is an extension: put it under crExporterMetrics)',
        'spec.resources[0].metrics[1] "d": each.gauge.durations: an extension: allowed under crExporterMetrics only',
      ].join("; "),
    );
  });

  it("wrong shapes: a list for a string, a scalar for a list, a non-boolean", () => {
    const text = resources(`    - groupVersionKind: { group: [g.io] }
      metrics:
        - { name: m, each: { type: Gauge, gauge: { path: status.phase, nilIsZero: "true" } } }
`);
    assert.equal(
      errorOf(text),
      [
        "spec.resources[0]: groupVersionKind.group: expected a string",
        'spec.resources[0].metrics[0] "m": each.gauge.path: expected a list',
        'spec.resources[0].metrics[0] "m": each.gauge.nilIsZero: expected true or false',
      ].join("; "),
    );
  });

  it("empty input and broken YAML", () => {
    assert.equal(errorOf(""), "the config is empty");
    assert.equal(errorOf("# only a comment\n"), "the config is empty");
    assert.match(errorOf("spec:\n  resources: [\n"), /^invalid YAML: line \d+: /);
    assert.match(errorOf("spec: {a: 1, a: 2}\n"), /^invalid YAML: line 1: .*[Uu]nique/);
    assert.equal(errorOf("- just a list\n"), "expected a mapping");
  });
});
