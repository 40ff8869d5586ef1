// The shipped alerting rules: promtool accepts them and their unit tests pass, and every alert
// follows the conventions users' Alertmanager routes and runbooks depend on.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parse as parseYaml } from "yaml";
import { toolPath } from "../cluster/cluster.ts";
import { loadRuleGroups, RULES_FILE } from "../helpers/rules.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const RULE_TESTS = `${ROOT}rules/tests/cr-exporter.test.yaml`;
const RUNBOOKS = `${ROOT}docs/runbooks.md`;
const RUNBOOK_BASE = "https://github.com/cr-exporter/cr-exporter/blob/main/docs/runbooks.md#";

const groups = loadRuleGroups();
const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
const records = groups.flatMap((g) => g.rules).filter((r) => r.record !== undefined);

function promtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(toolPath("promtool"), args, { encoding: "utf8", cwd: ROOT });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test("promtool check rules accepts the rule file with no lint findings", () => {
  const r = promtool(["check", "rules", "--lint=all", "--lint-fatal", RULES_FILE]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, new RegExp(`SUCCESS: ${alerts.length + records.length} rules found`));
});

test("promtool test rules: every unit test of the rules passes", () => {
  const r = promtool(["test", "rules", RULE_TESTS]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS/);
});

test("every alert is tested both not firing and firing", () => {
  const tests = (
    parseYaml(readFileSync(RULE_TESTS, "utf8")) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    }
  ).tests.flatMap((t) => t.alert_rule_test ?? []);
  for (const { alert } of alerts) {
    const cases = tests.filter((c) => c.alertname === alert);
    assert.ok(
      cases.some((c) => c.exp_alerts.length === 0),
      `${alert}: no case where it must not fire`,
    );
    assert.ok(
      cases.some((c) => c.exp_alerts.length > 0),
      `${alert}: no case where it must fire`,
    );
  }
});

test("alerts follow kubernetes-mixin conventions: PascalCase, severity, summary, description, runbook", () => {
  assert.ok(alerts.length >= 13, `only ${alerts.length} alerts`);
  for (const a of alerts) {
    assert.match(a.alert!, /^[A-Z][A-Za-z]+$/, `${a.alert}: not PascalCase`);
    assert.ok(["critical", "warning", "info"].includes(a.labels?.severity ?? ""), `${a.alert}: severity`);
    assert.ok(a.annotations?.summary, `${a.alert}: no summary`);
    // An absent() alert has no labels to template; every other description names its object.
    if (a.expr.includes("absent(")) assert.ok(a.annotations?.description, `${a.alert}: no description`);
    else
      assert.match(
        a.annotations?.description ?? "",
        /\{\{ *\$(labels|value)/,
        `${a.alert}: description not templated`,
      );
    assert.equal(
      a.annotations?.runbook_url,
      `${RUNBOOK_BASE}${a.alert!.toLowerCase()}`,
      `${a.alert}: runbook_url`,
    );
    assert.ok(a.for, `${a.alert}: no 'for' (a single bad scrape would page)`);
  }
});

test("docs/runbooks.md has a section for every alert and none for alerts that do not exist", () => {
  const headings = [...readFileSync(RUNBOOKS, "utf8").matchAll(/^## (\S+)$/gm)].map((m) => m[1]);
  assert.deepEqual([...headings].sort(), alerts.map((a) => a.alert!).sort());
});

test("recording rules follow the level:metric:operations naming", () => {
  assert.ok(records.length > 0);
  for (const r of records) assert.match(r.record!, /^[a-z_]+:[a-z_]+:[a-z_]+$/, r.record);
});
