// What `npm run build` (scripts/build.ts) writes: bundles in pure ASCII, so that Node hands V8
// each source as an external one-byte string instead of a two-byte copy twice its size
// (docs/performance.md, step 14), and a main.js that still runs.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

const ROOT = new URL("../..", import.meta.url).pathname;

describe("the build's bundles", () => {
  let out: string;
  before(() => {
    out = mkdtempSync(join(tmpdir(), "cr-exporter-build-"));
    execFileSync(process.execPath, [join(ROOT, "scripts/build.ts"), out], { stdio: "pipe" });
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it("are pure ASCII, although their sources are not", () => {
    const bundles = readdirSync(out).filter((f) => f.endsWith(".js"));
    assert.deepEqual(bundles.sort(), ["bcrypt-worker.js", "main.js"]);
    for (const file of bundles) {
      const bytes = readFileSync(join(out, file));
      const index = bytes.findIndex((b) => b > 0x7f);
      assert.equal(index, -1, `${file}: byte ${bytes[index]} at ${index}`);
    }
    // What made main.js two-byte before: a comment of our own and cel-js' duration pattern.
    assert.ok(
      readFileSync(join(ROOT, "src/mapping/health/builtin-rules.ts"), "utf8").includes("UpgradeFailed, …)"),
    );
    const main = readFileSync(join(out, "main.js"), "latin1");
    assert.ok(main.includes("UpgradeFailed, \\u2026)"), "a comment's ellipsis, escaped");
    assert.ok(main.includes("(ns|us|\\u00b5s|ms|s|m|h)"), "the regex's micro sign, escaped");
  });

  it("the escaped main.js runs and means the same: µs still parses as a duration unit", () => {
    const help = execFileSync(process.execPath, [join(out, "main.js"), "--help"], { encoding: "utf8" });
    assert.match(help, /^Usage: cr-exporter/);
    const pattern = /\(ns\|us\|\\u00b5s\|ms\|s\|m\|h\)/.exec(readFileSync(join(out, "main.js"), "latin1"));
    assert.ok(pattern);
    assert.deepEqual(new RegExp(pattern[0]).exec("5µs")?.slice(0, 2), ["µs", "µs"]);
  });
});
