import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import type { KindInfo, KindMapper, KubeObject } from "../../src/mapping/types.ts";
import { KindPipeline, objectKey, RelistingSink } from "../../src/pipeline.ts";
import { MetricStore } from "../../src/store/store.ts";
import { RateLimitedLog } from "../../src/telemetry/log.ts";
import { createSelfMetrics } from "../../src/telemetry/metrics.ts";

const info: KindInfo = { group: "g.io", version: "v1", kind: "Thing", plural: "things", namespaced: true };

/** A mapper that renders one line per object and counts how often it saw each uid. */
const counting: KindMapper = {
  map(obj, previous) {
    const seen = ((previous as number | undefined) ?? 0) + 1;
    const name = obj.metadata?.name ?? "";
    if (name === "bad")
      return {
        families: [],
        state: seen,
        issues: [{ reason: "unparsable_value", detail: ".status.x: not a number" }],
      };
    return {
      families: [
        {
          meta: { name: "t_seen", type: "gauge", help: "h" },
          text: `t_seen{name="${name}"} ${seen}\n`,
          series: 1,
        },
      ],
      state: seen,
    };
  },
};

const throwing: KindMapper = {
  map() {
    throw new Error("boom");
  },
};

function setup(mappers: KindMapper[] = [counting], owns: (uid: string) => boolean = () => true) {
  const store = new MetricStore();
  const metrics = createSelfMetrics("test");
  const log = pino({ level: "silent" });
  const pipeline = new KindPipeline(info, mappers, store.kind("things.g.io"), {
    metrics,
    warnings: new RateLimitedLog(log),
    owns,
  });
  return { store, metrics, pipeline };
}

const obj = (name: string, uid = `uid-${name}`): KubeObject => ({ metadata: { name, namespace: "ns", uid } });
const lines = (store: MetricStore) =>
  store.snapshot().flatMap((f) =>
    f.segments
      .flatMap((s) => [...s.chunks()])
      .join("")
      .trim()
      .split("\n"),
  );

describe("KindPipeline", () => {
  it("exports the kind's dropped-series counters at 0 before anything is dropped", async () => {
    const { metrics } = setup();
    const dropped = (await metrics.registry.getSingleMetricAsString("cr_exporter_series_dropped_total"))
      .split("\n")
      .filter((l) => !l.startsWith("#") && l !== "");
    assert.deepEqual(dropped.sort(), [
      'cr_exporter_series_dropped_total{group="g.io",kind="Thing",reason="list_items_max"} 0',
      'cr_exporter_series_dropped_total{group="g.io",kind="Thing",reason="object_series_limit"} 0',
      'cr_exporter_series_dropped_total{group="g.io",kind="Thing",reason="series_limit"} 0',
      'cr_exporter_series_dropped_total{group="g.io",kind="Thing",reason="type_conflict"} 0',
    ]);
  });

  it("hands each mapper its own previous state", () => {
    const { store, pipeline } = setup();
    pipeline.upsert(obj("a"));
    pipeline.upsert(obj("a"));
    assert.deepEqual(lines(store), ['t_seen{name="a"} 2']);
  });

  it("keys objects by namespace/name, the identity of their series", () => {
    assert.equal(objectKey(obj("a", "u1")), "ns/a");
    assert.equal(objectKey({ metadata: { name: "a", namespace: "n" } }), "n/a");
    assert.equal(objectKey({ metadata: { name: "c" } }), "/c");
    assert.equal(objectKey({ metadata: { uid: "u" } }), undefined);
    assert.equal(objectKey({}), undefined);
  });

  it("counts mapping issues and a throwing mapper without losing other objects", async () => {
    const { store, metrics, pipeline } = setup([counting, throwing]);
    pipeline.upsert(obj("bad"));
    pipeline.upsert(obj("good"));
    assert.deepEqual(lines(store), ['t_seen{name="good"} 1']);
    const text = await metrics.registry.metrics();
    assert.match(
      text,
      /cr_exporter_value_errors_total\{group="g.io",kind="Thing",reason="unparsable_value"\} 1/,
    );
    assert.match(
      text,
      /cr_exporter_value_errors_total\{group="g.io",kind="Thing",reason="mapper_exception"\} 2/,
    );
    assert.match(text, /cr_exporter_objects\{group="g.io",kind="Thing"\} 2/);
  });

  it("skips objects another shard owns", () => {
    const { store, pipeline } = setup([counting], (uid) => uid !== "uid-theirs");
    pipeline.upsert(obj("mine"));
    pipeline.upsert(obj("theirs"));
    assert.deepEqual(lines(store), ['t_seen{name="mine"} 1']);
  });
});

