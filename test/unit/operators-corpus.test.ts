// The auto mapper over the real-operator corpus (test/fixtures/operators/: published CRDs of 15
// operators, objects whose status follows each controller's types): the contract of
// docs/metrics.md on real shapes. Per object: a bounded number of series whatever its lists
// hold; label sets that depend neither on list order nor on repeated names nor on list length;
// no prose in a label; an exposition Prometheus' own parser and linter accept and a strict
// OpenMetrics parse; and the key signals of SIGNALS.yaml (read from the data, not from this
// exporter) present with their values.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { createAutoMapper } from "../../src/mapping/auto/index.ts";
import { toSnakeCase } from "../../src/mapping/exposition.ts";
import type { KubeObject, MappingResult } from "../../src/mapping/types.ts";
import { toolPath } from "../cluster/cluster.ts";
import { type CorpusKind, loadCorpus, loadSignals } from "../helpers/corpus.ts";
import { BUDGET, expectationOf, findSeries, isKeyed, schemaAt } from "../helpers/corpus-contract.ts";
import { parseExposition } from "../helpers/exposition.ts";
import { serve } from "../helpers/serve.ts";

const corpus = loadCorpus();
const mapper = createAutoMapper();

const keyOf = (k: CorpusKind) => `${k.info.group}/${k.info.kind}`;

function mapOne(kind: CorpusKind, obj: KubeObject): MappingResult {
  return mapper.forKind(kind.info)!.map(obj, undefined);
}

function seriesCount(r: MappingResult): number {
  return r.families.reduce((n, f) => n + f.series, 0);
}

/** `name{labels}` of every series, sorted: the identities, without values. */
function identities(r: MappingResult): string[] {
  return parseExposition(serve([r]))
    .samples.map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`)
    .sort();
}

function withValues(r: MappingResult): string[] {
  return parseExposition(serve([r]))
    .samples.map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}=${s.value}`)
    .sort();
}

