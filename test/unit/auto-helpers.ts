// Helpers for the auto-mapper tests: load fixtures, map objects, render and strictly parse the
// result the way the store would serve it (one HELP/TYPE per family, families contiguous).

import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { kindInfoFromCrd } from "../../src/kube/crds.ts";
import { type AutoOptions, createAutoMapper } from "../../src/mapping/auto/index.ts";
import { renderFamilyHeader } from "../../src/mapping/exposition.ts";
import type { KindInfo, KubeObject, MappingResult, ObjectState } from "../../src/mapping/types.ts";
import { type ParsedExposition, parseExposition } from "../helpers/exposition.ts";

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

/** Render mapping results as one exposition body (families merged by name, sorted). */
export function render(results: readonly MappingResult[]): string {
  const byName = new Map<string, { meta: { name: string; type: string; help: string }; text: string }>();
  for (const r of results) {
    for (const f of r.families) {
      const seen = byName.get(f.meta.name);
      if (seen) {
        if (seen.meta.type !== f.meta.type) throw new Error(`family ${f.meta.name} with two types`);
        seen.text += f.text;
      } else byName.set(f.meta.name, { meta: f.meta, text: f.text });
    }
  }
  let out = "";
  for (const name of [...byName.keys()].sort()) {
    const f = byName.get(name)!;
    out += renderFamilyHeader(f.meta, "text") + f.text;
  }
  return out;
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
