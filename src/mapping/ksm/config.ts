// The CustomResourceStateMetrics document: schema, validation and error messages.
//
// Decoding follows kube-state-metrics (go-yaml v3 into its Go structs): unknown fields are
// ignored, `kind:` is not checked, only the first YAML document counts, a scalar of any type is
// accepted where a string is expected (as the text it was written with), `~` is the zero value.
// Validation is stricter where ksm would fail later or silently produce nothing or a broken
// exposition (docs/ksm-compatibility.md lists each case); every error names the resource index,
// the metric and the field: `spec.resources[1].metrics[0] "phase": each.stateSet.list: required`.

import { z } from "zod";
import { LABEL_NAME, METRIC_NAME } from "../exposition.ts";
import { compilePath, PathSyntaxError } from "./path.ts";
import {
  isYamlMapping,
  parseYamlTree,
  type YamlMapping,
  type YamlNode,
  YamlScalar,
  YamlSyntaxError,
} from "./yaml-tree.ts";

export type Entries<T> = ReadonlyArray<readonly [string, T]>;

/** The generator types of `each.type` (as written lowercased in this module). */
export type EachType = "gauge" | "stateset" | "info" | "counter";

interface EachBase {
  readonly path: readonly string[];
  readonly labelsFromPath: Entries<readonly string[]>;
}
export interface GaugeSpec extends EachBase {
  readonly type: "gauge";
  readonly valueFrom: readonly string[];
  readonly labelFromKey: string;
  readonly nilIsZero: boolean;
  /** Extension (crExporterMetrics only): strings are Go durations first, in seconds. */
  readonly durations: boolean;
}
export interface StateSetSpec extends EachBase {
  readonly type: "stateset";
  readonly valueFrom: readonly string[];
  readonly labelName: string;
  readonly list: readonly string[];
}
export interface InfoSpec extends EachBase {
  readonly type: "info";
  readonly labelFromKey: string;
}
/** Extension (crExporterMetrics only): counts observed changes of a value. */
export interface CounterSpec extends EachBase {
  readonly type: "counter";
  readonly valueFrom: readonly string[];
  readonly labelFromKey: string;
  /** Label carrying the value entered; empty: one series counting every change. */
  readonly labelName: string;
}
export type EachSpec = GaugeSpec | StateSetSpec | InfoSpec | CounterSpec;

export interface GeneratorSpec {
  readonly name: string;
  readonly help: string;
  readonly commonLabels: Entries<string>;
  readonly labelsFromPath: Entries<readonly string[]>;
  readonly each: EachSpec;
  /** From `crExporterMetrics` (extensions allowed) rather than `metrics`. */
  readonly extension: boolean;
}

export interface ResourceSpec {
  /** Position in spec.resources, for messages. */
  readonly index: number;
  readonly group: string;
  /** "" and "*" match any version (the CRD's preferred served version is the one watched). */
  readonly version: string;
  /** "" and "*" match every kind of the group. */
  readonly kind: string;
  /** undefined: ksm's default `kube_customresource`; "": no prefix. */
  readonly metricNamePrefix: string | undefined;
  readonly commonLabels: Entries<string>;
  readonly labelsFromPath: Entries<readonly string[]>;
  readonly metrics: readonly GeneratorSpec[];
}

export interface KsmConfig {
  readonly resources: readonly ResourceSpec[];
}

export class KsmConfigError extends Error {
  override name = "KsmConfigError";
}

export const DEFAULT_PREFIX = "kube_customresource";

// ---- YAML scalars the way go-yaml decodes them into Go fields -------------------------------

const isScalar = (v: unknown): v is YamlScalar => v instanceof YamlScalar;
const isNull = (v: unknown) => v === undefined || (isScalar(v) && v.value === null);

const required = (what: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? "required" : `expected ${what}`;

/** A string field: any scalar, as written; `~` is "". */
const text = z.custom<YamlScalar>(isScalar, { error: required("a string") }).transform((s) => s.text);
const optionalText = z.preprocess((v) => (isNull(v) ? undefined : v), text.optional());

/** go-yaml's booleans (YAML 1.1 spellings included) for an unquoted scalar; `~` is false. */
const BOOL_WORDS = new Map<string, boolean>();
for (const w of ["true", "yes", "on", "y"])
  for (const c of [w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1)]) BOOL_WORDS.set(c, true);
for (const w of ["false", "no", "off", "n"])
  for (const c of [w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1)]) BOOL_WORDS.set(c, false);
