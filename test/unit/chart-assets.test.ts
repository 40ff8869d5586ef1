// The chart's files that must follow other sources of truth: its copy of rules/ and dashboards/
// (scripts/sync-chart-assets.ts), its values schema's `config` (the exporter's own settings),
// its appVersion (package.json) and its README (every value). No helm needed.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { assetDifferences, expectedAssets, syncAssets } from "../../scripts/sync-chart-assets.ts";
import { optionsSchema } from "../../src/config/options.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const CHART = join(ROOT, "charts/cr-exporter");

const RULES = "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: vector(1)\n";
const PROMTOOL_TEST = "rule_files: [a.yaml]\ntests: []\n";
const DASHBOARD = '{"uid": "a", "title": "A"}\n';

function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), "chart-assets-"));
}

describe("chart assets: one source of truth for rules and dashboards", () => {
  it("the chart's files/ is an exact copy of rules/ and dashboards/ (run scripts/sync-chart-assets.ts)", () => {
    assert.deepEqual(assetDifferences(), []);
  });

  it("handles no rules/ or dashboards/ folders at all: nothing to copy, nothing written", () => {
    const root = tempRoot();
    try {
      assert.deepEqual(assetDifferences(root), []);
      assert.deepEqual(syncAssets(root), []);
      mkdirSync(join(root, "rules"));
      mkdirSync(join(root, "dashboards"));
      assert.deepEqual(assetDifferences(root), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("detects missing, changed and orphaned copies; sync fixes them; promtool tests are not rules", () => {
    const root = tempRoot();
    try {
      mkdirSync(join(root, "rules"));
      mkdirSync(join(root, "dashboards"));
      writeFileSync(join(root, "rules/cr.yml"), RULES);
      writeFileSync(join(root, "rules/cr_test.yaml"), PROMTOOL_TEST);
      writeFileSync(join(root, "dashboards/overview.json"), DASHBOARD);
      writeFileSync(join(root, "dashboards/notes.md"), "not a dashboard\n");
      assert.deepEqual(assetDifferences(root), [
        "charts/cr-exporter/files/dashboards/overview.json is missing (copy of dashboards/overview.json)",
        "charts/cr-exporter/files/rules/cr.yaml is missing (copy of rules/cr.yml)",
      ]);
      assert.deepEqual(syncAssets(root).sort(), [
        "wrote charts/cr-exporter/files/dashboards/overview.json",
        "wrote charts/cr-exporter/files/rules/cr.yaml",
      ]);
      assert.deepEqual(assetDifferences(root), []);
      assert.equal(readFileSync(join(root, "charts/cr-exporter/files/rules/cr.yaml"), "utf8"), RULES);

      // One byte changed in the source: the check fails until synced again.
      writeFileSync(join(root, "dashboards/overview.json"), DASHBOARD.replace('"A"', '"B"'));
      assert.deepEqual(assetDifferences(root), [
        "charts/cr-exporter/files/dashboards/overview.json differs from dashboards/overview.json",
      ]);
      // An edit made in the chart's copy instead of the source fails too.
      syncAssets(root);
      writeFileSync(join(root, "charts/cr-exporter/files/rules/cr.yaml"), `${RULES}# edited\n`);
      assert.deepEqual(assetDifferences(root), [
        "charts/cr-exporter/files/rules/cr.yaml differs from rules/cr.yml",
      ]);
      syncAssets(root);

      // A source removed: its copy is an orphan, deleted by sync.
      unlinkSync(join(root, "rules/cr.yml"));
      assert.deepEqual(assetDifferences(root), [
        "charts/cr-exporter/files/rules/cr.yaml has no source in rules/ or dashboards/ any more",
      ]);
      assert.deepEqual(syncAssets(root), ["deleted charts/cr-exporter/files/rules/cr.yaml"]);
      assert.deepEqual(assetDifferences(root), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("refuses broken sources loudly instead of skipping them", () => {
    const root = tempRoot();
    try {
      mkdirSync(join(root, "rules"));
      writeFileSync(join(root, "rules/bad.yaml"), "groups: [\n");
      assert.throws(() => expectedAssets(root), /rules\/bad\.yaml: not valid YAML/);
      rmSync(join(root, "rules/bad.yaml"));
      writeFileSync(join(root, "rules/a.yaml"), RULES);
      writeFileSync(join(root, "rules/a.yml"), RULES);
      assert.throws(() => expectedAssets(root), /would both be copied to .*a\.yaml/);
      rmSync(join(root, "rules"), { recursive: true });
      mkdirSync(join(root, "dashboards"));
      writeFileSync(join(root, "dashboards/bad.json"), "{");
      assert.throws(() => expectedAssets(root), /dashboards\/bad\.json: not valid JSON/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("chart values follow the exporter", () => {
  const schema = JSON.parse(readFileSync(join(CHART, "values.schema.json"), "utf8"));
  const values = parseYaml(readFileSync(join(CHART, "values.yaml"), "utf8")) as Record<string, unknown>;

  it("`config` accepts every exporter setting except the ones the chart derives itself", () => {
    // Set by the chart from groups, namespaces, ports, sharding, customResourceState, or
    // meaningless in a pod: kept out of `config` so they cannot contradict the chart.
    const managed = [
      "port",
      "telemetryPort",
      "kubeconfig",
      "context",
      "fromFiles",
      "config",
      "shard",
      "totalShards",
      "includeGroups",
      "namespaces",
      "customResourceStateConfigFile",
      "customResourceStateConfig",
    ];
    const inSchema = Object.keys(schema.properties.config.properties);
    assert.equal(schema.properties.config.additionalProperties, false);
    assert.deepEqual(
      [...inSchema, ...managed].sort(),
      Object.keys(optionsSchema.shape).sort(),
      "a new exporter setting must be added to the chart's values.schema.json config (or to the managed list)",
    );
  });

  it("appVersion is the exporter's package.json version (the default image tag)", () => {
    const chart = parseYaml(readFileSync(join(CHART, "Chart.yaml"), "utf8")) as { appVersion: string };
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal(chart.appVersion, pkg.version);
  });

  it("every value is in the schema, with a description, and documented in the README", () => {
    const readme = readFileSync(join(CHART, "README.md"), "utf8");
    // Maps whose keys are Kubernetes fields (not chart values) are documented as a whole.
    const opaque = new Set([
      "resources",
      "podSecurityContext",
      "containerSecurityContext",
      "livenessProbe",
      "readinessProbe",
    ]);
    const missing: string[] = [];
    const walk = (node: Record<string, unknown>, nodeSchema: Record<string, unknown>, prefix: string) => {
      for (const [key, value] of Object.entries(node)) {
        const path = prefix ? `${prefix}.${key}` : key;
        const props = (nodeSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
        const sub = props[key];
        if (!sub) missing.push(`${path}: not in values.schema.json`);
        else if (typeof sub.description !== "string" || sub.description === "")
          missing.push(`${path}: no description in values.schema.json`);
        const nested =
          value !== null &&
          typeof value === "object" &&
          !Array.isArray(value) &&
          Object.keys(value).length > 0 &&
          !opaque.has(path);
        if (nested) walk(value as Record<string, unknown>, sub ?? {}, path);
        else if (!readme.includes(`| \`${path}\` |`))
          missing.push(`${path}: not in README.md's values tables`);
      }
    };
    walk(values, schema, "");
    assert.deepEqual(missing, []);
    assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
    assert.equal(schema.additionalProperties, false);
  });

  it("default resources: the limit is the sizing table's up to 10,000 objects, the request above its 1,000-object RSS", () => {
    const readme = readFileSync(join(CHART, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Sizing"));
    const rows = new Map<string, string[]>();
    for (const line of section.split("\n").slice(0, 40)) {
      const cells = line.split("|").map((c) => c.trim());
      if (/^[\d,]+$/.test(cells[1] ?? "")) rows.set(cells[1]!, cells.slice(2, -1));
    }
    assert.ok(rows.has("1,000") && rows.has("10,000") && rows.has("50,000"), [...rows.keys()].join(" "));
    const values = parseYaml(readFileSync(join(CHART, "values.yaml"), "utf8")) as {
      resources: { requests: { memory: string }; limits: { memory: string } };
    };
    const mib = (q: string) => {
      const m = /^(\d+)(Mi|Gi)$/.exec(q);
      assert.ok(m, `a Mi or Gi quantity: ${q}`);
      return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
    };
    const [, , , limitAt10k] = rows.get("10,000")!;
    assert.equal(values.resources.limits.memory, limitAt10k?.replaceAll("`", ""));
    const steadyAt1k = Number(/^(\d+)/.exec(rows.get("1,000")![1] ?? "")?.[1]);
    assert.ok(steadyAt1k > 0);
    assert.ok(mib(values.resources.requests.memory) > steadyAt1k, "the request covers 1,000 objects");
    for (const [objects, cells] of rows) {
      const [, steady, request, limit] = cells;
      const rss = Math.max(
        ...(steady ?? "")
          .replace(" MiB", "")
          .split("/")
          .map((v) => Number(v.trim())),
      );
      assert.ok(mib(request!.replaceAll("`", "")) >= rss, `${objects}: the request covers the steady RSS`);
      // Node's heap limit is about half the container's: the limit leaves the heap room.
      assert.ok(
        mib(limit!.replaceAll("`", "")) >= 1.5 * rss,
        `${objects}: the limit leaves room over ${rss} MiB`,
      );
    }
  });
});
