// The Helm chart under test: helm (the pinned build) run on charts/cr-exporter, rendered objects
// parsed with the `yaml` package, and a throw-away copy of the chart holding fixture rules and
// dashboards (the repository may have none yet).

import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { toolPath } from "../cluster/cluster.ts";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const CHART = join(ROOT, "charts/cr-exporter");

/** A rendered Kubernetes object (loosely typed: tests walk into it). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are walked freely in assertions
  [key: string]: any;
}

export interface HelmResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

let helmHome: string | undefined;

/** Run the pinned helm with its config, cache and data under a private temp dir. */
export function helm(args: readonly string[]): HelmResult {
  helmHome ??= mkdtempSync(join(tmpdir(), "helm-home-"));
  const result = spawnSync(toolPath("helm"), args, {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: helmHome,
      HELM_CONFIG_HOME: join(helmHome, "config"),
      HELM_CACHE_HOME: join(helmHome, "cache"),
      HELM_DATA_HOME: join(helmHome, "data"),
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface RenderOptions {
  readonly chart?: string;
  readonly release?: string;
  readonly namespace?: string;
  /** Values files, relative to the chart (e.g. "ci/sharded-values.yaml") or absolute. */
  readonly values?: readonly string[];
  readonly set?: readonly string[];
  /** --api-versions (e.g. the prometheus-operator API, so the ServiceMonitor renders). */
  readonly apiVersions?: readonly string[];
  readonly kubeVersion?: string;
}

export const MONITORING_API = ["monitoring.coreos.com/v1"];

function templateArgs(o: RenderOptions): string[] {
  const chart = o.chart ?? CHART;
  const args = ["template", o.release ?? "crx", chart, "--namespace", o.namespace ?? "monitoring"];
  for (const v of o.values ?? []) args.push("--values", v.startsWith("/") ? v : join(chart, v));
  for (const s of o.set ?? []) args.push("--set", s);
  for (const a of o.apiVersions ?? []) args.push("--api-versions", a);
  args.push("--kube-version", o.kubeVersion ?? "1.37.0");
  return args;
}

/** `helm template`: the rendered objects, or a thrown error with helm's message. */
export function render(o: RenderOptions = {}): K8sObject[] {
  const result = helm(templateArgs(o));
  if (result.status !== 0) throw new Error(`helm template failed (${result.status}):\n${result.stderr}`);
  return parseManifests(result.stdout);
}

/** `helm template` expected to fail: helm's error text. */
export function renderError(o: RenderOptions = {}): string {
  const result = helm(templateArgs(o));
  if (result.status === 0) throw new Error("helm template succeeded where it should have failed");
  return result.stderr;
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`rendered YAML does not parse: ${d.errors[0]?.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((d): d is K8sObject => d !== null && typeof d === "object");
}

export function only(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0]!;
}

export function ofKind(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** The exporter container of the Deployment or StatefulSet. */
export function exporterContainer(objects: readonly K8sObject[]): K8sObject {
  const workloads = objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
  if (workloads.length !== 1) throw new Error(`expected one workload, found ${workloads.length}`);
  return workloads[0]!.spec.template.spec.containers.find((c: { name: string }) => c.name === "cr-exporter");
}

/** A fixture rule file: Prometheus templates in annotations must survive Helm untouched. */
export const FIXTURE_RULES = `groups:
  - name: cr-exporter-fixture
    rules:
      - alert: CustomResourceNotReady
        expr: cr_status_condition{type="Ready", status="False"} == 1
        for: 15m
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.name }} is not Ready"
          description: |
            {{ $labels.kind }} {{ $labels.name }} has been not Ready for 15 minutes.
      - record: cr:objects:count
        expr: count by (group, kind) (cr_info)
`;

/** A promtool test file: lives next to the rules but is not one. */
export const FIXTURE_RULE_TEST = `rule_files: [fixture.yaml]
tests: []
`;

export const FIXTURE_DASHBOARD = `${JSON.stringify(
  {
    uid: "cr-exporter-fixture",
    title: "Fixture {{ not a helm template }}",
    schemaVersion: 39,
    panels: [{ type: "timeseries", title: "objects", targets: [{ expr: "count(cr_info)" }] }],
  },
  null,
  2,
)}\n`;

/** A copy of the chart whose files/ holds the fixture rules and dashboard; remove it after use. */
export function chartWithFixtureAssets(): { chart: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "chart-"));
  const chart = join(dir, "cr-exporter");
  cpSync(CHART, chart, { recursive: true });
  rmSync(join(chart, "files"), { recursive: true, force: true });
  mkdirSync(join(chart, "files/rules"), { recursive: true });
  mkdirSync(join(chart, "files/dashboards"), { recursive: true });
  writeFileSync(join(chart, "files/rules/fixture.yaml"), FIXTURE_RULES);
  writeFileSync(join(chart, "files/dashboards/fixture-overview.json"), FIXTURE_DASHBOARD);
  return { chart, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function fixtureRuleGroups(): unknown {
  return (parseYaml(FIXTURE_RULES) as { groups: unknown }).groups;
}

/**
 * NOTES.txt as `helm install` would print it (helm template does not render notes): rendered in a
 * copy of the chart through a ConfigMap that `tpl`s it with the same values.
 */
export function renderNotes(o: RenderOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "chart-notes-"));
  try {
    const chart = join(dir, "cr-exporter");
    cpSync(o.chart ?? CHART, chart, { recursive: true });
    mkdirSync(join(chart, "notes-under-test"), { recursive: true });
    cpSync(join(chart, "templates/NOTES.txt"), join(chart, "notes-under-test/NOTES.txt"));
    writeFileSync(
      join(chart, "templates/zz-notes-under-test.yaml"),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-under-test\ndata:\n  notes: {{ tpl (.Files.Get "notes-under-test/NOTES.txt") . | toJson }}\n',
    );
    const objects = render({ ...o, chart });
    return only(objects, "ConfigMap", "notes-under-test").data.notes as string;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
