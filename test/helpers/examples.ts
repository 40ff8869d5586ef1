// The examples/ CRDs and objects, applied to a real API server the way a controller would have
// produced them: the CRDs, the objects' spec, then their status through the status subresource.

import { readdirSync, readFileSync } from "node:fs";
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { applyCrd, patchStatus } from "./kube.ts";

export type ExampleDoc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  status?: { observedGeneration?: number } & Record<string, unknown>;
  spec?: { names?: { plural: string } };
};

const EXAMPLES = new URL("../../examples/", import.meta.url);

export const exampleDocs: ExampleDoc[] = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(new URL(f, EXAMPLES), "utf8")).map((d) => d.toJS() as ExampleDoc),
  );

/** Apply every example (CRDs, namespaces shop and platform, objects); returns the number of objects. */
export async function applyExamples(kc: KubeConfig): Promise<number> {
  const crds = exampleDocs.filter((d) => d.kind === "CustomResourceDefinition");
  for (const crd of crds) await applyCrd(kc, crd);
  const core = kc.makeApiClient(CoreV1Api);
  for (const ns of ["shop", "platform"]) await core.createNamespace({ body: { metadata: { name: ns } } });
  const objects = kc.makeApiClient(CustomObjectsApi);
  const crs = exampleDocs.filter((d) => d.kind !== "CustomResourceDefinition");
  for (const doc of crs) {
    const [group = "", version = ""] = doc.apiVersion.split("/");
    const crd = crds.find(
      (c) =>
        c.metadata.name.endsWith(`.${group}`) &&
        (c as never as { spec: { names: { kind: string } } }).spec.names.kind === doc.kind,
    );
    const plural = crd!.spec!.names!.plural;
    const { status, ...rest } = doc;
    const {
      uid: _u,
      creationTimestamp: _c,
      generation: fileGeneration,
      ...metadata
    } = doc.metadata as Record<string, unknown>;
    const created = (await objects.createNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: doc.metadata.namespace!,
      body: { ...rest, metadata },
    })) as { metadata: { generation: number } };
    if (!status) continue;
    // Keep the example's meaning: "observed the current spec" (file generations equal) or "lagging".
    const lagging = status.observedGeneration !== undefined && status.observedGeneration !== fileGeneration;
    const observed =
      status.observedGeneration === undefined
        ? {}
        : { observedGeneration: created.metadata.generation - (lagging ? 1 : 0) };
    await patchStatus(
      objects,
      { group, version, plural, namespace: doc.metadata.namespace!, name: doc.metadata.name },
      { ...status, ...observed },
    );
  }
  return crs.length;
}
