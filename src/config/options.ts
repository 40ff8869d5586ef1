// Every setting of the exporter: its flag, its env variable, its default, its validation.
// Precedence: defaults < config file (--config) < environment (CR_EXPORTER_*) < flags.
// Errors name the offending flag / field so a user can fix it without reading code.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isMap, isScalar, parseDocument } from "yaml";
import { z } from "zod";
import { parseAllowlist } from "../mapping/auto/allowlist.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";

/**
 * What a change of a setting needs when the config file is reloaded:
 * - `live`: applied to the running source (selection, selectors, limits, log level);
 * - `remap`: applied too, with the mappers rebuilt and every object mapped again;
 * - `restart`: read at start only (sockets, identity, the source's own loops); a reload that
 *   changes it keeps the running value and warns.
 */
export type ReloadPolicy = "live" | "remap" | "restart";

const reloadPolicies = z.registry<{ reload: ReloadPolicy }>();

/** A setting: its schema, what a reload of it needs, and its --help text. */
function setting<T extends z.ZodType>(reload: ReloadPolicy, schema: T, description: string): T {
  const described = schema.describe(description);
  reloadPolicies.add(described, { reload });
  return described;
}

const show = (v: unknown) => (typeof v === "bigint" ? String(v) : JSON.stringify(v));

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter((s) => s !== ""));

/** A comma list whose every entry must pass `problem` (which says why one does not). */
const checkedList = (problem: (entry: string) => string | undefined) =>
  list.superRefine((entries, ctx) => {
    for (const entry of entries) {
      const why = problem(entry);
      if (why) ctx.addIssue({ code: "custom", message: `${show(entry)} ${why}` });
    }
  });

// Numbers arrive as strings from flags and env: only plain decimal notation is read as a number
// (Number() would take "0x50", "1e3", "0b1" and "" as 80, 1000, 1 and 0; an empty
// CR_EXPORTER_SHARD from a missing pod label would silently make every replica shard 0).
const DECIMAL_INT = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;
const decimalNumber = (pattern: RegExp, what: string, checks: (n: z.ZodNumber) => z.ZodNumber) =>
  z.preprocess(
    (v) => (typeof v === "string" && pattern.test(v.trim()) ? Number(v.trim()) : v),
    checks(
      z.number({
        error: (iss) =>
          iss.code === "invalid_type" ? `expected ${what}, got ${show(iss.input)}` : undefined,
      }),
    ),
  );
const int = (min: number, max: number) =>
  decimalNumber(DECIMAL_INT, "a decimal integer", (n) => n.int().min(min).max(max));
const seconds = decimalNumber(DECIMAL, "a decimal number of seconds", (n) => n.positive().max(86_400));

/** A JSON object on the command line (or in env), a mapping in the config file. */
const jsonFlag = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      return v; // reported as "expected record" with the flag's name
    }
  }, schema);

/** A check that runs a parser of ours and reports its error message as the issue. */
const parsedBy = (parse: (text: string) => unknown, what: string) =>
  z.string().superRefine((text, ctx) => {
    try {
      parse(text);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `invalid ${what} ${show(text)}: ${(err as Error).message}` });
    }
  });
const labelSelector = parsedBy(parseLabelSelector, "label selector");
const fieldSelector = parsedBy(parseFieldSelector, "field selector");
const allowlist = z.string().superRefine((text, ctx) => {
  try {
    parseAllowlist(text, "");
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message.replace(/^: /, "") });
  }
});

// A namespace name is a DNS-1123 label (what the API server accepts as metadata.name of a Namespace).
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const namespaceProblem = (name: string) =>
  name.length <= 63 && DNS_LABEL.test(name)
    ? undefined
    : "is not a namespace name (a DNS-1123 label: at most 63 lowercase letters, digits and '-', alphanumeric at both ends)";

