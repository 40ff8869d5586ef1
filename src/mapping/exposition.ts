// Pure helpers for the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0:
// the name rules, label escaping (with UTF-16 repair), value formatting and family headers.
// Every mapper renders through these (and SampleLines in samples.ts); nothing else escapes.

/** The metric-name grammar of both formats. */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** The label-name grammar of both formats. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Replace every character outside the metric-name grammar with `_`. */
export function sanitizeMetricName(name: string): string {
  if (METRIC_NAME.test(name)) return name;
  const replaced = name.replace(/[^a-zA-Z0-9_:]/g, "_");
  return /^[0-9]/.test(replaced) || replaced === "" ? `_${replaced}` : replaced;
}

/**
 * Replace every character outside the label-name grammar with `_`. Names starting with `__`
 * are reserved for Prometheus' internal use, so they get a leading `x`.
 */
export function sanitizeLabelName(name: string): string {
  let out = LABEL_NAME.test(name) ? name : name.replace(/[^a-zA-Z0-9_]/g, "_");
  if (out === "" || /^[0-9]/.test(out)) out = `_${out}`;
  if (out.startsWith("__")) out = `x${out}`;
  return out;
}

/**
 * camelCase / PascalCase / kebab-case / dotted → snake_case, the way Prometheus names read:
 * `readyReplicas` → `ready_replicas`, `HTTPSPort` → `https_port`, `lastScheduleTime` →
 * `last_schedule_time`, `tls.crt` → `tls_crt`.
 */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([A-Z]{2,})s(?=[A-Z_.-]|$)/g, "$1S") // plural acronyms: externalURLs, podIPs
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^a-zA-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
}

const NEEDS_ESCAPE = /[\\"\n]/;

/**
 * Escape a label value for both exposition formats: backslash, double quote and line feed.
 * Nothing else needs escaping, and after this no value can end the quoted string or the line.
 */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\"\n]/g, (c) => (c === "\\" ? "\\\\" : c === '"' ? '\\"' : "\\n"));
}

/** Escape HELP text (backslash and line feed only, per the text format). */
export function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => (c === "\\" ? "\\\\" : "\\n"));
}

/** Format a sample value: integers and floats in shortest round-trip form, NaN and ±Inf by name. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** An ordered list of label pairs; names must already be valid label names. */
export type Labels = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * One `name="value"` pair, the value escaped. `name` must already be a valid label name.
 * Lone UTF-16 surrogates become U+FFFD here (as they would on the wire), so two values that
 * differ only in them cannot become duplicate series after UTF-8 encoding.
 */
export function labelPair(name: string, value: string): string {
  const v = value.isWellFormed() ? value : value.toWellFormed();
  return `${name}="${escapeLabelValue(v)}"`;
}

/** Render `name="value",...` (no braces) with values escaped and repaired. */
export function renderLabelPairs(labels: Labels): string {
  let out = "";
  for (const [name, value] of labels) {
    if (out !== "") out += ",";
    out += labelPair(name, value);
  }
  return out;
}

/** Join two rendered label lists (either may be empty). */
export function joinLabels(a: string, b: string): string {
  return a === "" ? b : b === "" ? a : `${a},${b}`;
}

export type ExpositionFormat = "text" | "openmetrics";

export const CONTENT_TYPE: Record<ExpositionFormat, string> = {
  text: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

/**
 * The `# HELP` / `# TYPE` lines of a family. Text 0.0.4 knows only counter, gauge and untyped,
 * so info and stateset are written as gauge there (as kube-state-metrics does). OpenMetrics
 * names a counter family without its `_total` suffix.
 */
export function renderFamilyHeader(
  meta: { name: string; type: string; help: string },
  format: ExpositionFormat,
): string {
  let name = meta.name;
  let type = meta.type;
  if (format === "text") {
    if (type === "info" || type === "stateset") type = "gauge";
    else if (type === "unknown") type = "untyped";
  } else if (type === "counter" && name.endsWith("_total")) {
    name = name.slice(0, -"_total".length);
  }
  return `# HELP ${name} ${escapeHelp(meta.help)}\n# TYPE ${name} ${type}\n`;
}
