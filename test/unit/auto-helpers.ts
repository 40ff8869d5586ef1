// Helpers for the auto-mapper tests: load fixtures, map objects, render and strictly parse the
// result the way the store would serve it (one HELP/TYPE per family, families contiguous).

import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { kindInfoFromCrd } from "../../src/kube/crds.ts";
import { type AutoOptions, createAutoMapper } from "../../src/mapping/auto/index.ts";
import type { KindInfo, KubeObject, MappingResult, ObjectState } from "../../src/mapping/types.ts";
import { type ParsedExposition, parseExposition } from "../helpers/exposition.ts";
import { serve } from "../helpers/serve.ts";

const FIXTURES = new URL("../fixtures/auto/", import.meta.url);

export function loadYaml(file: string): unknown[] {
  return parseAllDocuments(readFileSync(new URL(file, FIXTURES), "utf8")).map((d) => d.toJS());
}

/** The KindInfo of a CRD document, as the engine builds it (preferred served version). */
export function kindOf(crd: unknown): KindInfo {
  const info = kindInfoFromCrd(crd as Parameters<typeof kindInfoFromCrd>[0]);
  if (info === undefined) throw new Error("not a CRD with a served version");
  return info;
}

/** Render mapping results as one exposition body, as the store serves them. */
export function render(results: readonly MappingResult[]): string {
  return serve(results);
}

export interface Mapped {
  readonly results: MappingResult[];
  readonly text: string;
  readonly parsed: ParsedExposition;
}

/** Map objects of one kind (each its own first sight unless `states` is given) and parse strictly. */
export function mapAll(
  kind: KindInfo,
  objects: readonly unknown[],
  options: Partial<AutoOptions> = {},
  states?: Map<string, ObjectState>,
): Mapped {
  const km = createAutoMapper(options).forKind(kind)!;
  const results = objects.map((o) => {
    const key = (o as KubeObject).metadata?.uid ?? (o as KubeObject).metadata?.name ?? "";
    const r = km.map(o as KubeObject, states?.get(key));
    states?.set(key, r.state);
    return r;
  });
  const text = render(results);
  return { results, text, parsed: parseExposition(text) };
}

export const messageQueueFixtures = () => {
  const [crd] = loadYaml("messagequeue-crd.yaml");
  return { kind: kindOf(crd), objects: loadYaml("messagequeues.yaml") };
};

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const VALUE = /^(?:NaN|[+-]Inf|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$/;

/**
 * A second, independent strict validator of the text format for the property tests: checks the
 * bytes as they go on the wire (after UTF-8 encoding), HELP/TYPE once per family, families
 * contiguous, sample grammar, escapes, no label twice in a series, no series twice. Labels are
 * kept in Maps, so names like `constructor` or `__proto__` are not special.
 */
export interface CheckedSample {
  readonly name: string;
  /** name + sorted labels: the series identity. */
  readonly key: string;
  readonly value: number;
}

export function validateExposition(body: string): CheckedSample[] {
  if (body === "") return [];
  const wire = Buffer.from(body, "utf8").toString("utf8");
  if (!wire.endsWith("\n")) throw new Error("body does not end with a newline");
  const lines = wire.slice(0, -1).split("\n");
  const typed = new Map<string, string>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current = "";
  const samples: CheckedSample[] = [];
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}: ${line.slice(0, 120)}`;
    if (line.startsWith("# ")) {
      const m = /^# (HELP|TYPE) ([^ ]+) (.*)$/.exec(line);
      if (!m) throw new Error(`bad comment, ${where}`);
      const [, what, name = "", rest = ""] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`bad family name, ${where}`);
      if (name !== current) {
        if (closed.has(name)) throw new Error(`family not contiguous, ${where}`);
        if (current !== "") closed.add(current);
        current = name;
      }
      if (what === "TYPE") {
        if (typed.has(name)) throw new Error(`second TYPE, ${where}`);
        if (!["gauge", "counter", "untyped"].includes(rest)) throw new Error(`bad type, ${where}`);
        typed.set(name, rest);
      } else if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) throw new Error(`bad HELP escape, ${where}`);
      continue;
    }
    let pos = 0;
    while (pos < line.length && line[pos] !== "{" && line[pos] !== " ") pos++;
    const name = line.slice(0, pos);
    if (!METRIC_NAME.test(name)) throw new Error(`bad metric name, ${where}`);
    const family = typed.has(name) ? name : name.endsWith("_total") ? name.slice(0, -6) : name;
    if (name !== current && family !== current) throw new Error(`sample outside its family, ${where}`);
    const labels = new Map<string, string>();
    if (line[pos] === "{") {
      pos++;
      while (line[pos] !== "}") {
        const eq = line.indexOf('="', pos);
        if (eq < 0) throw new Error(`bad label, ${where}`);
        const lname = line.slice(pos, eq);
        if (!LABEL_NAME.test(lname)) throw new Error(`bad label name ${JSON.stringify(lname)}, ${where}`);
        if (labels.has(lname)) throw new Error(`label ${lname} twice, ${where}`);
        pos = eq + 2;
        let value = "";
        for (;;) {
          const c = line[pos];
          if (c === undefined) throw new Error(`unterminated label value, ${where}`);
          if (c === '"') break;
          if (c === "\\") {
            const e = line[pos + 1];
            if (e === "\\" || e === '"') value += e;
            else if (e === "n") value += "\n";
            else throw new Error(`bad escape, ${where}`);
            pos += 2;
          } else {
            value += c;
            pos++;
          }
        }
        labels.set(lname, value);
        pos++;
        if (line[pos] === ",") pos++;
        else if (line[pos] !== "}") throw new Error(`expected , or }, ${where}`);
      }
      pos++;
    }
    if (line[pos] !== " ") throw new Error(`expected a space, ${where}`);
    const valueText = line.slice(pos + 1);
    if (!VALUE.test(valueText)) throw new Error(`bad value, ${where}`);
    const key = `${name}\u0000${[...labels]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}\u0001${v}`)
      .join("\u0000")}`;
    if (series.has(key)) throw new Error(`duplicate series, ${where}`);
    series.add(key);
    samples.push({
      name,
      key,
      value: valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText),
    });
  }
  return samples;
}