// A .spec field path: field names (letters, digits, '_', '-') joined by '.'.
const FIELD_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const fieldPathProblem = (path: string) =>
  FIELD_PATH.test(path)
    ? undefined
    : "is not a .spec field path (field names of letters, digits, '_' or '-', joined by '.')";

/** The validated settings. */
export const optionsSchema = z
  .object({
    port: setting(
      "restart",
      int(0, 65535).default(8080),
      "Port of /metrics (object metrics), /healthz and /readyz.",
    ),
    telemetryPort: setting(
      "restart",
      int(0, 65535).default(8081),
      "Port of the exporter's own metrics (/metrics).",
    ),
    host: setting(
      "restart",
      z.string().optional(),
      "Address to listen on (default: all addresses, IPv6 and IPv4 where available).",
    ),
    kubeconfig: setting(
      "restart",
      z.string().optional(),
      "Path of a kubeconfig; default $KUBECONFIG, ~/.kube/config, in-cluster.",
    ),
    context: setting("restart", z.string().optional(), "kubeconfig context to use."),
    fromFiles: setting(
      "restart",
      z.string().optional(),
      "Serve metrics for CRD and CR YAML files in this directory; no cluster.",
    ),
    mode: setting(
      "remap",
      z.enum(["auto", "ksm"]).default("auto"),
      "auto: zero-config metrics for every kind (plus ksm-config metrics if given); ksm: only the CustomResourceStateMetrics config.",
    ),
    metricPrefix: setting(
      "remap",
      z
        .string()
        .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/, "must be a valid metric name prefix")
        .default("cr_"),
      "Prefix of every auto-mode family.",
    ),
    includeGroups: setting(
      "live",
      list.default([]),
      "API groups to watch (globs, comma-separated); empty: all.",
    ),
    excludeGroups: setting("live", list.default([]), "API groups not to watch (globs)."),
    includeKinds: setting(
      "live",
      list.default([]),
      "Kinds to watch: Kind, Kind.group, plural or plural.group (globs); empty: all.",
    ),
    excludeKinds: setting("live", list.default([]), "Kinds not to watch (same syntax)."),
    crdLabelSelector: setting(
      "restart",
      labelSelector.optional(),
      "Only CRDs matching this label selector (Kubernetes label selector syntax).",
    ),
    namespaces: setting(
      "live",
      checkedList(namespaceProblem).default([]),
      "Namespaces to watch namespaced kinds in; empty: all.",
    ),
    labelSelector: setting(
      "live",
      labelSelector.optional(),
      "Label selector applied to every kind's list/watch: k=v, k!=v, k in (a,b), k notin (a), k, !k.",
    ),
    fieldSelector: setting(
      "live",
      fieldSelector.optional(),
      "Field selector applied to every kind's list/watch: k=v, k==v, k!=v.",
    ),
    kindSelectors: setting(
      "live",
      jsonFlag(
        z.record(
          z.string().min(1),
          z
            .object({ labelSelector: labelSelector.optional(), fieldSelector: fieldSelector.optional() })
            .strict(),
        ),
      ).default({}),
      'Per-kind selectors, keyed by plural.group: {"messagequeues.queue.example.com": {"labelSelector": "tier=prod"}} (JSON on the command line).',
    ),
    metricLabelsAllowlist: setting(
      "remap",
      allowlist.default(""),
      "Object labels to export, kube-state-metrics syntax: plural=[a,b],*=[*].",
    ),
    metricAnnotationsAllowlist: setting(
      "remap",
      allowlist.default(""),
      "Object annotations to export, same syntax.",
    ),
    specFields: setting(
      "remap",
      checkedList(fieldPathProblem).default(["replicas", "suspend", "paused"]),
      "Top-level .spec scalars (or dotted paths under .spec) to export as cr_spec_<field>.",
    ),
    seriesLimitPerKind: setting(
      "live",
      int(1, 1e9).default(1_000_000),
      "Most series one kind may export; the excess is dropped and counted.",
    ),
    seriesLimitPerObject: setting(
      "remap",
      int(1, 1e6).default(500),
      "Most series one object may export; the excess is dropped and counted.",
    ),
    listItemsMax: setting(
      "remap",
      int(0, 1e6).default(32),
      "Most items of a keyed list/map exported per item; beyond it the list is exported as aggregates only and the drop is counted.",
    ),
    healthRules: setting(
      "remap",
      jsonFlag(z.record(z.string().min(1), z.record(z.string(), z.unknown()))).default({}),
      "User health rules refining cr_health: a mapping of rule name to rule (usually in the config file; JSON on the command line).",
    ),
    customResourceStateConfigFile: setting(
      "remap",
      z.string().optional(),
      "kube-state-metrics CustomResourceStateMetrics config file.",
    ),
    customResourceStateConfig: setting("remap", z.string().optional(), "The same config inline (YAML)."),
    shard: setting("restart", int(0, 1e6).default(0), "This replica's shard ordinal (0-based)."),
    totalShards: setting(
      "restart",
      int(1, 1e6).default(1),
      "Number of shards; each keeps the objects whose uid hashes to it.",
    ),
    logLevel: setting(
      "live",
      z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
      "Log level.",
    ),
    watchTimeout: setting(
      "restart",
      seconds.default(300),
      "Server-side watch timeout in seconds (jittered up to 2x).",
    ),
    watchIdleTimeout: setting(
      "restart",
      seconds.default(120),
      "Reconnect a watch silent (no event, no bookmark) for this many seconds.",
    ),
    listPageSize: setting("restart", int(1, 100_000).default(500), "Objects per LIST page."),
    requestTimeout: setting("restart", seconds.default(60), "Deadline of one LIST page request, in seconds."),
    backoffMax: setting(
      "restart",
      seconds.default(60),
      "Longest wait between retries of a failing list/watch, in seconds.",
    ),
    config: setting(
      "restart",
      z.string().optional(),
      "YAML file with any of these settings (camelCase or flag names); reloaded on change.",
    ),
    webConfigFile: setting(
      "restart",
      z.string().optional(),
      "Prometheus exporter-toolkit web config file: TLS, basic auth (and bearer tokens).",
    ),
    maxConcurrentScrapes: setting(
      "restart",
      int(1, 1000).default(4),
      "Scrapes of /metrics served at once; more get 503.",
    ),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.shard >= o.totalShards) {
      ctx.addIssue({
        code: "custom",
        path: ["shard"],
        message: `must be less than --total-shards (${o.totalShards})`,
      });
    }
    if (o.customResourceStateConfigFile && o.customResourceStateConfig) {
      ctx.addIssue({
        code: "custom",
        path: ["customResourceStateConfig"],
        message:
          "give either --custom-resource-state-config or --custom-resource-state-config-file, not both",
      });
    }
    if (o.mode === "ksm" && !o.customResourceStateConfigFile && !o.customResourceStateConfig) {
      ctx.addIssue({
        code: "custom",
        path: ["mode"],
        message: "--mode ksm needs a --custom-resource-state-config(-file)",
      });
    }
  });

