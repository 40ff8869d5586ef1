// The real-operator corpus (test/fixtures/operators/): its CRDs (as the engine reads them) and
// its objects, each with the kind it belongs to, for the tests that run the exporter over it.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { kindInfoFromCrd } from "../../src/kube/crds.ts";
import type { KindInfo, KubeObject } from "../../src/mapping/types.ts";

export const CORPUS_DIR = new URL("../fixtures/operators/", import.meta.url).pathname;

export interface CorpusKind {
  readonly operator: string;
  readonly crd: Record<string, unknown>;
  readonly info: KindInfo;
  readonly objects: KubeObject[];
}

export interface Signal {
  readonly object: string;
  readonly field: string;
  readonly expect?: number | string | boolean;
  readonly count?: number;
}

export interface SignalKind {
  readonly group: string;
  readonly kind: string;
  readonly signals: Signal[];
}

function docs(path: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(path, "utf8"))
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === "object");
}

/** Every kind of the corpus with its objects (hand-written and generated big ones). */
export function loadCorpus(): CorpusKind[] {
  const kinds: CorpusKind[] = [];
  for (const operator of readdirSync(CORPUS_DIR, { withFileTypes: true })) {
    if (!operator.isDirectory()) continue;
    const dir = join(CORPUS_DIR, operator.name);
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    const all = files.flatMap((f) => docs(join(dir, f)));
    for (const crd of all.filter((d) => d.kind === "CustomResourceDefinition")) {
      const info = kindInfoFromCrd(crd as Parameters<typeof kindInfoFromCrd>[0]);
      if (info === undefined) throw new Error(`${operator.name}: a CRD without a served version`);
      const objects = all.filter(
        (d) => d.kind === info.kind && String(d.apiVersion).split("/")[0] === info.group,
      ) as KubeObject[];
      kinds.push({ operator: operator.name, crd, info, objects });
    }
  }
  return kinds;
}

export function loadSignals(): SignalKind[] {
  const doc = parseYaml(readFileSync(join(CORPUS_DIR, "SIGNALS.yaml"), "utf8")) as { kinds: SignalKind[] };
  return doc.kinds;
}
