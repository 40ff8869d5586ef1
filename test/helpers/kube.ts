// Kubernetes chores for integration tests.
//
// client-node's typed APIs serialize request bodies through their generated models, which name
// some fields differently (`_enum` for `enum`, `xKubernetesListMapKeys` for
// `x-kubernetes-list-map-keys`): a raw object passed as a CRD body silently loses those fields.
// So CRDs are deserialized into the models first (loadYaml does that), then created.

import {
  ApiextensionsV1Api,
  type CustomObjectsApi,
  type KubeConfig,
  loadYaml,
  PatchStrategy,
  setHeaderOptions,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { eventually } from "./wait.ts";

/** Create a CRD (YAML text or a plain object) and wait until it is Established. */
export async function applyCrd(kc: KubeConfig, crd: string | object): Promise<string> {
  const model = loadYaml<V1CustomResourceDefinition>(typeof crd === "string" ? crd : JSON.stringify(crd));
  const api = kc.makeApiClient(ApiextensionsV1Api);
  await api.createCustomResourceDefinition({ body: model });
  const name = model.metadata?.name ?? "";
  await eventually(`CRD ${name} established`, async () => {
    const got = await api.readCustomResourceDefinition({ name });
    return got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
  });
  return name;
}

/** Delete a CRD and wait until it is gone. */
export async function deleteCrd(kc: KubeConfig, name: string): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  await api.deleteCustomResourceDefinition({ name });
  await eventually(`CRD ${name} gone`, async () => {
    try {
      await api.readCustomResourceDefinition({ name });
      return false;
    } catch {
      return true;
    }
  });
}

export interface CrdSpec {
  readonly group: string;
  readonly kind: string;
  /** Served versions; the first is the storage version unless `storage` says otherwise. */
  readonly versions?: readonly string[];
  readonly storage?: string;
  /** Schema of `.status`; without one, the whole object preserves unknown fields. */
  readonly status?: object;
  /** false: no /status subresource, so a create or update carries `.status` (default true). */
  readonly statusSubresource?: boolean;
}

/** A namespaced CRD with a status subresource, for tests that need "some kind". */
export function testCrd(spec: CrdSpec): object {
  const plural = `${spec.kind.toLowerCase()}s`;
  const versions = spec.versions ?? ["v1"];
  const schema = spec.status
    ? {
        type: "object",
        properties: {
          spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          status: spec.status,
        },
      }
    : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${spec.group}` },
    spec: {
      group: spec.group,
      scope: "Namespaced",
      names: { plural, singular: spec.kind.toLowerCase(), kind: spec.kind },
      versions: versions.map((name) => ({
        name,
        served: true,
        storage: name === (spec.storage ?? versions[0]),
        subresources: spec.statusSubresource === false ? {} : { status: {} },
        schema: { openAPIV3Schema: schema },
      })),
    },
  };
}

/** Where a namespaced custom resource lives, as CustomObjectsApi takes it. */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespace: string;
  readonly name: string;
}

/** Merge-patch a custom resource's /status subresource (what an operator does). */
export async function patchStatus(
  objects: CustomObjectsApi,
  ref: ResourceRef,
  status: unknown,
): Promise<void> {
  await objects.patchNamespacedCustomObjectStatus(
    { ...ref, body: { status } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
}
