// Gauge, StateSet and Info on ksm's documented examples, then the iteration rules the
// documentation leaves implicit (read from ksm's registry_factory.go): which elements of maps and
// lists become series, what is silently skipped, what is reported.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { docFoo, fooConfig, GVK, mapWith, seriesOf } from "./ksm-helpers.ts";

const gauge = (name: string, body: string) =>
  `        - name: ${name}\n          help: "${name}"\n          each:\n            type: Gauge\n            gauge: ${body}\n`;

describe("ksm documentation examples", () => {
  it("Single Values: uptime", () => {
    const { parsed } = mapWith(fooConfig(gauge("uptime", "{ path: [status, uptime] }")), docFoo());
    assert.deepEqual(parsed.samples, [{ name: "kube_customresource_uptime", labels: GVK, value: 43.21 }]);
  });

  it("Multiple Metrics/Kitchen Sink: ready_count per key of status.sub", () => {
    const config = fooConfig(
      `        - name: ready_count
          help: Number Foo Bars ready
          each:
            type: Gauge
            gauge:
              path: [status, sub]
              labelFromKey: type
              labelsFromPath:
                active: [active]
              valueFrom: [ready]
          commonLabels:
            custom_metric: "yes"
          labelsFromPath:
            "*": [metadata, labels]
            "lorem_*": [metadata, annotations]
            name: [metadata, name]
            foo: [metadata, labels, foo]
`,
      `      commonLabels:
        crd_type: foo
      labelsFromPath:
        name: [metadata, name]
`,
    );
    const { parsed } = mapWith(config, docFoo());
    const common = "crd_type=foo,custom_metric=yes,foo=bar,lorem_bar=baz,lorem_qux=quxx,name=foo";
    assert.deepEqual(seriesOf(parsed, "kube_customresource_ready_count"), {
      [`active=1,${common},type=type-a`]: 2,
      [`active=3,${common},type=type-b`]: 4,
    });
  });

  it("Non-map Arrays: ref_info, one series per string", () => {
    const config = fooConfig(
      `        - name: ref_info
          help: Reference to other Foo
          each:
            type: Info
            info:
              path: [spec, refs]
              labelsFromPath:
                ref: []
`,
      "      labelsFromPath:\n        name: [metadata, name]\n",
    );
    const { parsed } = mapWith(config, docFoo());
    assert.deepEqual(seriesOf(parsed, "kube_customresource_ref_info"), {
      "name=foo,ref=my_other_foo": 1,
      "name=foo,ref=foo_2": 1,
      "name=foo,ref=foo_with_extensions": 1,
    });
    assert.equal(
      parsed.types.get("kube_customresource_ref_info"),
      "gauge",
      "text format writes info as gauge",
    );
  });

  it("StateSet: status_phase, one series per list entry", () => {
    const config = fooConfig(`        - name: status_phase
          help: Foo status_phase
          each:
            type: StateSet
            stateSet:
              labelName: phase
              path: [status, phase]
              list: [Pending, Bar, Baz]
`);
    const { parsed } = mapWith(config, docFoo());
    assert.deepEqual(seriesOf(parsed, "kube_customresource_status_phase"), {
      "phase=Pending": 1,
      "phase=Bar": 0,
      "phase=Baz": 0,
    });
  });

  it("Info: version from a path, value 1", () => {
    const config = fooConfig(`        - name: version
          help: Foo version
          each:
            type: Info
            info:
              labelsFromPath:
                version: [spec, version]
`);
    assert.deepEqual(seriesOf(mapWith(config, docFoo()).parsed, "kube_customresource_version"), {
      "version=v1.2.3": 1,
    });
  });

  it("status conditions: type label, status as the value", () => {
    const obj = docFoo();
    (obj.status as Record<string, unknown>).conditions = [
      { type: "Ready", status: "True", lastTransitionTime: "2019-10-22T16:29:31Z" },
      { type: "Synced", status: "Unknown" },
    ];
    const config = fooConfig(
      gauge(
        "foo_status",
        "{ path: [status, conditions], labelsFromPath: { type: [type] }, valueFrom: [status] }",
      ),
    );
    assert.deepEqual(seriesOf(mapWith(config, obj).parsed, "kube_customresource_foo_status"), {
      "type=Ready": 1,
      "type=Synced": 0,
    });
  });
});

