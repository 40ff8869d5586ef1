// `cr-exporter explain [PATH...] [--from-files DIR] [--objects] [--output text|json] [flags]`:
// what the auto mapper will export for each kind, from CRD manifests on disk or from a
// cluster's CRDs (same --kubeconfig / --context as the exporter), with the series per object
// when objects are given. Every exporter flag is read by the exporter's own option schema, so
// --list-items-max, --series-limit-per-object, --metric-prefix, --spec-fields, the allowlists,
// healthRules (--config) and the kind selection mean here what they mean when serving.

import { autoMapperOptions } from "../config/mapping-options.ts";
import { loadOptions, type Options, OptionsError } from "../config/options.ts";
import { KubeClient } from "../kube/client.ts";
import { KubeConfig } from "../kube/client-node.ts";
import { type Crd, isSelected, kindInfoFromCrd, resourcePath, type Selection } from "../kube/crds.ts";
import { type ManifestSet, readManifests } from "../kube/files.ts";
import type { KubeObject } from "../mapping/types.ts";
import { Explainer, type ExplainOptions, type ExplainReport, explain } from "./report.ts";
import { renderText } from "./text.ts";

export const EXPLAIN_HELP = `Usage: cr-exporter explain [PATH...] [--from-files DIR] [--objects] [--output text|json] [flags]

For each custom resource kind, print every family the auto mapper will produce (type, labels,
source field), how each list and map field is exported, and the fields skipped and why; when
objects are given, the series each object actually gives, largest first.

  PATH, --from-files DIR  CRD (and object) manifests: YAML/JSON files or directories. Objects
                          found there are explained too.
  (no path)               the cluster's CRDs (--kubeconfig, --context as for the exporter);
  --objects               with a cluster: also list every object and explain its series.
  --output text|json     text (default) or JSON for scripts.
  Exporter flags apply as when serving: --list-items-max, --series-limit-per-object,
  --metric-prefix, --spec-fields, --metric-labels-allowlist, --metric-annotations-allowlist,
  --include-kinds/--exclude-kinds/--include-groups/--exclude-groups, --config (healthRules).`;

export interface ExplainArgs {
  readonly paths: string[];
  readonly output: "text" | "json";
  readonly objects: boolean;
  readonly help: boolean;
  /** The exporter flags, for loadOptions. */
  readonly rest: string[];
}

/** Split explain's own arguments (paths, --output, --objects) from the exporter's flags. */
export function parseExplainArgs(argv: readonly string[]): ExplainArgs {
  const paths: string[] = [];
  const rest: string[] = [];
  let output: string = "text";
  let objects = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "--objects") objects = true;
    else if (arg === "--output" || arg === "-o") {
      const v = argv[++i];
      if (v === undefined) throw new OptionsError(`${arg} needs a value: text or json`);
      output = v;
    } else if (arg.startsWith("--output=")) output = arg.slice("--output=".length);
    else if (arg.startsWith("-")) {
      rest.push(arg);
      // Every exporter flag takes a value: the next argument, unless given as --flag=value.
      if (!arg.includes("=") && i + 1 < argv.length) rest.push(argv[++i]!);
    } else paths.push(arg);
  }
  if (output !== "text" && output !== "json")
    throw new OptionsError(`--output: expected text or json, got ${JSON.stringify(output)}`);
  return { paths, output, objects, help, rest };
}

/** The auto mapper's options from the exporter's options (as main.ts builds them). */
export function explainOptions(options: Options): ExplainOptions {
  return autoMapperOptions(options);
}

function selectionOf(options: Options): Selection {
  return {
    includeGroups: options.includeGroups,
    excludeGroups: options.excludeGroups,
    includeKinds: options.includeKinds,
    excludeKinds: options.excludeKinds,
  };
}

/** Read every path; a path that cannot be read is a usage error naming it. */
export function readPaths(paths: readonly string[]): ManifestSet {
  const out: ManifestSet = { crds: [], objects: [], errors: [] };
  for (const path of paths) {
    let set: ManifestSet;
    try {
      set = readManifests(path);
    } catch (err) {
      throw new OptionsError(`cannot read ${path}: ${(err as Error).message}`);
    }
    out.crds.push(...set.crds);
    out.objects.push(...set.objects);
    out.errors.push(...set.errors.map((e) => `${e} (not a Kubernetes object)`));
  }
  return out;
}

function kubeConfig(options: Options): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new OptionsError(
      `cannot read kubeconfig ${options.kubeconfig ?? "(default)"}: ${(err as Error).message}`,
    );
  }
  if (options.context) {
    if (!kc.getContextObject(options.context))
      throw new OptionsError(`--context: no context ${JSON.stringify(options.context)} in the kubeconfig`);
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster())
    throw new OptionsError(
      "no Kubernetes cluster configured: give CRD files or a directory, or set --kubeconfig or $KUBECONFIG",
    );
  return kc;
}

/** Every page of a LIST, handed on page by page. */
async function listPages<T>(
  client: KubeClient,
  path: string,
  options: Options,
  labelSelector: string | undefined,
  onPage: (items: T[]) => void,
): Promise<void> {
  let cont: string | undefined;
  do {
    const page = await client.list<T>(
      path,
      { limit: String(options.listPageSize), continue: cont, labelSelector },
      AbortSignal.timeout(options.requestTimeout * 1000),
    );
    onPage(page.items);
    cont = page.metadata.continue;
  } while (cont);
}

/**
 * The cluster's CRDs (--crd-label-selector applies) and, with `objects`, every object of the
 * selected kinds at their preferred served version (--label-selector applies), mapped page by
 * page so a big cluster's objects are never all in memory.
 */
export async function explainCluster(options: Options, objects: boolean): Promise<ExplainReport> {
  const client = new KubeClient(kubeConfig(options));
  const crds: Crd[] = [];
  await listPages<Crd>(
    client,
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    options,
    options.crdLabelSelector,
    (items) => crds.push(...items),
  );
  const selection = selectionOf(options);
  const e = new Explainer(crds, explainOptions(options), selection, objects);
  if (objects) {
    for (const crd of crds) {
      const info = kindInfoFromCrd(crd);
      if (info === undefined || !isSelected(info, selection)) continue;
      await listPages<KubeObject>(client, resourcePath(info), options, options.labelSelector, (items) => {
        // A LIST's items carry no apiVersion/kind: the kind is the one listed.
        for (const item of items)
          e.add({ ...item, apiVersion: `${info.group}/${info.version}`, kind: info.kind });
      });
    }
  }
  return e.report();
}

/** Run the subcommand: the report as text or JSON on stdout. Throws OptionsError on usage errors. */
export async function runExplain(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const args = parseExplainArgs(argv);
  if (args.help) return EXPLAIN_HELP;
  const options = loadOptions(args.rest, env);
  const paths = [...args.paths, ...(options.fromFiles ? [options.fromFiles] : [])];
  const fromFiles = paths.length > 0;
  let report: ExplainReport;
  if (fromFiles) {
    const set = readPaths(paths);
    report = explain(set, explainOptions(options), selectionOf(options), set.objects.length > 0);
    if (set.crds.length === 0) report.notes.push(`no CustomResourceDefinition found in ${paths.join(", ")}`);
  } else report = await explainCluster(options, args.objects);
  return args.output === "json" ? `${JSON.stringify(report, null, 2)}` : renderText(report, options);
}
