import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSelfMetrics, removeKindSeries } from "../../src/telemetry/metrics.ts";

const series = async (m: ReturnType<typeof createSelfMetrics>, match: string) =>
  (await m.registry.metrics()).split("\n").filter((l) => l.startsWith("cr_exporter_") && l.includes(match));

describe("self-metrics", () => {
  it("removeKindSeries removes every series of one kind, whatever its other labels, and no other", async () => {
    const m = createSelfMetrics("test");
    for (const kind of ["Gone", "Kept"]) {
      const labels = { group: "g.io", kind };
      m.watchEvents.inc({ ...labels, type: "ADDED" });
      m.watchEvents.inc({ ...labels, type: "BOOKMARK" });
      m.listDuration.observe(labels, 0.2);
      m.watchRestarts.inc({ ...labels, reason: "gone" });
      m.requestErrors.inc({ ...labels, verb: "list", code: "500" });
      m.kindSynced.set(labels, 1);
      m.kindForbidden.set(labels, 0);
      m.objects.set(labels, 3);
      m.series.set(labels, 30);
      m.seriesDropped.inc({ ...labels, reason: "series_limit" }, 0);
      m.valueErrors.inc({ ...labels, reason: "unparsable_value" });
    }
    let fresh = [
      { group: "g.io", kind: "Gone", freshAt: Date.now(), staleAfterMs: 1000 },
      { group: "g.io", kind: "Kept", freshAt: Date.now(), staleAfterMs: 1000 },
    ];
    m.kindFreshness = () => fresh;
    const kept = await series(m, 'kind="Kept"');
    assert.ok((await series(m, 'kind="Gone"')).length >= 20);
    removeKindSeries(m, { group: "g.io", kind: "Gone" });
    fresh = fresh.filter((k) => k.kind !== "Gone");
    assert.deepEqual(await series(m, 'kind="Gone"'), []);
    assert.equal((await series(m, 'kind="Kept"')).length, kept.length);
  });

  it("exports each kind's data age and stale verdict from the source's freshness, at scrape time", async () => {
    const m = createSelfMetrics("test");
    const now = Date.now();
    m.kindFreshness = () => [
      { group: "g.io", kind: "Fresh", freshAt: now - 2_000, staleAfterMs: 60_000 },
      { group: "g.io", kind: "Old", freshAt: now - 600_000, staleAfterMs: 60_000 },
    ];
    const value = async (name: string, kind: string) => {
      const line = (await series(m, `${name}{group="g.io",kind="${kind}"}`))[0];
      assert.ok(line, `${name} for ${kind}`);
      return Number(line.split(" ")[1]);
    };
    assert.ok((await value("cr_exporter_kind_data_age_seconds", "Fresh")) >= 2);
    assert.ok((await value("cr_exporter_kind_data_age_seconds", "Fresh")) < 60);
    assert.ok((await value("cr_exporter_kind_data_age_seconds", "Old")) >= 600);
    assert.equal(await value("cr_exporter_kind_stale", "Fresh"), 0);
    assert.equal(await value("cr_exporter_kind_stale", "Old"), 1);
    assert.equal(await value("cr_exporter_kind_last_sync_timestamp_seconds", "Old"), (now - 600_000) / 1000);
  });
});