describe("Gauge iteration", () => {
  it("a map of numbers gives one series per key (labelFromKey names it)", () => {
    const { parsed } = mapWith(
      fooConfig(gauge("active", "{ path: [status, active], labelFromKey: type }")),
      docFoo(),
    );
    assert.deepEqual(seriesOf(parsed, "kube_customresource_active"), { "type=type-a": 1, "type=type-b": 3 });
  });

  it("on a map, a one-segment valueFrom naming a key reads that entry; other entries give nothing", () => {
    // status is a map: its `uptime` entry is read directly; no other entry has an `uptime`.
    const { parsed, result } = mapWith(
      fooConfig(gauge("up", "{ path: [status], valueFrom: [uptime] }")),
      docFoo(),
    );
    assert.deepEqual(seriesOf(parsed, "kube_customresource_up"), { "": 43.21 });
    assert.equal(result.issues, undefined);
  });

  it("on a map, unparsable entries are skipped without an error, as ksm does", () => {
    const obj = docFoo();
    (obj.status as Record<string, unknown>).active = { a: "2", b: "many", c: { nested: 1 } };
    const { parsed, result } = mapWith(
      fooConfig(gauge("active", "{ path: [status, active], labelFromKey: k }")),
      obj,
    );
    assert.deepEqual(seriesOf(parsed, "kube_customresource_active"), { "k=a": 2 });
    assert.equal(result.issues, undefined);
  });

  it("a list gives one series per element; labelsFromPath is relative to the element", () => {
    const config = fooConfig(
      gauge("cond", "{ path: [status, conditions], labelsFromPath: { name: [name] }, valueFrom: [value] }"),
    );
    assert.deepEqual(seriesOf(mapWith(config, docFoo()).parsed, "kube_customresource_cond"), {
      "name=a": 45,
      "name=b": 66,
    });
  });

  it("a path that does not resolve is an error and no series, unless nilIsZero", () => {
    const missing = mapWith(fooConfig(gauge("gone", "{ path: [status, nothere] }")), docFoo());
    assert.equal(missing.parsed.samples.length, 0);
    assert.deepEqual(missing.result.issues, [
      {
        reason: "missing_path",
        detail: "Foo kube_customresource_gone [status,nothere]: path does not resolve",
      },
    ]);
    const zero = mapWith(fooConfig(gauge("gone", "{ path: [status, nothere], nilIsZero: true }")), docFoo());
    assert.deepEqual(seriesOf(zero.parsed, "kube_customresource_gone"), { "": 0 });
    assert.equal(zero.result.issues, undefined);
  });

  it("a value that resolves but does not parse is an error naming path and valueFrom", () => {
    const { parsed, result } = mapWith(
      fooConfig(gauge("v", "{ path: [spec], valueFrom: [version] }")),
      docFoo(),
    );
    assert.equal(parsed.samples.length, 0);
    assert.deepEqual(result.issues, [
      {
        reason: "unparsable_value",
        detail:
          "Foo kube_customresource_v [spec,version]: not a number, boolean, RFC 3339 time, quantity or percentage",
      },
    ]);
  });

  it("a valueFrom that does not resolve on a scalar is silent (ksm: not a type-casting issue)", () => {
    const { parsed, result } = mapWith(
      fooConfig(gauge("r", "{ path: [spec, replicas], valueFrom: [nope] }")),
      docFoo(),
    );
    assert.equal(parsed.samples.length, 0);
    assert.equal(result.issues, undefined);
  });

  it("a list element that is null is an error, or 0 with nilIsZero", () => {
    const obj = docFoo();
    (obj.status as Record<string, unknown>).conditions = [null, { name: "b", value: 66 }];
    const config = (nil: boolean) =>
      fooConfig(
        gauge(
          "c",
          `{ path: [status, conditions], labelsFromPath: { name: [name] }, valueFrom: [value], nilIsZero: ${nil} }`,
        ),
      );
    const strict = mapWith(config(false), obj);
    assert.deepEqual(seriesOf(strict.parsed, "kube_customresource_c"), { "name=b": 66 });
    assert.equal(strict.result.issues?.[0]?.reason, "missing_path");
    assert.deepEqual(seriesOf(mapWith(config(true), obj).parsed, "kube_customresource_c"), {
      "": 0,
      "name=b": 66,
    });
  });
});

