// The file source: the same pipeline over CRD and CR manifests on disk, no cluster.
// Every *.yaml / *.yml / *.json below a directory is read (multi-document YAML and `List`
// documents included); CRDs define kinds, other documents are objects of those kinds.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../mapping/types.ts";
import type { Crd } from "./crds.ts";

export interface ManifestSet {
  readonly crds: Crd[];
  readonly objects: KubeObject[];
  /** Documents that could not be read, each naming its file (and document index). */
  readonly errors: string[];
}

function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...manifestFiles(path));
    else if (/\.(ya?ml|json)$/i.test(entry.name)) out.push(path);
  }
  return out;
}

function isCrd(doc: KubeObject): boolean {
  return (
    doc.kind === "CustomResourceDefinition" &&
    String(doc.apiVersion ?? "").startsWith("apiextensions.k8s.io/")
  );
}

/** Read every manifest below `dir` (or the single file `dir`). */
export function readManifests(dir: string): ManifestSet {
  const crds: Crd[] = [];
  const objects: KubeObject[] = [];
  const errors: string[] = [];
  const files = statSync(dir).isDirectory() ? manifestFiles(dir) : [dir];
  for (const file of files) {
    let docs: ReturnType<typeof parseAllDocuments>;
    try {
      docs = parseAllDocuments(readFileSync(file, "utf8"));
    } catch (err) {
      errors.push(`${file}: ${(err as Error).message}`);
      continue;
    }
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, index) => {
      if (doc.errors.length > 0) {
        errors.push(`${file} (document ${index + 1}): ${doc.errors[0]?.message}`);
        return;
      }
      const value = doc.toJS() as unknown;
      if (value === null || value === undefined) return;
      if (typeof value !== "object" || Array.isArray(value)) {
        errors.push(`${file} (document ${index + 1}): not a Kubernetes object`);
        return;
      }
      const obj = value as KubeObject;
      const items =
        obj.kind?.endsWith("List") && Array.isArray(obj.items) ? (obj.items as KubeObject[]) : [obj];
      for (const item of items) {
        if (isCrd(item)) crds.push(item as Crd);
        else if (item.apiVersion && item.kind) objects.push(item);
        else errors.push(`${file} (document ${index + 1}): missing apiVersion or kind`);
      }
    });
  }
  return { crds, objects, errors };
}