export type Options = z.infer<typeof optionsSchema>;

const keys = Object.keys(optionsSchema.shape) as Array<keyof Options>;

/** Each setting's reload policy, read from the schema (every setting has one). */
export const RELOAD_POLICY: Readonly<Record<keyof Options, ReloadPolicy>> = Object.fromEntries(
  keys.map((key) => {
    const policy = reloadPolicies.get(optionsSchema.shape[key])?.reload;
    if (!policy) throw new Error(`setting ${key} has no reload policy`);
    return [key, policy];
  }),
) as Record<keyof Options, ReloadPolicy>;

/** `telemetryPort` → `telemetry-port`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `telemetryPort` → `CR_EXPORTER_TELEMETRY_PORT`. */
export function envName(key: string): string {
  return `CR_EXPORTER_${flagName(key).replace(/-/g, "_").toUpperCase()}`;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export class OptionsError extends Error {
  override name = "OptionsError";
}

/** Parse argv (without node and script) into raw values keyed by option name. */
export function parseFlags(argv: readonly string[]): Record<string, string | boolean> {
  const spec = Object.fromEntries(keys.map((k) => [flagName(k), { type: "string" as const }]));
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { ...spec, help: { type: "boolean" } },
      strict: true,
    });
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [camel(k), v as string | boolean]));
  } catch (err) {
    throw new OptionsError((err as Error).message);
  }
}