const bool = z
  .custom<YamlScalar>((v) => isNull(v) || (isScalar(v) && v.plain && BOOL_WORDS.has(v.text)), {
    error: "expected true or false",
  })
  .optional()
  .transform((s) => (s === undefined || s.value === null ? false : BOOL_WORDS.get(s.text)!));

function list<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) => (isNull(v) ? [] : v),
    z.array(item, { error: (iss) => (iss.input === undefined ? "required" : "expected a list") }),
  );
}
const textList = list(text);

/**
 * A struct field. A scalar is refused, as go-yaml refuses it (`spec: 5`: "cannot unmarshal !!int
 * into ..."): it goes on as its text, which z.object refuses (it would take the YamlScalar object
 * itself for an empty mapping).
 */
function mapping<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess(
    (v) => (isScalar(v) ? (v.value === null ? undefined : v.text) : v),
    z.object(shape, {
      error: (iss) =>
        typeof iss.input === "string"
          ? `expected a mapping, got ${JSON.stringify(iss.input)}`
          : required("a mapping")(iss),
    }),
  );
}

/** A free-form map (label name → value): entries, so no key can collide with Object.prototype. */
function entries<T extends z.ZodType>(value: T) {
  return z
    .custom<YamlMapping>((v) => isNull(v) || isYamlMapping(v), { error: "expected a mapping" })
    .optional()
    .transform((map, ctx) => {
      const out: Array<[string, z.output<T>]> = [];
      if (map === undefined || isScalar(map)) return out;
      for (const key of Object.keys(map)) {
        const parsed = value.safeParse(map[key]);
        if (parsed.success) out.push([key, parsed.data]);
        else
          for (const issue of parsed.error.issues)
            ctx.addIssue({ code: "custom", message: issue.message, path: [key, ...issue.path] });
      }
      return out;
    });
}

// ---- the document ---------------------------------------------------------------------------

const eachBlock = {
  path: textList,
  labelsFromPath: entries(textList),
  valueFrom: textList,
  labelFromKey: optionalText,
  labelName: optionalText,
  nilIsZero: bool,
  list: z.preprocess((v) => (isNull(v) ? undefined : v), textList.optional()),
  durations: bool,
};
const blockSchema = mapping(eachBlock).optional();

const generatorSchema = mapping({
  name: optionalText,
  help: optionalText,
  commonLabels: entries(text),
  labelsFromPath: entries(textList),
  each: mapping({
    type: optionalText,
    gauge: blockSchema,
    stateSet: blockSchema,
    info: blockSchema,
    counter: blockSchema,
  }),
});

const resourceSchema = mapping({
  groupVersionKind: mapping({ group: optionalText, version: optionalText, kind: optionalText }),
  resourcePlural: optionalText,
  metricNamePrefix: optionalText,
  commonLabels: entries(text),
  labelsFromPath: entries(textList),
  metrics: list(generatorSchema),
  crExporterMetrics: list(generatorSchema),
  errorLogV: z.unknown().optional(),
});

const documentSchema = mapping({
  spec: mapping({ resources: list(resourceSchema) }).optional(),
});

type RawGenerator = z.output<typeof generatorSchema>;
type RawBlock = NonNullable<z.output<typeof blockSchema>>;
type RawResource = z.output<typeof resourceSchema>;

// ---- semantic checks: what ksm would reject later, or turn into nothing or invalid output ---

interface Problem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

const TYPES: Record<string, EachType> = {
  gauge: "gauge",
  stateset: "stateset",
  info: "info",
  counter: "counter",
};
const BLOCK_OF: Record<EachType, "gauge" | "stateSet" | "info" | "counter"> = {
  gauge: "gauge",
  stateset: "stateSet",
  info: "info",
  counter: "counter",
};

function checkPath(parts: readonly string[], at: ReadonlyArray<string | number>, problems: Problem[]): void {
  try {
    compilePath(parts);
  } catch (err) {
    if (!(err instanceof PathSyntaxError)) throw err;
    problems.push({ path: at, message: err.message });
  }
}

function checkLabelPaths(
  labels: Entries<readonly string[]>,
  at: ReadonlyArray<string | number>,
  problems: Problem[],
): void {
  for (const [key, parts] of labels) {
    if (key === "") problems.push({ path: at, message: "a label name must not be empty" });
    checkPath(parts, [...at, key], problems);
  }
}