describe("RelistingSink", () => {
  it("removes, on relist, exactly the objects the new list no longer has", () => {
    const { store, pipeline } = setup();
    const sink = new RelistingSink(pipeline);
    sink.listStart();
    for (const n of ["a", "b", "c"]) sink.upsert(obj(n));
    sink.listDone();
    sink.remove(obj("c")); // a watch DELETED
    sink.upsert(obj("d")); // a watch ADDED
    sink.listStart(); // relist after a 410: b is gone meanwhile
    sink.upsert(obj("a"));
    sink.upsert(obj("d"));
    sink.listDone();
    assert.deepEqual(lines(store).sort(), ['t_seen{name="a"} 2', 't_seen{name="d"} 2']);
  });

  it("a relist that finds objects re-created under the same names never shows a name twice", () => {
    const { store, pipeline } = setup();
    const sink = new RelistingSink(pipeline);
    const names = ["d-0", "d-1", "d-2"];
    sink.listStart();
    for (const n of names) sink.upsert(obj(n, `old-${n}`));
    sink.listDone();
    // Cut off: all deleted and re-created; then a 410 relist, one object per page.
    sink.listStart();
    for (const n of names) {
      sink.upsert(obj(n, `new-${n}`));
      const scraped = lines(store);
      assert.equal(
        new Set(scraped.map((l) => l.split(" ")[0])).size,
        scraped.length,
        `mid-relist: ${scraped}`,
      );
      assert.equal(scraped.length, names.length);
    }
    sink.listDone();
    // Counters of a new uid start afresh (t_seen counts deliveries per object).
    assert.deepEqual(lines(store).sort(), [
      't_seen{name="d-0"} 1',
      't_seen{name="d-1"} 1',
      't_seen{name="d-2"} 1',
    ]);
    // A late DELETED of an old uid removes nothing.
    sink.remove(obj("d-0", "old-d-0"));
    assert.equal(lines(store).length, 3);
  });

  it("asks its loop for a relist when room frees up under the series limit", () => {
    const store = new MetricStore();
    const pipeline = new KindPipeline(info, [counting], store.kind("things.g.io", 2), {
      metrics: createSelfMetrics("test"),
      warnings: new RateLimitedLog(pino({ level: "silent" })),
      owns: () => true,
    });
    const sink = new RelistingSink(pipeline);
    let relists = 0;
    sink.attach({ requestRelist: () => relists++ });
    sink.listStart();
    for (const n of ["a", "b", "c"]) sink.upsert(obj(n));
    sink.listDone();
    assert.deepEqual(lines(store), ['t_seen{name="a"} 1', 't_seen{name="b"} 1']);
    sink.remove(obj("a"));
    assert.equal(relists, 1);
    sink.listStart();
    for (const n of ["b", "c"]) sink.upsert(obj(n));
    sink.listDone();
    assert.deepEqual(lines(store), ['t_seen{name="b"} 2', 't_seen{name="c"} 2']);
  });

  it("leaves objects of a sibling loop (another namespace) alone", () => {
    const { store, pipeline } = setup();
    const ns1 = new RelistingSink(pipeline);
    const ns2 = new RelistingSink(pipeline);
    ns1.listStart();
    ns1.upsert(obj("one"));
    ns1.listDone();
    ns2.listStart();
    ns2.upsert(obj("two"));
    ns2.listDone();
    ns1.listStart();
    ns1.listDone(); // ns1 is now empty; ns2's object must survive
    assert.deepEqual(lines(store), ['t_seen{name="two"} 1']);
  });
});