/** Read a --config file: YAML mapping of option names (camelCase or flag-style). */
export function readConfigFile(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    const parsed = parseDocument(readFileSync(path, "utf8"));
    if (parsed.errors.length > 0) throw parsed.errors[0];
    // A number written in another notation than decimal (0x50, 0o17, 1e3, .inf) goes on as its
    // text, so a setting in the file is read as a flag is: decimal notation only.
    if (isMap(parsed.contents)) {
      for (const { value } of parsed.contents.items) {
        if (!isScalar(value) || typeof value.value !== "number" || value.source === undefined) continue;
        if (value.format !== undefined || !Number.isFinite(value.value)) value.value = value.source;
      }
    }
    doc = parsed.toJS();
  } catch (err) {
    throw new OptionsError(`config file ${path}: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc))
    throw new OptionsError(`config file ${path}: must be a mapping of settings`);
  return Object.fromEntries(Object.entries(doc as Record<string, unknown>).map(([k, v]) => [camel(k), v]));
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = env[envName(key)];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Validate merged raw settings; the error lists every bad field by its flag name. */
export function validateOptions(raw: Record<string, unknown>, origin: string): Options {
  const result = optionsSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => `"${k}"`).join(", ");
      if (issue.path.length === 0) return `unknown setting(s) ${keys}`;
      return `--${flagName(String(issue.path[0]))}: unknown field(s) ${keys} at ${issue.path.join(".")}`;
    }
    const key = String(issue.path[0] ?? "");
    const at = issue.path.length > 1 ? `at ${issue.path.slice(1).join(".")}: ` : "";
    // zod's own messages do not say what was given; ours (custom) do.
    const got =
      issue.code !== "custom" && issue.input !== undefined && !issue.message.includes(", got ")
        ? ` (got ${show(issue.input)})`
        : "";
    return `--${flagName(key)}: ${at}${issue.message}${got}`;
  });
  throw new OptionsError(`invalid ${origin}: ${problems.join("; ")}`);
}

/** Resolve the settings from argv, env and the config file the flags or env name. */
export function loadOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Options {
  const flags = parseFlags(argv);
  delete flags.help;
  const environment = fromEnv(env);
  const configPath = (flags.config ?? environment.config) as string | undefined;
  const file = configPath ? readConfigFile(configPath) : {};
  return validateOptions(
    { ...file, ...environment, ...flags },
    configPath ? `settings (config file ${configPath})` : "settings",
  );
}

/** `--help` text generated from the schema, so it cannot drift from what is accepted. */
export function helpText(): string {
  const lines = [
    "Usage: cr-exporter [flags]",
    "",
    "Flags (each also settable as CR_EXPORTER_<FLAG> or in --config). When the --config file",
    "changes, [live] settings apply at once, [remap] ones too (every object is mapped again),",
    "[restart] ones only at the next start:",
  ];
  const shape = optionsSchema.shape;
  for (const key of keys) {
    const field = shape[key];
    const def = (() => {
      const r = field.safeParse(undefined);
      return r.success && r.data !== undefined ? ` (default ${JSON.stringify(r.data)})` : "";
    })();
    lines.push(
      `${`  --${flagName(key)}`.padEnd(42)}${field.description ?? ""}${def} [${RELOAD_POLICY[key]}]`,
    );
  }
  return lines.join("\n");
}
