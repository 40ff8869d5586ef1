// Pure functions over CustomResourceDefinitions: which version to watch, what the mappers need
// to know about the kind, and whether the user's selection includes it.

import type { JsonSchema, KindInfo } from "../mapping/types.ts";

/** The fields of a CRD (apiextensions.k8s.io/v1) read here. */
export interface Crd {
  metadata?: { name?: string; uid?: string; labels?: Record<string, string>; resourceVersion?: string };
  spec?: {
    group?: string;
    scope?: string;
    names?: { kind?: string; plural?: string };
    versions?: Array<{
      name?: string;
      served?: boolean;
      storage?: boolean;
      schema?: { openAPIV3Schema?: JsonSchema };
    }>;
  };
  status?: { conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }> };
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Kubernetes version priority (as discovery orders versions): GA > beta > alpha, higher major
 * first, then higher minor; names that are not Kubernetes versions sort last, alphabetically.
 * Returns negative when `a` has the higher priority.
 */
export function compareVersionPriority(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) {
    if (ma) return -1;
    if (mb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const stability = (m: RegExpExecArray) => (m[2] === undefined ? 2 : m[2] === "beta" ? 1 : 0);
  const sa = stability(ma);
  const sb = stability(mb);
  if (sa !== sb) return sb - sa;
  const major = Number(mb[1]) - Number(ma[1]);
  if (major !== 0) return major;
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

/** The served version discovery would prefer, or undefined when nothing is served. */
export function preferredServedVersion(crd: Crd): string | undefined {
  const served = (crd.spec?.versions ?? []).filter((v) => v.served && v.name).map((v) => v.name as string);
  served.sort(compareVersionPriority);
  return served[0];
}

/** Every served version, highest priority first. */
export function servedVersions(crd: Crd): string[] {
  return (crd.spec?.versions ?? [])
    .filter((v) => v.served && v.name)
    .map((v) => v.name as string)
    .sort(compareVersionPriority);
}

/**
 * Why the API server does not serve this CRD's objects yet, or undefined once it is Established.
 * A CRD whose names conflict with another's stays NamesAccepted=False, never Established.
 */
export function notEstablished(crd: Crd): string | undefined {
  const conditions = crd.status?.conditions ?? [];
  if (conditions.some((c) => c.type === "Established" && c.status === "True")) return undefined;
  const failed = conditions.find((c) => c.status === "False" && c.type === "NamesAccepted");
  const shown = failed ?? conditions.find((c) => c.type === "Established");
  if (!shown) return "not Established yet";
  const why = [shown.reason, shown.message].filter((s) => s).join(": ");
  return `${shown.type}=${shown.status}${why ? ` (${why})` : ""}`;
}

/** What the mappers get for the CRD's preferred served version; undefined if it serves none. */
export function kindInfoFromCrd(crd: Crd, version = preferredServedVersion(crd)): KindInfo | undefined {
  const spec = crd.spec;
  if (!version || !spec?.group || !spec.names?.kind || !spec.names.plural) return undefined;
  const schema = spec.versions?.find((v) => v.name === version)?.schema?.openAPIV3Schema;
  return {
    group: spec.group,
    version,
    kind: spec.names.kind,
    plural: spec.names.plural,
    namespaced: spec.scope !== "Cluster",
    ...(schema ? { schema } : {}),
  };
}

/** `plural.group`, the CRD's own name and the store key of its kind. */
export function kindKey(info: Pick<KindInfo, "plural" | "group">): string {
  return `${info.plural}.${info.group}`;
}

/** Which CRDs to watch. Empty include lists mean "all". */
export interface Selection {
  readonly includeGroups: readonly string[];
  readonly excludeGroups: readonly string[];
  /** Entries are `Kind`, `Kind.group`, `plural` or `plural.group`; globs allowed. */
  readonly includeKinds: readonly string[];
  readonly excludeKinds: readonly string[];
}

export const selectAll: Selection = {
  includeGroups: [],
  excludeGroups: [],
  includeKinds: [],
  excludeKinds: [],
};

/** Shell-style glob (`*`, `?`) to an anchored, case-sensitive regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

function matchesAny(patterns: readonly string[], candidates: readonly string[]): boolean {
  return patterns.some((p) => {
    const re = globToRegExp(p);
    return candidates.some((c) => re.test(c));
  });
}

export function isSelected(info: Pick<KindInfo, "group" | "kind" | "plural">, sel: Selection): boolean {
  const names = [info.kind, `${info.kind}.${info.group}`, info.plural, `${info.plural}.${info.group}`];
  if (sel.includeGroups.length > 0 && !matchesAny(sel.includeGroups, [info.group])) return false;
  if (matchesAny(sel.excludeGroups, [info.group])) return false;
  if (sel.includeKinds.length > 0 && !matchesAny(sel.includeKinds, names)) return false;
  if (matchesAny(sel.excludeKinds, names)) return false;
  return true;
}

/** API path of a kind's objects, cluster-wide or in one namespace. */
export function resourcePath(
  info: Pick<KindInfo, "group" | "version" | "plural">,
  namespace?: string,
): string {
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `/apis/${info.group}/${info.version}${ns}/${info.plural}`;
}

/**
 * A resource of a kube-state-metrics config (`groupVersionKind`): the group is required;
 * `version` and `kind` may be "" or "*" (any).
 */
export interface ConfigResource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

const anyValue = (s: string) => s === "" || s === "*";

/** Whether a config resource names this CRD's group and kind. */
export function namesCrd(resource: ConfigResource, crd: Crd): boolean {
  return (
    resource.group === crd.spec?.group && (anyValue(resource.kind) || resource.kind === crd.spec.names?.kind)
  );
}

/**
 * The version a config resource is read at on this CRD: the version it names, as long as it is
 * served (preferred or not), or the preferred served version for a wildcard; undefined when the
 * CRD does not serve it.
 */
export function configVersion(resource: ConfigResource, crd: Crd): string | undefined {
  const served = servedVersions(crd);
  if (anyValue(resource.version)) return served[0];
  return served.includes(resource.version) ? resource.version : undefined;
}

/**
 * The versions of a CRD to read and, for each, which readers (by index) read it there. A reader
 * without `resources` (auto mode) reads every kind at its preferred served version; one with
 * `resources` (a kube-state-metrics config) reads the version each resource naming the kind
 * resolves to. Two readers needing different versions of one kind cost two list+watch loops.
 */
export function plannedVersions(
  crd: Crd,
  readers: ReadonlyArray<{ readonly resources?: readonly ConfigResource[] }>,
): Map<string, number[]> {
  const plan = new Map<string, number[]>();
  const add = (version: string | undefined, reader: number) => {
    if (version === undefined) return;
    const list = plan.get(version) ?? [];
    if (!list.includes(reader)) list.push(reader);
    plan.set(version, list);
  };
  readers.forEach((reader, i) => {
    if (!reader.resources) add(preferredServedVersion(crd), i);
    else for (const r of reader.resources) if (namesCrd(r, crd)) add(configVersion(r, crd), i);
  });
  return plan;
}

/** Labels of a config resource in self-metrics and logs: wildcards shown as "*". */
export function configResourceLabels(r: ConfigResource): { group: string; version: string; kind: string } {
  return { group: r.group, version: r.version || "*", kind: r.kind || "*" };
}

/**
 * Why a config resource reads nothing, or undefined when some CRD serves it. `unusable` says why
 * a CRD cannot be read (not selected, not Established), or undefined when it can.
 */
export function unmatchedReason(
  resource: ConfigResource,
  crds: Iterable<Crd>,
  unusable: (crd: Crd) => string | undefined,
): string | undefined {
  const naming = [...crds].filter((crd) => namesCrd(resource, crd));
  const { group, version, kind } = configResourceLabels(resource);
  if (naming.length === 0)
    return kind === "*"
      ? `no CustomResourceDefinition of group ${group}`
      : `no CustomResourceDefinition of kind ${kind} in group ${group}`;
  const usable = naming.filter((crd) => unusable(crd) === undefined);
  if (usable.length === 0) {
    const crd = naming[0] as Crd;
    return `CRD ${crd.metadata?.name ?? "?"}: ${unusable(crd)}`;
  }
  if (usable.some((crd) => configVersion(resource, crd) !== undefined)) return undefined;
  const served = [...new Set(usable.flatMap((crd) => servedVersions(crd)))];
  return version === "*"
    ? "the CRD serves no version"
    : `version ${version} is not served (served: ${served.join(", ") || "none"})`;
}
