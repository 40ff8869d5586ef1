// What `npm run build` (scripts/build.ts) writes: bundles in pure ASCII, so that Node hands V8
// each source as an external one-byte string instead of a two-byte copy twice its size
// (docs/performance.md, step 14), a main.js that still runs, and one that imports no built-in
// module as an ES module, so that Node's own undici is never loaded (step 17). Modules most
// start-ups never use load on first use (step 22).

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

  it("imports built-in modules with require(), except the two its own prelude needs", () => {
    const main = readFileSync(join(out, "main.js"), "latin1");
    const imports = [...main.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    assert.deepEqual(imports, ["node:module", "node:url"]);
    // The imports esbuild would have written are there as require() calls.
    for (const name of ["node:http", "node:zlib", "node:tls", "node:crypto"])
      assert.ok(main.includes(`require(${JSON.stringify(name)})`), name);
  });

  /** main.js serving the examples with `extra` flags; `serve` runs while it serves. */
  async function serveExamples(
    extra: string[],
    serve: (port: number, loadedModules: () => Promise<string[]>) => Promise<void>,
  ): Promise<void> {
    // A preload that reports, when asked, which internal modules Node loaded.
    const report = `data:text/javascript,${encodeURIComponent(
      'process.on("SIGUSR2", () => console.log("LOADED " + JSON.stringify(process.moduleLoadList)));',
    )}`;
    const child = spawn(
      process.execPath,
      [
        "--import",
        report,
        join(out, "main.js"),
        "--from-files",
        join(ROOT, "examples"),
        "--port",
        "0",
        "--telemetry-port",
        "0",
        ...extra,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      const port = await new Promise<number>((resolve, reject) => {
        child.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
        child.stdout.on("data", () => {
          const serving = /"msg":"serving"/.test(output) && /"port":(\d+)/.exec(output);
          if (serving) resolve(Number(serving[1]));
        });
      });
      await serve(port, async () => {
        child.kill("SIGUSR2");
        while (!output.includes("LOADED ")) await once(child.stdout, "data");
        const loaded = JSON.parse(/LOADED (.*)/.exec(output)![1]!) as string[];
        assert.ok(loaded.includes("NativeModule _http_server"), "the list is of what Node loaded");
        return loaded;
      });
    } finally {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
    }
  }

  it("serving the examples never loads Node's own undici (its bundled copy serves fetch and hono)", async () => {
    await serveExamples([], async (port, loadedModules) => {
      for (const encoding of ["identity", "gzip"]) {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
          headers: { "accept-encoding": encoding },
        });
        assert.equal(res.status, 200);
        assert.match(await res.text(), /^# HELP cr_/m);
      }
      assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
      assert.deepEqual(
        (await loadedModules()).filter((m) => m.includes("undici")),
        [],
      );
    });
  });

  it("loads a lazily bundled module on first use, and not before", async () => {
    // socks-proxy-agent (client-node's, for socks5:// proxies) is the only importer of node:dns
    // in the bundle; cel-js is needed once a health rule is compiled, here one of the config.
    const config = join(out, "health-rules.yaml");
    writeFileSync(
      config,
      [
        "healthRules:",
        "  messagequeues.queue.example.com:",
        "    failed:",
        `      - when: "self.status.?phase.orValue('') == 'Degraded'"`,
        "        reason: phase Degraded by CEL",
      ].join("\n"),
    );
    await serveExamples(["--config", config], async (port, loadedModules) => {
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(
        body,
        /^cr_health_reason\{[^}]*name="payments",state="Failed",reason="rule messagequeues\.queue\.example\.com: phase Degraded by CEL"\} 1$/m,
      );
      const loaded = await loadedModules();
      assert.ok(loaded.includes("NativeModule net"), "the list has what net needs");
      assert.ok(!loaded.includes("NativeModule dns"), "socks-proxy-agent was not loaded");
    });
  });
});