function checkLabelName(name: string, at: ReadonlyArray<string | number>, problems: Problem[]): void {
  if (name !== "" && !LABEL_NAME.test(name)) {
    problems.push({ path: at, message: `"${name}" is not a valid label name` });
  }
}

/** commonLabels are written as they are (ksm does not sanitise them): they must be valid names. */
function checkLabelKeys(
  labels: Entries<string>,
  at: ReadonlyArray<string | number>,
  problems: Problem[],
): void {
  for (const [key] of labels) {
    if (key === "") problems.push({ path: at, message: "a label name must not be empty" });
    else checkLabelName(key, [...at, key], problems);
  }
}

function toEach(type: EachType, block: RawBlock, at: Array<string | number>, problems: Problem[]): EachSpec {
  const base = { path: block.path, labelsFromPath: block.labelsFromPath };
  checkPath(block.path, [...at, "path"], problems);
  checkLabelPaths(block.labelsFromPath, [...at, "labelsFromPath"], problems);
  if (type !== "info") checkPath(block.valueFrom, [...at, "valueFrom"], problems);
  const labelFromKey = block.labelFromKey ?? "";
  const labelName = block.labelName ?? "";
  if (type !== "stateset") checkLabelName(labelFromKey, [...at, "labelFromKey"], problems);
  if (type === "stateset" || type === "counter") checkLabelName(labelName, [...at, "labelName"], problems);
  switch (type) {
    case "gauge":
      return {
        ...base,
        type,
        valueFrom: block.valueFrom,
        labelFromKey,
        nilIsZero: block.nilIsZero,
        durations: block.durations,
      };
    case "info":
      return { ...base, type, labelFromKey };
    case "counter":
      return { ...base, type, valueFrom: block.valueFrom, labelFromKey, labelName };
    case "stateset":
      if (block.list === undefined || block.list.length === 0)
        problems.push({ path: [...at, "list"], message: "required" });
      if (labelName === "") problems.push({ path: [...at, "labelName"], message: "required" });
      return { ...base, type, valueFrom: block.valueFrom, labelName, list: block.list ?? [] };
  }
}

function toGenerator(
  raw: RawGenerator,
  extension: boolean,
  at: Array<string | number>,
  problems: Problem[],
): GeneratorSpec | undefined {
  const name = raw.name ?? "";
  if (name === "") problems.push({ path: [...at, "name"], message: "required" });
  checkLabelKeys(raw.commonLabels, [...at, "commonLabels"], problems);
  checkLabelPaths(raw.labelsFromPath, [...at, "labelsFromPath"], problems);
  const typeText = raw.each.type ?? "";
  const type = TYPES[typeText.toLowerCase()];
  if (typeText === "") {
    problems.push({ path: [...at, "each", "type"], message: "required" });
    return undefined;
  }
  if (!type || (type === "counter" && !extension)) {
    const allowed = extension ? "Gauge, StateSet, Info or Counter" : "Gauge, StateSet or Info";
    const hint = type === "counter" ? " (Counter is an extension: put it under crExporterMetrics)" : "";
    problems.push({
      path: [...at, "each", "type"],
      message: `unknown metric type "${typeText}", expected ${allowed}${hint}`,
    });
    return undefined;
  }
  const blockName = BLOCK_OF[type];
  const block = raw.each[blockName];
  if (!block) {
    problems.push({ path: [...at, "each", blockName], message: "required" });
    return undefined;
  }
  if (type === "gauge" && block.durations && !extension) {
    problems.push({
      path: [...at, "each", "gauge", "durations"],
      message: "an extension: allowed under crExporterMetrics only",
    });
  }
  const each = toEach(type, block, [...at, "each", blockName], problems);
  return {
    name,
    help: raw.help ?? "",
    commonLabels: raw.commonLabels,
    labelsFromPath: raw.labelsFromPath,
    each,
    extension,
  };
}

