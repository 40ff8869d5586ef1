// How @kubernetes/client-node is loaded (src/kube/client-node-slim.ts): KubeConfig without the
// generated API classes and models, both from src/ (the resolution hook) and in the bundle
// (scripts/build.ts), and the two names config.js takes from its index still the same functions.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isClientNodeGenIndex } from "../../src/kube/client-node-slim.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

describe("client-node loading", () => {
  it("recognises only config.js's import of the generated index", () => {
    const config = "file:///app/node_modules/@kubernetes/client-node/dist/config.js";
    assert.equal(isClientNodeGenIndex("./gen/index.js", config), true);
    assert.equal(
      isClientNodeGenIndex("./gen/index.js", "/x/node_modules/@kubernetes/client-node/dist/config.js"),
      true,
    );
    assert.equal(isClientNodeGenIndex("./gen/index.js", config.replace("config.js", "index.js")), false);
    assert.equal(isClientNodeGenIndex("./gen/http/http.js", config), false);
    assert.equal(isClientNodeGenIndex("./gen/index.js", undefined), false);
  });

  it("gives config.js the same two functions its generated index exports", async () => {
    const slim = await import("../../src/kube/client-node-gen.ts");
    const full = await import("@kubernetes/client-node/dist/gen/index.js");
    assert.equal(slim.createConfiguration, full.createConfiguration);
    assert.equal(slim.ServerConfiguration, full.ServerConfiguration);
  });

  it("from src/: loads KubeConfig, authenticates a request, and never resolves a generated model or API", () => {
    // A child process: the exporter's hook, a recording one, then client-node's modules, as main.ts loads them.
    const script = `
      import { registerHooks } from "node:module";
      await import(${JSON.stringify(join(ROOT, "src/kube/client-node-hooks.ts"))});
      // Registered last, so it runs first and sees what the exporter's hook resolves.
      const seen = [];
      registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.push(r.url); return r; } });
      const { KubeConfig, RequestContext, HttpMethod } = await import(${JSON.stringify(join(ROOT, "src/kube/client-node.ts"))});
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "c", server: "https://127.0.0.1:6443", skipTLSVerify: true }],
        users: [{ name: "u", token: "abc" }],
        contexts: [{ name: "x", cluster: "c", user: "u" }],
        currentContext: "x",
      });
      const ctx = new RequestContext("https://127.0.0.1:6443/apis", HttpMethod.GET);
      await kc.applySecurityAuthentication(ctx);
      console.log(JSON.stringify({ seen, authorization: ctx.getHeaders().Authorization }));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    const { seen, authorization } = JSON.parse(out) as { seen: string[]; authorization: string };
    assert.equal(authorization, "Bearer abc");
    const clientNode = seen.filter((u) => u.includes("/@kubernetes/client-node/"));
    assert.ok(
      clientNode.some((u) => u.endsWith("/dist/config.js")),
      "config.js loaded",
    );
    assert.ok(
      seen.some((u) => u.endsWith("/src/kube/client-node-gen.ts")),
      "the generated index resolved to client-node-gen.ts",
    );
    const generated = clientNode.filter((u) => /\/dist\/gen\/(index\.js|models\/|apis\/)/.test(u));
    assert.deepEqual(generated, [], "no generated index, model or API module");
    assert.ok(
      seen.some((u) => u.endsWith("/src/kube/undici-slim.ts")),
      "client-node's undici imports resolved to undici-slim.ts",
    );
    assert.deepEqual(
      seen.filter((u) => u.endsWith("/node_modules/undici/index.js")),
      [],
      "undici's index not loaded",
    );
  });

  it("in the bundle: no generated model or API class, nor undici's index, is bundled", () => {
    const out = mkdtempSync(join(tmpdir(), "cr-exporter-build-"));
    try {
      execFileSync(process.execPath, [join(ROOT, "scripts/build.ts"), out], { stdio: "pipe" });
      const bundle = readFileSync(join(out, "main.js"), "utf8");
      // Names as esbuild writes them (classes as `var Name = class`); the messages, not the bundle.
      const has = (text: string) => bundle.includes(text);
      assert.ok(has("KubeConfig = class"), "KubeConfig is in the bundle");
      assert.ok(has("function createConfiguration("), "createConfiguration is in the bundle");
      for (const generated of ["V1Pod", "CoreV1Api", "ObjectSerializer"])
        assert.ok(!new RegExp(`\\b${generated}\\b`).test(bundle), `${generated} left out`);
      // esbuild heads each bundled module with its path: undici's fetch and agents, not its index.
      assert.ok(has("// node_modules/undici/lib/dispatcher/agent.js"), "undici's Agent is in the bundle");
      assert.ok(has("// node_modules/undici/lib/web/fetch/index.js"), "undici's fetch is in the bundle");
      for (const unused of [
        "undici/index.js",
        "undici/lib/mock/",
        "undici/lib/web/websocket/websocket.js",
        "undici/lib/web/websocket/receiver.js",
        "undici/lib/cache/",
      ])
        assert.ok(!has(`// node_modules/${unused}`), `${unused} left out`);
      // Of the WebSocket code only its event classes, for the CloseEvent global (http/web-globals.ts).
      const websocketModules = [
        ...bundle.matchAll(/^\/\/ node_modules\/undici\/lib\/web\/websocket\/(\S+)$/gm),
      ];
      assert.deepEqual(
        websocketModules.map((m) => m[1]),
        ["events.js"],
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