/** A deep copy with every list under .status transformed. */
function transformLists(obj: KubeObject, f: (list: unknown[], path: string) => unknown[]): KubeObject {
  const walk = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return f(v, path).map((x) => walk(x, `${path}[]`));
    if (v !== null && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${path}.${k}`)]));
    return v;
  };
  return { ...obj, status: walk(structuredClone(obj.status), "status") };
}

describe("auto mapper over the real-operator corpus", () => {
  it("has the kinds the issue names (at least 15, from at least 12 operators)", () => {
    assert.ok(corpus.length >= 15, `${corpus.length} kinds`);
    assert.ok(new Set(corpus.map((k) => k.operator)).size >= 12);
    for (const k of corpus) assert.ok(BUDGET[keyOf(k)] !== undefined, `a budget for ${keyOf(k)}`);
  });

  it("keeps every object under its kind's series budget and the global cap, big ones included", () => {
    for (const k of corpus) {
      for (const obj of k.objects) {
        const r = mapOne(k, obj);
        const n = seriesCount(r);
        assert.ok(n <= BUDGET[keyOf(k)]!, `${keyOf(k)} ${obj.metadata?.name}: ${n} series`);
        assert.equal(
          r.dropped?.find((d) => d.reason === "object_series_limit"),
          undefined,
          `${obj.metadata?.name}: the per-object cap is a backstop, not the budget`,
        );
      }
    }
  });

  it("does not grow with the lists of managed things: three times every unkeyed list, same series", () => {
    let grown = 0;
    for (const k of corpus) {
      for (const obj of k.objects) {
        const before = identities(mapOne(k, obj));
        const tripled = transformLists(obj, (list, path) =>
          isKeyed(schemaAt(k, path)) || path.endsWith("conditions") ? list : [...list, ...list, ...list],
        );
        assert.deepEqual(identities(mapOne(k, tripled)), before, `${keyOf(k)} ${obj.metadata?.name}`);
        grown++;
      }
    }
    assert.ok(grown > 100);
  });

  it("keys no series by list order: every list reversed gives the same series and values", () => {
    for (const k of corpus) {
      for (const obj of k.objects) {
        const reversed = transformLists(obj, (list) => [...list].reverse());
        assert.deepEqual(
          withValues(mapOne(k, reversed)),
          withValues(mapOne(k, obj)),
          `${obj.metadata?.name}`,
        );
      }
    }
  });

  it("never makes a label of prose (messages, sentences, error strings)", () => {
    const objectLabels = new Set(["group", "kind", "namespace", "name", "uid", "version"]);
    for (const k of corpus) {
      for (const obj of k.objects) {
        const messages = new Set<string>();
        JSON.stringify(obj.status ?? {}, (key, v) => {
          if (
            (key === "message" || key.endsWith("Message") || key === "phaseReason") &&
            typeof v === "string"
          )
            if (/\s/.test(v)) messages.add(v); // a one-word message (CanaryPauseStep) is a reason too
          return v;
        });
        for (const s of parseExposition(serve([mapOne(k, obj)])).samples) {
          for (const [label, value] of Object.entries(s.labels)) {
            // cr_health_reason's reason is the exporter's own bounded wording, not data.
            if (objectLabels.has(label) || s.name === "cr_health_reason") continue;
            assert.ok(!messages.has(value), `${s.name}{${label}} is a message: ${value}`);
            assert.ok(value.length <= 128 && !value.includes("\n"), `${s.name}{${label}}: ${value}`);
            assert.ok(!/[.:;!?]\s|\s{2}/.test(value), `${s.name}{${label}} reads as prose: ${value}`);
          }
        }
      }
    }
  });

  it("serves a valid exposition: strict text and OpenMetrics parses, one family per name", () => {
    const results = corpus.flatMap((k) => k.objects.map((o) => mapOne(k, o)));
    const text = parseExposition(serve(results));
    assert.ok(text.samples.length > 3000);
    const om = serve(results, "openmetrics");
    const parsed = parseExposition(om, "openmetrics");
    assert.equal(parsed.samples.length, text.samples.length);
    const typeLines = om.split("\n").filter((l) => l.startsWith("# TYPE "));
    const names = typeLines.map((l) => l.split(" ")[2]);
    assert.equal(new Set(names).size, names.length, "no family name has two TYPE lines");
  });

  it("passes promtool check metrics with no lint finding a field's own name does not force", () => {
    const results = corpus.flatMap((k) => k.objects.map((o) => mapOne(k, o)));
    const body = serve(results);
    const r = spawnSync(toolPath("promtool"), ["check", "metrics"], {
      input: body,
      encoding: "utf8",
      maxBuffer: 2 ** 26,
    });
    const findings = `${r.stdout}${r.stderr}`
      .split("\n")
      .filter((l) => l.trim() !== "")
      .filter((l) => !/^\s*$/.test(l));
    // Field names in the corpus that end like a reserved suffix (jobCount, pvcCount...).
    const fields = new Set<string>();
    for (const k of corpus)
      for (const o of k.objects)
        JSON.stringify(o.status ?? {}, (key, v) => {
          if (key !== "") fields.add(toSnakeCase(key));
          return v;
        });
    for (const line of findings) {
      const m = /^(\S+) (.*)$/.exec(line.trim());
      assert.ok(m, `promtool: ${line}`);
      const [, metric = "", problem = ""] = m;
      const last = metric
        .replace(/^cr_(status|spec)_/, "")
        .split("_")
        .slice(-2)
        .join("_");
      const forced = [...fields].some((f) => metric.endsWith(f) && /_(count|total|sum|bucket)$/.test(f));
      assert.ok(forced, `promtool: ${metric}: ${problem} (not forced by a field name: ${last})`);
    }
  });
});

describe("the key signals of each operator's kinds (SIGNALS.yaml)", () => {
  const signals = loadSignals();
  for (const sk of signals) {
    it(`${sk.kind}.${sk.group}: every signal the contract exports is there with its value`, () => {
      const kind = corpus.find((k) => k.info.group === sk.group && k.info.kind === sk.kind);
      assert.ok(kind, `${sk.kind}.${sk.group} is in the corpus`);
      let checked = 0;
      for (const s of sk.signals) {
        const obj = kind.objects.find((o) => o.metadata?.name === s.object);
        assert.ok(obj, `${s.object} exists`);
        const e = expectationOf(kind, s, obj);
        if (e === undefined) continue;
        const parsed = parseExposition(serve([mapOne(kind, obj)]));
        const found = findSeries(parsed, e);
        assert.equal(
          found.length,
          1,
          `${s.object} ${s.field}: one series ${e.family}${JSON.stringify(e.labels)} ${e.anyLabelValue ?? ""}`,
        );
        assert.equal(found[0]!.value, e.value, `${s.object} ${s.field}`);
        checked++;
      }
      assert.ok(
        checked >= Math.min(3, sk.signals.length),
        `${checked} of ${sk.signals.length} signals checked`,
      );
    });
  }
});
