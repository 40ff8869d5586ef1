import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadOptions, type Options } from "../../src/config/options.ts";
import { planReload, type ReloadTargets, reloadHandlers, reloadNow } from "../../src/config/reload.ts";

interface Recorded {
  readonly applied: Array<{ options: Options; remap: boolean }>;
  readonly reloads: Record<string, number>;
  lastSuccess: number | undefined;
  readonly lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }>;
}

function targets(fail?: (o: Options) => Error | undefined): { targets: ReloadTargets; seen: Recorded } {
  const seen: Recorded = { applied: [], reloads: {}, lastSuccess: undefined, lines: [] };
  const line = (level: string) => (fields: Record<string, unknown>, msg: string) =>
    seen.lines.push({ level, msg, fields });
  const log = { level: "info", info: line("info"), warn: line("warn"), error: line("error") };
  const metrics = {
    configReloads: {
      inc: ({ result }: { result: string }) => {
        seen.reloads[result] = (seen.reloads[result] ?? 0) + 1;
      },
    },
    configLastReloadSuccess: {
      set: (v: number) => {
        seen.lastSuccess = v;
      },
    },
  };
  return {
    seen,
    targets: {
      log: log as unknown as ReloadTargets["log"],
      metrics: metrics as unknown as ReloadTargets["metrics"],
      apply(options, remap) {
        const err = fail?.(options);
        if (err) throw err;
        seen.applied.push({ options, remap });
      },
    },
  };
}

describe("reload by the settings' policies", () => {
  const base = loadOptions(["--include-groups", "a.io", "--port", "8080"], {});

  it("plans from the schema's tags: live applies, remap rebuilds mappers, restart keeps the running value", () => {
    const live = planReload(base, { ...base, includeGroups: ["a.io", "b.io"] });
    assert.deepEqual([live.applied, live.ignored, live.remap], [["includeGroups"], [], false]);
    const remap = planReload(base, { ...base, listItemsMax: 4, logLevel: "debug" });
    assert.deepEqual([remap.applied.sort(), remap.remap], [["listItemsMax", "logLevel"], true]);
    const restart = planReload(base, { ...base, port: 9090, listPageSize: 10, namespaces: ["x"] });
    assert.deepEqual([restart.applied, restart.ignored.sort()], [["namespaces"], ["listPageSize", "port"]]);
    assert.equal(restart.options.port, 8080, "the running port is kept");
    assert.equal(restart.options.listPageSize, base.listPageSize);
    assert.deepEqual(restart.options.namespaces, ["x"]);
  });

  it("applies a valid change, counts it, and warns about restart-only settings", () => {
    const { targets: t, seen } = targets();
    const h = reloadHandlers(base, t);
    assert.equal(seen.lastSuccess, 1);
    const next = { ...base, specFields: ["replicas"], port: 9999 };
    h.applied(next, ["specFields", "port"]);
    assert.equal(seen.applied.length, 1);
    assert.equal(seen.applied[0]!.remap, true);
    assert.equal(seen.applied[0]!.options.port, 8080);
    assert.deepEqual(h.current().specFields, ["replicas"]);
    assert.equal(h.current().port, 8080);
    assert.deepEqual(seen.reloads, { success: 1 });
    assert.ok(seen.lines.some((l) => l.level === "warn" && String(l.fields.settings) === "port"));
    // Only a restart-only setting changed: nothing to apply, still a successful reload.
    h.applied({ ...h.current(), host: "::1" }, ["host"]);
    assert.equal(seen.applied.length, 1);
    assert.deepEqual(seen.reloads, { success: 2 });
  });

  it("keeps the previous settings and counts a failure when applying throws", () => {
    const dir = mkdtempSync(join(tmpdir(), "reload-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "includeGroups: [a.io]\n");
    const argv = ["--config", file];
    const initial = loadOptions(argv, {});
    const { targets: t, seen } = targets((o) => (o.listItemsMax === 7 ? new Error("refused") : undefined));
    const h = reloadHandlers(initial, t);
    writeFileSync(file, "includeGroups: [a.io]\nlistItemsMax: 7\n");
    reloadNow(file, argv, {}, h.current, h);
    assert.equal(h.current().listItemsMax, initial.listItemsMax);
    assert.deepEqual(seen.reloads, { failure: 1 });
    assert.equal(seen.lastSuccess, 0);
    assert.ok(seen.lines.some((l) => l.level === "error" && l.fields.err === "refused"));
  });

  it("keeps the previous settings and counts a failure for each invalid value of issue 20", () => {
    const dir = mkdtempSync(join(tmpdir(), "reload-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "namespaces: [default]\n");
    const argv = ["--config", file];
    const initial = loadOptions(argv, {});
    const { targets: t, seen } = targets();
    const h = reloadHandlers(initial, t);
    const bad: Array<[string, RegExp]> = [
      ["namespaces: [Bad_NS!]", /--namespaces: "Bad_NS!" is not a namespace name/],
      ["listPageSize: '0x50'", /--list-page-size: expected a decimal integer, got "0x50"/],
      ["specFields: ['..']", /--spec-fields: "\.\." is not a \.spec field path/],
      ["labelSelector: 'a in b'", /--label-selector: invalid label selector "a in b"/],
      ["fieldSelector: 'metadata.name'", /--field-selector: invalid field selector/],
      ["kindSelectors: {x.io: {labelSelector: '!'}}", /--kind-selectors: at x\.io\.labelSelector: /],
      ["metricLabelsAllowlist: 'x=[a'", /--metric-labels-allowlist: unterminated/],
      ["healthRules: {r: 5}", /--health-rules: at r: /],
    ];
    for (const [i, [text, message]] of bad.entries()) {
      writeFileSync(file, `${text}\n`);
      reloadNow(file, argv, {}, h.current, h);
      assert.deepEqual(seen.reloads, { failure: i + 1 }, text);
      assert.match(String(seen.lines.at(-1)?.fields.err), message, text);
      assert.deepEqual(h.current(), initial, `${text}: the previous settings are kept`);
    }
    assert.equal(seen.applied.length, 0);
    assert.equal(seen.lastSuccess, 0);
    writeFileSync(file, "namespaces: [default, shop]\n");
    reloadNow(file, argv, {}, h.current, h);
    assert.deepEqual(h.current().namespaces, ["default", "shop"]);
    assert.equal(seen.lastSuccess, 1);
  });
});
