// The Grafana dashboards of dashboards/ as tests need them: their panels (rows flattened), every
// PromQL query they send (panel targets and template variable queries), and Grafana's variable
// interpolation ($var, ${var}, ${var:format}, [[var]]) with chosen values.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const DASHBOARDS_DIR = new URL("../../dashboards/", import.meta.url).pathname;

export interface Target {
  readonly refId?: string;
  readonly expr?: string;
  readonly datasource?: unknown;
  readonly [key: string]: unknown;
}

export interface Panel {
  readonly id?: number;
  readonly type: string;
  readonly title?: string;
  readonly description?: string;
  readonly datasource?: unknown;
  readonly targets?: readonly Target[];
  readonly fieldConfig?: { defaults?: { unit?: string; mappings?: readonly unknown[] } };
  readonly panels?: readonly Panel[];
  readonly repeat?: string;
  readonly gridPos?: { h: number; w: number; x: number; y: number };
  readonly [key: string]: unknown;
}

export interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { query?: string };
  readonly datasource?: unknown;
  readonly includeAll?: boolean;
  readonly allValue?: string;
  readonly multi?: boolean;
  readonly regex?: string;
  readonly refresh?: number;
  readonly hide?: number;
  readonly [key: string]: unknown;
}

export interface Dashboard {
  readonly uid?: string;
  readonly title?: string;
  readonly tags?: readonly string[];
  readonly schemaVersion?: number;
  readonly panels?: readonly Panel[];
  readonly templating?: { list?: readonly Variable[] };
  readonly [key: string]: unknown;
}

export function loadDashboards(dir: string = DASHBOARDS_DIR): Array<{ file: string; dashboard: Dashboard }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(dir, file), "utf8")) as Dashboard }));
}

/** Every panel, with the panels of collapsed rows (which Grafana nests) in place. */
export function allPanels(d: Dashboard): Panel[] {
  return (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
}

export function variables(d: Dashboard): Variable[] {
  return [...(d.templating?.list ?? [])];
}

export function variableQuery(v: Variable): string {
  return typeof v.query === "string" ? v.query : (v.query?.query ?? "");
}

/** A Prometheus variable query, in the forms Grafana's Prometheus data source accepts. */
export type VariableQuery =
  | { kind: "label_values"; selector: string | undefined; label: string }
  | { kind: "query_result"; expr: string }
  | { kind: "label_names" | "metrics"; arg: string };

export function parseVariableQuery(query: string): VariableQuery {
  const q = query.trim();
  const lv = /^label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\)$/s.exec(q);
  if (lv) return { kind: "label_values", selector: lv[1]?.trim(), label: lv[2]! };
  const qr = /^query_result\((.+)\)$/s.exec(q);
  if (qr) return { kind: "query_result", expr: qr[1]!.trim() };
  const other = /^(label_names|metrics)\((.*)\)$/s.exec(q);
  if (other) return { kind: other[1] as "label_names" | "metrics", arg: other[2]! };
  throw new Error(`not a Prometheus variable query Grafana understands: ${query}`);
}

/** The PromQL a variable query evaluates, if any (label_values' series selector, query_result's expression). */
export function variablePromql(v: Variable): string | undefined {
  if (v.type !== "query") return undefined;
  const q = parseVariableQuery(variableQuery(v));
  if (q.kind === "label_values") return q.selector;
  if (q.kind === "query_result") return q.expr;
  return undefined;
}

export interface Query {
  readonly dashboard: string;
  /** "panel <title> <refId>" or "variable <name>". */
  readonly where: string;
  readonly expr: string;
  readonly panel?: Panel;
  readonly variable?: Variable;
}

/** Every PromQL expression the dashboard sends, raw (variables not substituted). */
export function queries(d: Dashboard): Query[] {
  const uid = d.uid ?? "?";
  const out: Query[] = [];
  for (const v of variables(d)) {
    const expr = variablePromql(v);
    if (expr !== undefined) out.push({ dashboard: uid, where: `variable ${v.name}`, expr, variable: v });
  }
  for (const p of allPanels(d)) {
    for (const t of p.targets ?? []) {
      if (typeof t.expr === "string")
        out.push({
          dashboard: uid,
          where: `panel "${p.title}" ${t.refId ?? ""}`.trim(),
          expr: t.expr,
          panel: p,
        });
    }
  }
  return out;
}

/** Grafana's built-in variables a query may use. */
export const BUILTIN_VARIABLES = new Set([
  "__rate_interval",
  "__interval",
  "__interval_ms",
  "__range",
  "__range_s",
  "__range_ms",
  "__dashboard",
  "__org",
  "__user",
]);

// $name, ${name}, ${name:format}, [[name]] (Grafana's interpolation syntaxes). `$1` in a
// label_replace replacement is not a variable: names start with a letter or underscore.
const VARIABLE = /\$([a-zA-Z_]\w*)|\$\{([a-zA-Z_]\w*)(?::[^}]*)?\}|\[\[([a-zA-Z_]\w*)(?::[^\]]*)?\]\]/g;

/** The variable names a text refers to. */
export function variableRefs(text: string): string[] {
  return [...new Set([...text.matchAll(VARIABLE)].map((m) => m[1] ?? m[2] ?? m[3]!))];
}

/** Replace every variable reference by its value; a reference without a value is an error. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(VARIABLE, (whole, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    const value = values[name];
    if (value === undefined) throw new Error(`no value for variable ${whole} in: ${text}`);
    return value;
  });
}

/** A variable's regex field (`/pattern/flags`, as Grafana stores it) as a RegExp, if set. */
export function variableRegex(v: Variable): RegExp | undefined {
  if (!v.regex) return undefined;
  const m = /^\/(.*)\/([a-z]*)$/s.exec(v.regex);
  return m ? new RegExp(m[1]!, m[2]) : new RegExp(v.regex);
}
