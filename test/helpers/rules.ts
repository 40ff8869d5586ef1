// The shipped Prometheus rule file, parsed: for tests that check it (promtool, conventions) and
// for the end-to-end test that loads it into a real Prometheus.

import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";

export const RULES_FILE = new URL("../../rules/cr-exporter.rules.yaml", import.meta.url).pathname;

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

export function loadRuleGroups(path = RULES_FILE): RuleGroup[] {
  return (parseYaml(readFileSync(path, "utf8")) as { groups: RuleGroup[] }).groups;
}
