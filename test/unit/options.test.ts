import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { envName, flagName, helpText, loadOptions } from "../../src/config/options.ts";

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