describe("StateSet", () => {
  const stateSet = (body: string) =>
    fooConfig(
      `        - name: s\n          help: s\n          each:\n            type: StateSet\n            stateSet: ${body}\n`,
    );

  it("gives nothing and reports nothing while the value is unset", () => {
    const { result } = mapWith(stateSet("{ path: [status, nothere], labelName: p, list: [a] }"), docFoo());
    assert.deepEqual(result, { families: [] });
  });

  it("reports a value that is not a string", () => {
    const { parsed, result } = mapWith(
      stateSet("{ path: [spec, replicas], labelName: p, list: ['1'] }"),
      docFoo(),
    );
    assert.equal(parsed.samples.length, 0);
    assert.deepEqual(result.issues, [
      {
        reason: "unparsable_value",
        detail: "Foo kube_customresource_s [spec,replicas]: expected a string, got int64",
      },
    ]);
  });

  it("on a list, one set per element, with valueFrom and labels from the element", () => {
    const obj = docFoo();
    (obj.status as Record<string, unknown>).conditions = [
      { type: "Ready", status: "True" },
      { type: "Synced", status: "False" },
    ];
    const config = stateSet(
      "{ path: [status, conditions], valueFrom: [status], labelName: status, list: ['True', 'False'], labelsFromPath: { type: [type] } }",
    );
    assert.deepEqual(seriesOf(mapWith(config, obj).parsed, "kube_customresource_s"), {
      "status=True,type=Ready": 1,
      "status=False,type=Ready": 0,
      "status=True,type=Synced": 0,
      "status=False,type=Synced": 1,
    });
  });

  it("labelsFromPath of the same name overrides labelName (each-level order in ksm)", () => {
    const config = stateSet(
      "{ path: [status], valueFrom: [phase], labelName: phase, list: [Pending], labelsFromPath: { phase: [uptime] } }",
    );
    assert.deepEqual(seriesOf(mapWith(config, docFoo()).parsed, "kube_customresource_s"), {
      "phase=43.21": 1,
    });
  });
});

describe("Info", () => {
  const info = (body: string) =>
    fooConfig(
      `        - name: i\n          help: i\n          each:\n            type: Info\n            info: ${body}\n`,
    );

  it("labelFromKey gives one series per key of a map", () => {
    assert.deepEqual(
      seriesOf(
        mapWith(info("{ path: [status, active], labelFromKey: type }"), docFoo()).parsed,
        "kube_customresource_i",
      ),
      {
        "type=type-a": 1,
        "type=type-b": 1,
      },
    );
  });

  it("on a map, labels come from each entry, plus one series for the map itself", () => {
    const parsed = mapWith(
      info("{ path: [status, sub], labelsFromPath: { active: [active], whole: [type-a, ready] } }"),
      docFoo(),
    ).parsed;
    assert.deepEqual(seriesOf(parsed, "kube_customresource_i"), {
      "active=1": 1,
      "active=3": 1,
      "whole=2": 1,
    });
  });

  it("on a list of objects, one series per element with labels", () => {
    assert.deepEqual(
      seriesOf(
        mapWith(info("{ path: [spec, order], labelsFromPath: { id: [id], value: [value] } }"), docFoo())
          .parsed,
        "kube_customresource_i",
      ),
      { "id=1,value=true": 1, "id=3,value=false": 1 },
    );
  });

  it("gives nothing for a path that does not resolve, and no error", () => {
    assert.deepEqual(mapWith(info("{ path: [does, not, exist] }"), docFoo()).result, { families: [] });
  });
});
