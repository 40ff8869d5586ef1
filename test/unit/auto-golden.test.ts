// Golden outputs: the exact exposition the auto mapper produces for each fixture kind, as the
// store would serve it for those objects alone. They double as the expectations for tests that
// run the exporter on the same objects. Regenerate on purpose with UPDATE_GOLDEN=1.

import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { kindOf, loadYaml, mapAll } from "./auto-helpers.ts";

const FIXTURES = new URL("../fixtures/auto/", import.meta.url);

const cases: Array<[crd: string, objects: string]> = [
  ["messagequeue-crd.yaml", "messagequeues.yaml"],
  ["databasecluster-crd.yaml", "databaseclusters.yaml"],
  ["gitops-crd.yaml", "gitops-applications.yaml"],
  ["certificate-crd.yaml", "certificates.yaml"],
];

describe("auto mapper golden outputs", () => {
  for (const [crd, objects] of cases) {
    const golden = new URL(objects.replace(/\.yaml$/, ".expected.prom"), FIXTURES);
    it(`${objects} → ${golden.pathname.split("/").pop()}`, () => {
      const { text } = mapAll(kindOf(loadYaml(crd)[0]), loadYaml(objects));
      if (process.env.UPDATE_GOLDEN === "1" || !existsSync(golden)) writeFileSync(golden, text);
      assert.equal(text, readFileSync(golden, "utf8"));
    });
  }
});