function toResource(raw: RawResource, index: number, problems: Problem[]): ResourceSpec {
  const at = ["spec", "resources", index];
  const gvk = raw.groupVersionKind;
  const group = gvk.group ?? "";
  if (group === "" || group === "*") {
    problems.push({
      path: [...at, "groupVersionKind", "group"],
      message: group === "" ? "required" : "must name one API group, not *",
    });
  }
  checkLabelKeys(raw.commonLabels, [...at, "commonLabels"], problems);
  checkLabelPaths(raw.labelsFromPath, [...at, "labelsFromPath"], problems);
  const prefix = raw.metricNamePrefix;
  const metrics: GeneratorSpec[] = [];
  const lists = [
    ["metrics", raw.metrics, false],
    ["crExporterMetrics", raw.crExporterMetrics, true],
  ] as const;
  for (const [field, generators, extension] of lists) {
    generators.forEach((g, i) => {
      const generator = toGenerator(g, extension, [...at, field, i], problems);
      if (!generator) return;
      const full = fullMetricName(prefix, generator);
      if (generator.name !== "" && !METRIC_NAME.test(full)) {
        problems.push({ path: [...at, field, i, "name"], message: `"${full}" is not a valid metric name` });
      }
      metrics.push(generator);
    });
  }
  return {
    index,
    group,
    version: gvk.version ?? "",
    kind: gvk.kind ?? "",
    metricNamePrefix: prefix,
    commonLabels: raw.commonLabels,
    labelsFromPath: raw.labelsFromPath,
    metrics,
  };
}

/** `<prefix>_<name>` (no prefix when it is ""); counters end in `_total`. */
export function fullMetricName(
  prefix: string | undefined,
  generator: Pick<GeneratorSpec, "name" | "each">,
): string {
  const p = prefix ?? DEFAULT_PREFIX;
  const name = p === "" ? generator.name : `${p}_${generator.name}`;
  return generator.each.type === "counter" && !name.endsWith("_total") ? `${name}_total` : name;
}

// ---- messages -------------------------------------------------------------------------------

function renderPath(path: ReadonlyArray<string | number>): string {
  let out = "";
  for (const segment of path)
    out += typeof segment === "number" ? `[${segment}]` : `${out ? "." : ""}${segment}`;
  return out;
}

const LISTS_OF_NAMED = new Set(["resources", "metrics", "crExporterMetrics"]);

/**
 * `spec.resources[1].metrics[0] "phase": each.stateSet.list: required`: the location (down to
 * the resource, or the metric and its name), then the field below it, then the message.
 */
function describe(problem: Problem, tree: YamlNode | undefined): string {
  const path = problem.path;
  let cut = 0;
  for (let i = 0; i + 1 < path.length; i++) {
    if (typeof path[i + 1] === "number" && LISTS_OF_NAMED.has(String(path[i]))) cut = i + 2;
  }
  if (cut === 0) cut = path.length;
  let location = renderPath(path.slice(0, cut));
  if (cut >= 2 && path[cut - 2] !== "resources") {
    let node: unknown = tree;
    for (const segment of path.slice(0, cut)) {
      node = Array.isArray(node)
        ? node[segment as number]
        : isYamlMapping(node)
          ? node[String(segment)]
          : undefined;
    }
    const name = isYamlMapping(node) ? node.name : undefined;
    if (name instanceof YamlScalar && name.text !== "") location += ` ${JSON.stringify(name.text)}`;
  }
  return [location, renderPath(path.slice(cut)), problem.message].filter((s) => s !== "").join(": ");
}

const MAX_MESSAGES = 10;

/** Parse and validate a CustomResourceStateMetrics document; throws KsmConfigError. */
export function parseKsmConfig(source: string): KsmConfig {
  let tree: YamlNode | undefined;
  try {
    tree = parseYamlTree(source);
  } catch (err) {
    if (err instanceof YamlSyntaxError) throw new KsmConfigError(`invalid YAML: ${err.message}`);
    throw err;
  }
  if (tree === undefined) throw new KsmConfigError("the config is empty");
  const parsed = documentSchema.safeParse(tree);
  const problems: Problem[] = [];
  let resources: ResourceSpec[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push({ path: issue.path as Array<string | number>, message: issue.message });
  } else {
    resources = (parsed.data.spec?.resources ?? []).map((r, i) => toResource(r, i, problems));
    const seen = new Map<string, number>();
    for (const r of resources) {
      const key = JSON.stringify([r.group, r.version, r.kind]);
      const first = seen.get(key);
      if (first !== undefined) {
        problems.push({
          path: ["spec", "resources", r.index, "groupVersionKind"],
          message: `the same as spec.resources[${first}]`,
        });
      } else seen.set(key, r.index);
    }
  }
  if (problems.length > 0) {
    const messages = problems.slice(0, MAX_MESSAGES).map((p) => describe(p, tree));
    if (problems.length > MAX_MESSAGES) messages.push(`and ${problems.length - MAX_MESSAGES} more`);
    throw new KsmConfigError(messages.join("; "));
  }
  return { resources };
}
