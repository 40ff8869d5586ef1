import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { esc, renderStatusPage, statusPage, tallyStore } from "../../src/http/status-page.ts";
import type { MetricStore, SnapshotFamily } from "../../src/store/store.ts";

function fakeStore(families: Array<[string, string, string[]]>) {
  let snapshots = 0;
  const store = {
    snapshot(): SnapshotFamily[] {
      snapshots++;
      return families.map(
        ([name, type, chunks]) =>
          ({
            meta: { name, type, help: name },
            segments: [
              {
                bytes: 0,
                *chunks() {
                  yield* chunks;
                },
              },
            ],
          }) as unknown as SnapshotFamily,
      );
    },
  };
  return { store: store as unknown as MetricStore, snapshots: () => snapshots };
}

const readiness = { ready: () => true, detail: () => [] };
const obj = (kind: string, ns: string, name: string) =>
  `group="g",kind="${kind}",namespace="${ns}",name="${name}"`;

describe("status page", () => {
  it("escapes the five HTML-special characters", () => {
    assert.equal(
      esc(`<a href="x" title='y'>&</a>`),
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  it("tallies series per family, per object and health verdicts from the store's texts", async () => {
    const { store } = fakeStore([
      [
        "cr_info",
        "gauge",
        [
          `cr_info{${obj("Q", "a", "x")},version="v1",uid="1"} 1\ncr_info{${obj("Q", "a", 'q\\"uote')},version="v2",uid="2"} 1\n`,
        ],
      ],
      [
        "cr_health",
        "gauge",
        [
          `cr_health{${obj("Q", "a", "x")},state="Current"} 1\ncr_health{${obj("Q", "a", "x")},state="Failed"} 0\n`,
          `cr_health{${obj("Q", "a", 'q\\"uote')},state="Failed"} 1\n`,
        ],
      ],
      [
        "cr_status_resources_health",
        "gauge",
        [`cr_status_resources_health{${obj("Q", "a", "x")},health="Ok"} 1\n`],
      ],
    ]);
    const tally = await tallyStore(store);
    assert.equal(tally.series, 6);
    assert.deepEqual(
      tally.families.map((f) => [f.name, f.series]),
      [
        ["cr_info", 2],
        ["cr_health", 3],
        ["cr_status_resources_health", 1],
      ],
    );
    assert.deepEqual(
      [...tally.objects.values()].map((o) => [o.object, o.series]),
      [
        ["a/x", 4],
        ['a/q"uote', 2],
      ],
    );
    assert.deepEqual(
      [...tally.health.get("Q")!],
      [
        ["Current", 1],
        ["Failed", 1],
      ],
    );
    assert.deepEqual([...tally.versions.get("g\u0000Q")!], ["v1", "v2"]);
    const html = await renderStatusPage(store, readiness, new Registry());
    assert.ok(html.includes("a/q&quot;uote") && !html.includes('a/q"uote'));
  });

  it("renders one page at a time and reuses it for a while", async () => {
    const { store, snapshots } = fakeStore([["cr_info", "gauge", ["cr_info{} 1\n"]]]);
    const registry = new Registry();
    const page = statusPage(store, readiness, registry, 60_000);
    const pages = await Promise.all([page(), page(), page()]);
    assert.equal(snapshots(), 1, "concurrent views share one rendering");
    assert.equal(new Set(pages).size, 1);
    await page();
    assert.equal(snapshots(), 1, "reused within maxAgeMs");
    const fresh = statusPage(store, readiness, registry, 0);
    await fresh();
    await fresh();
    assert.equal(snapshots(), 3, "rendered again once it is older than maxAgeMs");
  });
});
