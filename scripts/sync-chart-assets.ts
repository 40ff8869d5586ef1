// Keeps the chart's copy of the alerting rules and dashboards in step with their one source of
// truth, rules/ and dashboards/ at the repository root (Helm reads only files inside the chart).
//
//   npx node scripts/sync-chart-assets.ts          copy: rules/*.yaml → charts/cr-exporter/files/rules/,
//                                                  dashboards/*.json → charts/cr-exporter/files/dashboards/
//   npx node scripts/sync-chart-assets.ts --check  exit 1 and list the differences instead
//
// Only Prometheus rule files (a top-level `groups:` list) are copied: promtool test files in
// rules/ are not rules. `.yml` becomes `.yaml` in the chart. Copies are byte-for-byte; files in
// the chart's folders that have no source any more are deleted. No source folder, or an empty
// one, means no copy (and the chart renders no PrometheusRule / dashboard ConfigMap).

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";

const ROOT = new URL("..", import.meta.url).pathname;
export const CHART_FILES = "charts/cr-exporter/files";

/** Chart path (relative to the root) → source path and content, for every asset to copy. */
export function expectedAssets(root: string = ROOT): Map<string, { source: string; content: Buffer }> {
  const out = new Map<string, { source: string; content: Buffer }>();
  for (const file of listFiles(join(root, "rules"), /\.ya?ml$/)) {
    const content = readFileSync(join(root, "rules", file));
    let rules: boolean;
    try {
      rules = isRuleFile(content.toString("utf8"));
    } catch (err) {
      throw new Error(`rules/${file}: not valid YAML: ${(err as Error).message}`);
    }
    if (!rules) continue;
    const target = `${CHART_FILES}/rules/${file.replace(/\.yml$/, ".yaml")}`;
    const previous = out.get(target);
    if (previous)
      throw new Error(`rules/${file} and ${previous.source} would both be copied to ${target}: rename one`);
    out.set(target, { source: `rules/${file}`, content });
  }
  for (const file of listFiles(join(root, "dashboards"), /\.json$/)) {
    const content = readFileSync(join(root, "dashboards", file));
    try {
      JSON.parse(content.toString("utf8"));
    } catch (err) {
      throw new Error(`dashboards/${file}: not valid JSON: ${(err as Error).message}`);
    }
    out.set(`${CHART_FILES}/dashboards/${file}`, { source: `dashboards/${file}`, content });
  }
  return out;
}

/** Chart path → content of what the chart holds now. */
export function actualAssets(root: string = ROOT): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [dir, pattern] of [
    ["rules", /\.ya?ml$/],
    ["dashboards", /\.json$/],
  ] as const) {
    const abs = join(root, CHART_FILES, dir);
    for (const file of listFiles(abs, pattern))
      out.set(`${CHART_FILES}/${dir}/${file}`, readFileSync(join(abs, file)));
  }
  return out;
}

/** What differs between the sources and the chart's copy; empty when in sync. */
export function assetDifferences(root: string = ROOT): string[] {
  const expected = expectedAssets(root);
  const actual = actualAssets(root);
  const problems: string[] = [];
  for (const [target, { source, content }] of expected) {
    const copy = actual.get(target);
    if (!copy) problems.push(`${target} is missing (copy of ${source})`);
    else if (!copy.equals(content)) problems.push(`${target} differs from ${source}`);
  }
  for (const target of actual.keys()) {
    if (!expected.has(target)) problems.push(`${target} has no source in rules/ or dashboards/ any more`);
  }
  return problems.sort();
}

/** Make the chart's copy equal to the sources; returns what was written or deleted. */
export function syncAssets(root: string = ROOT): string[] {
  const expected = expectedAssets(root);
  const actual = actualAssets(root);
  const changes: string[] = [];
  for (const [target, { content }] of expected) {
    if (actual.get(target)?.equals(content)) continue;
    mkdirSync(join(root, target, ".."), { recursive: true });
    writeFileSync(join(root, target), content);
    changes.push(`wrote ${target}`);
  }
  for (const target of actual.keys()) {
    if (expected.has(target)) continue;
    rmSync(join(root, target));
    changes.push(`deleted ${target}`);
  }
  return changes;
}

/** A Prometheus rule file: a YAML mapping with a `groups` list (promtool test files are not). */
export function isRuleFile(text: string): boolean {
  const doc: unknown = parseYaml(text);
  return typeof doc === "object" && doc !== null && Array.isArray((doc as { groups?: unknown }).groups);
}

function listFiles(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && pattern.test(e.name))
    .map((e) => e.name)
    .sort();
}

if (import.meta.main) {
  const check = process.argv.includes("--check");
  const where = relative(process.cwd(), ROOT) || ".";
  if (check) {
    const problems = assetDifferences();
    if (problems.length > 0) {
      console.error(
        `The chart's copy of rules/ and dashboards/ is out of date:\n  ${problems.join("\n  ")}\nRun: npx node ${join(where, "scripts/sync-chart-assets.ts")}`,
      );
      process.exit(1);
    }
    console.log("chart assets in sync");
  } else {
    const changes = syncAssets();
    console.log(changes.length > 0 ? changes.join("\n") : "chart assets already in sync");
  }
}
