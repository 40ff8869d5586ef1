// Shared by the ksm-*.test.ts files: run a CustomResourceStateMetrics config over objects the
// way the pipeline does, and read the result back with the strict test parser.
import { createKsmMapper, parseKsmConfig } from "../../src/mapping/ksm/index.ts";
import type { KindInfo, KubeObject, MappingResult } from "../../src/mapping/types.ts";
import { type ParsedExposition, parseExposition } from "../helpers/exposition.ts";
import { serve } from "../helpers/serve.ts";

export const fooKind: KindInfo = {
  group: "myteam.io",
  version: "v1",
  kind: "Foo",
  plural: "foos",
  namespaced: true,
};

/** The custom resource of ksm's documentation (customresourcestate-metrics.md, "Examples"). */
export function docFoo(): KubeObject {
  return {
    kind: "Foo",
    apiVersion: "myteam.io/v1",
    metadata: { annotations: { bar: "baz", qux: "quxx" }, labels: { foo: "bar" }, name: "foo" },
    spec: {
      version: "v1.2.3",
      order: [
        { id: 1, value: true },
        { id: 3, value: false },
      ],
      replicas: 1,
      refs: ["my_other_foo", "foo_2", "foo_with_extensions"],
    },
    status: {
      phase: "Pending",
      active: { "type-a": 1, "type-b": 3 },
      conditions: [
        { name: "a", value: 45 },
        { name: "b", value: 66 },
      ],
      sub: { "type-a": { active: 1, ready: 2 }, "type-b": { active: 3, ready: 4 } },
      uptime: 43.21,
    },
  };
}

export const GVK = {
  customresource_group: "myteam.io",
  customresource_kind: "Foo",
  customresource_version: "v1",
};

/** Map one object with a config (YAML); the result plus its families parsed. */
export function mapWith(
  config: string,
  obj: KubeObject,
  kind: KindInfo = fooKind,
  previous?: unknown,
): { result: MappingResult; parsed: ParsedExposition } {
  const mapper = createKsmMapper(parseKsmConfig(config)).forKind(kind);
  if (!mapper) throw new Error(`the config has nothing for ${kind.kind}`);
  const result = mapper.map(obj, previous);
  return { result, parsed: parseExposition(serve([result])) };
}

/** A one-resource config for Foo with the given metrics (YAML, indented as list items). */
export function fooConfig(metrics: string, resourceExtra = ""): string {
  return `kind: CustomResourceStateMetrics
spec:
  resources:
    - groupVersionKind: { group: myteam.io, version: v1, kind: Foo }
${resourceExtra}      metrics:
${metrics}`;
}

/** Samples of one family as `labels → value`, labels written k=v sorted, for exact comparison. */
export function seriesOf(parsed: ParsedExposition, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of parsed.samples.filter((x) => x.name === name)) {
    const labels = Object.keys(s.labels)
      .filter((k) => !k.startsWith("customresource_"))
      .sort()
      .map((k) => `${k}=${s.labels[k]}`)
      .join(",");
    out[labels] = s.value;
  }
  return out;
}
