import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { z } from "zod";
import {
  envName,
  flagName,
  helpText,
  loadOptions,
  OptionsError,
  optionsSchema,
  RELOAD_POLICY,
} from "../../src/config/options.ts";
import { parseKsmConfig } from "../../src/mapping/ksm/config.ts";

describe("settings", () => {
  it("has kube-state-metrics' defaults for ports", () => {
    const o = loadOptions([], {});
    assert.equal(o.port, 8080);
    assert.equal(o.telemetryPort, 8081);
    assert.equal(o.metricPrefix, "cr_");
    assert.deepEqual(o.specFields, ["replicas", "suspend", "paused"]);
  });

  it("names flags and env variables from the setting", () => {
    assert.equal(flagName("customResourceStateConfigFile"), "custom-resource-state-config-file");
    assert.equal(envName("telemetryPort"), "CR_EXPORTER_TELEMETRY_PORT");
  });

  it("takes flags over env over the config file", () => {
    const dir = mkdtempSync(join(tmpdir(), "opts-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "port: 9000\ntelemetry-port: 9001\nnamespaces: [a, b]\nlogLevel: debug\n");
    const o = loadOptions(["--config", file, "--port", "9100"], { CR_EXPORTER_TELEMETRY_PORT: "9101" });
    assert.equal(o.port, 9100);
    assert.equal(o.telemetryPort, 9101);
    assert.deepEqual(o.namespaces, ["a", "b"]);
    assert.equal(o.logLevel, "debug");
  });

  it("splits comma lists", () => {
    assert.deepEqual(loadOptions(["--include-groups", "a.io, *.b.io,"], {}).includeGroups, [
      "a.io",
      "*.b.io",
    ]);
  });

  it("rejects a bad value naming the flag", () => {
    assert.throws(() => loadOptions(["--port", "http"], {}), /--port: /);
    assert.throws(() => loadOptions(["--log-level", "loud"], {}), /--log-level: /);
    assert.throws(
      () => loadOptions(["--shard", "3", "--total-shards", "2"], {}),
      /--shard: must be less than --total-shards/,
    );
    assert.throws(() => loadOptions(["--mode", "ksm"], {}), /--mode: .*custom-resource-state-config/);
    assert.throws(() => loadOptions(["--metric-prefix", "9x"], {}), /--metric-prefix: /);
  });

  it("rejects an empty number instead of reading it as 0", () => {
    assert.throws(() => loadOptions(["--total-shards", "2"], { CR_EXPORTER_SHARD: "" }), /--shard: /);
    assert.throws(() => loadOptions(["--port", " "], {}), /--port: /);
  });

  it("rejects an unknown flag and an unknown config-file key", () => {
    assert.throws(() => loadOptions(["--prot", "1"], {}), /Unknown option '--prot'/);
    const dir = mkdtempSync(join(tmpdir(), "opts-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "prot: 1\n");
    assert.throws(() => loadOptions(["--config", file], {}), /unknown setting\(s\) "prot"/);
    writeFileSync(file, "port: [\n");
    assert.throws(() => loadOptions(["--config", file], {}), new RegExp(`config file ${file}`));
  });

  it("documents every flag in --help", () => {
    const help = helpText();
    for (const flag of ["--port", "--from-files", "--custom-resource-state-config-file", "--total-shards"]) {
      assert.match(help, new RegExp(`^  ${flag} `, "m"));
    }
  });
});

describe("per-kind selectors", () => {
  it("reads them from JSON on the command line and rejects unknown fields", () => {
    const o = loadOptions(["--kind-selectors", '{"mqs.q.io":{"labelSelector":"tier=prod"}}'], {});
    assert.deepEqual(o.kindSelectors, { "mqs.q.io": { labelSelector: "tier=prod" } });
    assert.throws(
      () => loadOptions(["--kind-selectors", '{"mqs.q.io":{"labels":"x"}}'], {}),
      /--kind-selectors: /,
    );
  });
});

describe("per-kind selectors errors", () => {
  it("names the flag for malformed JSON", () => {
    assert.throws(() => loadOptions(["--kind-selectors", "{not json"], {}), /--kind-selectors: /);
  });
});

describe("values checked at load (exit 2 at start, a failed reload later)", () => {
  const rejects = (argv: string[], message: RegExp, env: NodeJS.ProcessEnv = {}) =>
    assert.throws(
      () => loadOptions(argv, env),
      (err: Error) => {
        assert.ok(err instanceof OptionsError, `${argv.join(" ")}: ${err.name}`);
        assert.match(err.message, message);
        return true;
      },
    );

  it("reads integers in decimal notation only, for every integer setting", () => {
    rejects(["--port", "0x50"], /--port: expected a decimal integer, got "0x50"/);
    rejects(["--port", "1e3"], /--port: expected a decimal integer, got "1e3"/);
    rejects(["--port", "0b1"], /--port: expected a decimal integer/);
    rejects(["--port", "8.5"], /--port: expected a decimal integer, got "8.5"/);
    rejects(["--port", "70000"], /--port: .*65535 \(got 70000\)/);
    rejects([], /--telemetry-port: expected a decimal integer, got "0x1F91"/, {
      CR_EXPORTER_TELEMETRY_PORT: "0x1F91",
    });
    rejects(["--list-page-size", "1e2"], /--list-page-size: expected a decimal integer, got "1e2"/);
    rejects(["--watch-timeout", "0x10"], /--watch-timeout: expected a decimal number of seconds, got "0x10"/);
    rejects(["--watch-timeout", "0"], /--watch-timeout: .*>0 \(got 0\)/);
    const shape = optionsSchema.shape as Record<string, z.ZodType>;
    // Every integer setting goes through the same check: no hex, exponent or binary anywhere.
    for (const key of Object.keys(shape)) {
      if (!shape[key]!.safeParse("8").success || shape[key]!.safeParse("8").data !== 8) continue;
      assert.equal(shape[key]!.safeParse("0x8").success, false, `${key} takes 0x8`);
      assert.equal(shape[key]!.safeParse("8e0").success, false, `${key} takes 8e0`);
    }
    const o = loadOptions(["--port", " 80 ", "--watch-timeout", "2.5", "--list-page-size", "+10"], {});
    assert.equal(o.port, 80);
    assert.equal(o.watchTimeout, 2.5);
    assert.equal(o.listPageSize, 10);
  });

  it("reads numbers in the config file in decimal notation only, as from flags", () => {
    const dir = mkdtempSync(join(tmpdir(), "opts-"));
    const file = join(dir, "config.yaml");
    for (const [text, message] of [
      ["listPageSize: 0x50\n", /--list-page-size: expected a decimal integer, got "0x50"/],
      ["listPageSize: 0o17\n", /--list-page-size: expected a decimal integer, got "0o17"/],
      ["seriesLimitPerObject: 1e3\n", /--series-limit-per-object: expected a decimal integer, got "1e3"/],
      ["watchTimeout: .inf\n", /--watch-timeout: expected a decimal number of seconds, got ".inf"/],
    ] as const) {
      writeFileSync(file, text);
      rejects(["--config", file], message);
    }
    writeFileSync(file, "listPageSize: 80\nwatchTimeout: 2.5\nhealthRules: {r: {limit: 0x10}}\n");
    const o = loadOptions(["--config", file], {});
    assert.equal(o.listPageSize, 80);
    assert.equal(o.watchTimeout, 2.5);
    assert.deepEqual(o.healthRules, { r: { limit: 16 } }, "only top-level settings are read as flags");
  });

  it("takes only valid namespace names", () => {
    rejects(["--namespaces", "default,Bad_NS!"], /--namespaces: "Bad_NS!" is not a namespace name/);
    rejects(["--namespaces=-lead"], /--namespaces: "-lead" is not a namespace name/);
    rejects(["--namespaces", "a.b"], /"a.b" is not a namespace name/);
    rejects(["--namespaces", "n".repeat(64)], /is not a namespace name/);
    assert.deepEqual(loadOptions(["--namespaces", "default, kube-system,n1"], {}).namespaces, [
      "default",
      "kube-system",
      "n1",
    ]);
  });

  it("takes only .spec field paths as --spec-fields", () => {
    rejects(["--spec-fields", ".."], /--spec-fields: "\.\." is not a \.spec field path/);
    rejects(["--spec-fields", "replicas,a..b"], /"a\.\.b" is not a \.spec field path/);
    rejects(["--spec-fields", "spec fields"], /"spec fields" is not/);
    assert.deepEqual(
      loadOptions(["--spec-fields", "replicas,template.spec.paused,max-size"], {}).specFields,
      ["replicas", "template.spec.paused", "max-size"],
    );
  });

  it("parses the label and field selectors locally", () => {
    rejects(
      ["--label-selector", "tier in prod"],
      /--label-selector: invalid label selector "tier in prod": /,
    );
    rejects(["--label-selector", "tier=prod,"], /--label-selector: invalid label selector "tier=prod,"/);
    rejects(["--crd-label-selector", "a=b_"], /--crd-label-selector: invalid label selector "a=b_"/);
    rejects(
      ["--field-selector", "metadata.name"],
      /--field-selector: invalid field selector "metadata.name"/,
    );
    rejects(
      ["--kind-selectors", '{"mqs.q.io":{"fieldSelector":"x in (y)"}}'],
      /--kind-selectors: at mqs\.q\.io\.fieldSelector: invalid field selector "x in \(y\)"/,
    );
    rejects(
      ["--kind-selectors", '{"mqs.q.io":{"labelSelector":"!"}}'],
      /--kind-selectors: at mqs\.q\.io\.labelSelector: invalid label selector "!"/,
    );
    const o = loadOptions(
      [
        "--label-selector",
        "env in (prod,staging),!canary",
        "--field-selector",
        "metadata.namespace!=kube-system",
        "--crd-label-selector",
        "app.kubernetes.io/part-of=x",
      ],
      {},
    );
    assert.equal(o.labelSelector, "env in (prod,staging),!canary");
    assert.equal(o.fieldSelector, "metadata.namespace!=kube-system");
  });

  it("parses the allowlists: a bad one is a usage error naming the flag", () => {
    rejects(["--metric-labels-allowlist", "foo"], /--metric-labels-allowlist: expected "=" after "foo"/);
    rejects(["--metric-annotations-allowlist", "a=[b"], /--metric-annotations-allowlist: unterminated "\["/);
    assert.equal(
      loadOptions(["--metric-labels-allowlist", "mqs=[team],*=[app]"], {}).metricLabelsAllowlist,
      "mqs=[team],*=[app]",
    );
  });

  it("has the list, per-object and health-rule settings of the metric contract", () => {
    const o = loadOptions([], {});
    assert.equal(o.listItemsMax, 32);
    assert.equal(o.seriesLimitPerObject, 500);
    assert.deepEqual(o.healthRules, {});
    const set = loadOptions(
      ["--list-items-max", "0", "--series-limit-per-object", "1", "--health-rules", '{"r":{"expr":"true"}}'],
      {},
    );
    assert.equal(set.listItemsMax, 0);
    assert.equal(set.seriesLimitPerObject, 1);
    assert.deepEqual(set.healthRules, { r: { expr: "true" } });
    rejects(["--list-items-max=-1"], /--list-items-max: .*>=0 \(got -1\)/);
    rejects(["--series-limit-per-object", "0"], /--series-limit-per-object: .*>=1 \(got 0\)/);
    rejects(["--health-rules", "[1]"], /--health-rules: .*expected record/);
    rejects(["--health-rules", '{"r":5}'], /--health-rules: at r: .*expected record/);
    rejects(["--health-rules", "{nope"], /--health-rules: /);
    const dir = mkdtempSync(join(tmpdir(), "opts-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "healthRules:\n  argo:\n    when: x\nlistItemsMax: 4\n");
    const fromFile = loadOptions(["--config", file], {});
    assert.deepEqual(fromFile.healthRules, { argo: { when: "x" } });
    assert.equal(fromFile.listItemsMax, 4);
  });

  it("refuses a CustomResourceStateMetrics document whose parts have the wrong type, as kube-state-metrics does", () => {
    assert.throws(() => parseKsmConfig("spec: 5\n"), /spec: expected a mapping, got "5"/);
    assert.throws(
      () => parseKsmConfig('kind: CustomResourceStateMetrics\nspec: "x"\n'),
      /spec: expected a mapping/,
    );
    assert.throws(() => parseKsmConfig("5\n"), /expected a mapping, got "5"/);
    assert.throws(
      () => parseKsmConfig("spec:\n  resources:\n    - groupVersionKind: true\n"),
      /spec\.resources\[0\]: groupVersionKind: expected a mapping, got "true"/,
    );
    assert.deepEqual(parseKsmConfig("spec: {}\n").resources, []);
  });
});

describe("reload policies", () => {
  it("tags every setting live, remap or restart in the schema", () => {
    assert.deepEqual(Object.keys(RELOAD_POLICY).sort(), Object.keys(optionsSchema.shape).sort());
    for (const [key, policy] of Object.entries(RELOAD_POLICY))
      assert.ok(["live", "remap", "restart"].includes(policy), `${key}: ${policy}`);
    // Sockets and identity only at start; what the mappers read needs a remap.
    for (const key of [
      "port",
      "telemetryPort",
      "host",
      "webConfigFile",
      "shard",
      "totalShards",
      "config",
    ] as const)
      assert.equal(RELOAD_POLICY[key], "restart", key);
    for (const key of [
      "mode",
      "metricPrefix",
      "specFields",
      "metricLabelsAllowlist",
      "customResourceStateConfigFile",
      "listItemsMax",
      "seriesLimitPerObject",
      "healthRules",
    ] as const)
      assert.equal(RELOAD_POLICY[key], "remap", key);
    for (const key of ["includeGroups", "namespaces", "labelSelector", "kindSelectors", "logLevel"] as const)
      assert.equal(RELOAD_POLICY[key], "live", key);
  });

  it("shows each setting's policy in --help", () => {
    assert.match(helpText(), /^ {2}--port .*\[restart\]$/m);
    assert.match(helpText(), /^ {2}--list-items-max .*\(default 32\) \[remap\]$/m);
    assert.match(helpText(), /^ {2}--namespaces .*\[live\]$/m);
  });
});
