// Every setting of the exporter: its flag, its env variable, its default, its validation.
// Precedence: defaults < config file (--config) < environment (CR_EXPORTER_*) < flags.
// Errors name the offending flag / field so a user can fix it without reading code.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter((s) => s !== ""));
// Numbers arrive as strings from flags and env. An empty string must not coerce to 0: an empty
// CR_EXPORTER_SHARD (say, a missing pod label) would silently make every replica shard 0.
const numeric = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? Number.NaN : v), schema);
const int = (min: number, max: number) => numeric(z.coerce.number().int().min(min).max(max));
const seconds = numeric(z.coerce.number().positive().max(86_400));

/** The validated settings. */
export const optionsSchema = z
  .object({
    port: int(0, 65535).default(8080).describe("Port of /metrics (object metrics), /healthz and /readyz."),
    telemetryPort: int(0, 65535).default(8081).describe("Port of the exporter's own metrics (/metrics)."),
    host: z
      .string()
      .optional()
      .describe("Address to listen on (default: all addresses, IPv6 and IPv4 where available)."),
    kubeconfig: z
      .string()
      .optional()
      .describe("Path of a kubeconfig; default $KUBECONFIG, ~/.kube/config, in-cluster."),
    context: z.string().optional().describe("kubeconfig context to use."),
    fromFiles: z
      .string()
      .optional()
      .describe("Serve metrics for CRD and CR YAML files in this directory; no cluster."),
    mode: z
      .enum(["auto", "ksm"])
      .default("auto")
      .describe(
        "auto: zero-config metrics for every kind (plus ksm-config metrics if given); ksm: only the CustomResourceStateMetrics config.",
      ),
    metricPrefix: z
      .string()
      .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/, "must be a valid metric name prefix")
      .default("cr_")
      .describe("Prefix of every auto-mode family."),
    includeGroups: list.default([]).describe("API groups to watch (globs, comma-separated); empty: all."),
    excludeGroups: list.default([]).describe("API groups not to watch (globs)."),
    includeKinds: list
      .default([])
      .describe("Kinds to watch: Kind, Kind.group, plural or plural.group (globs); empty: all."),
    excludeKinds: list.default([]).describe("Kinds not to watch (same syntax)."),
    crdLabelSelector: z.string().optional().describe("Only CRDs matching this label selector."),
    namespaces: list.default([]).describe("Namespaces to watch namespaced kinds in; empty: all."),
    labelSelector: z.string().optional().describe("Label selector applied to every kind's list/watch."),
    fieldSelector: z.string().optional().describe("Field selector applied to every kind's list/watch."),
    kindSelectors: z
      .preprocess(
        (v) => {
          if (typeof v !== "string") return v;
          try {
            return JSON.parse(v);
          } catch {
            return v; // reported as "expected record" with the flag's name
          }
        },
        z.record(
          z.string(),
          z.object({ labelSelector: z.string().optional(), fieldSelector: z.string().optional() }).strict(),
        ),
      )
      .default({})
      .describe(
        'Per-kind selectors, keyed by plural.group: {"messagequeues.queue.example.com": {"labelSelector": "tier=prod"}} (JSON on the command line).',
      ),
    metricLabelsAllowlist: z
      .string()
      .default("")
      .describe("Object labels to export, kube-state-metrics syntax: plural=[a,b],*=[*]."),
    metricAnnotationsAllowlist: z.string().default("").describe("Object annotations to export, same syntax."),
    specFields: list
      .default(["replicas", "suspend", "paused"])
      .describe("Top-level .spec scalars to export as cr_spec_<field>."),
    seriesLimitPerKind: int(1, 1e9)
      .default(1_000_000)
      .describe("Most series one kind may export; the excess is dropped and counted."),
    customResourceStateConfigFile: z
      .string()
      .optional()
      .describe("kube-state-metrics CustomResourceStateMetrics config file."),
    customResourceStateConfig: z.string().optional().describe("The same config inline (YAML)."),
    shard: int(0, 1e6).default(0).describe("This replica's shard ordinal (0-based)."),
    totalShards: int(1, 1e6)
      .default(1)
      .describe("Number of shards; each keeps the objects whose uid hashes to it."),
    logLevel: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace"])
      .default("info")
      .describe("Log level."),
    watchTimeout: seconds.default(300).describe("Server-side watch timeout in seconds (jittered up to 2x)."),
    watchIdleTimeout: seconds
      .default(120)
      .describe("Reconnect a watch silent (no event, no bookmark) for this many seconds."),
    listPageSize: int(1, 100_000).default(500).describe("Objects per LIST page."),
    requestTimeout: seconds.default(60).describe("Deadline of one LIST page request, in seconds."),
    backoffMax: seconds
      .default(60)
      .describe("Longest wait between retries of a failing list/watch, in seconds."),
    config: z
      .string()
      .optional()
      .describe("YAML file with any of these settings (camelCase or flag names); reloaded on change."),
    webConfigFile: z
      .string()
      .optional()
      .describe("Prometheus exporter-toolkit web config file: TLS, basic auth (and bearer tokens)."),
    maxConcurrentScrapes: int(1, 1000)
      .default(4)
      .describe("Scrapes of /metrics served at once; more get 503."),
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
    doc = parseYaml(readFileSync(path, "utf8"));
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
  const result = optionsSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => `"${k}"`).join(", ");
      if (issue.path.length === 0) return `unknown setting(s) ${keys}`;
      return `--${flagName(String(issue.path[0]))}: unknown field(s) ${keys} at ${issue.path.join(".")}`;
    }
    const key = String(issue.path[0] ?? "");
    return `--${flagName(key)}: ${issue.message}`;
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
    "Flags (each also settable as CR_EXPORTER_<FLAG> or in --config):",
  ];
  const shape = optionsSchema.shape;
  for (const key of keys) {
    const field = shape[key];
    const def = (() => {
      const r = field.safeParse(undefined);
      return r.success && r.data !== undefined ? ` (default ${JSON.stringify(r.data)})` : "";
    })();
    lines.push(`${`  --${flagName(key)}`.padEnd(42)}${field.description ?? ""}${def}`);
  }
  return lines.join("\n");
}
