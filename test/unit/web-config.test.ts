import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { clientCertAllowed, createAuthenticator, loadWebConfig } from "../../src/http/web-config.ts";

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "webcfg-")), name);
  writeFileSync(path, text);
  return path;
}
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("web config", () => {
  it("accepts the exporter-toolkit format and checks bcrypt basic auth", async () => {
    const hash = bcrypt.hashSync("s3cret", 4);
    const config = loadWebConfig(file("web.yml", `basic_auth_users:\n  prometheus: "${hash}"\n`));
    const auth = createAuthenticator(config);
    assert.equal(await auth(basic("prometheus", "s3cret")), "ok");
    assert.equal(await auth(basic("prometheus", "s3cret")), "ok", "cached path agrees");
    assert.equal(await auth(basic("prometheus", "wrong")), "denied");
    assert.equal(await auth(basic("prometheus", "wrong")), "denied", "cached path agrees");
    assert.equal(await auth(basic("nobody", "s3cret")), "denied");
    assert.equal(await auth(basic("prometheus", "")), "denied");
    assert.equal(await auth(basic("prometheus:s3cret", "")), "denied");
    assert.equal(await auth(undefined), "denied");
    assert.equal(await auth("Bearer s3cret"), "denied", "no bearer tokens configured");
  });

  it("checks bearer tokens from the extension file", async () => {
    const tokens = file("tokens", "tok-one\n\n tok-two \n");
    const auth = createAuthenticator(loadWebConfig(file("web.yml", `bearer_auth_tokens_file: ${tokens}\n`)));
    assert.equal(await auth("Bearer tok-two"), "ok");
    assert.equal(await auth("Bearer tok-three"), "denied");
    assert.equal(await auth(basic("tok-one", "")), "denied");
  });

  it("lets everything through when no auth is configured", async () => {
    assert.equal(await createAuthenticator(loadWebConfig(file("web.yml", "")))(undefined), "ok");
  });

  it("rejects bad files with the field named", () => {
    assert.throws(
      () => loadWebConfig(file("web.yml", "basic_auth_users:\n  u: plaintext\n")),
      /basic_auth_users.u: must be a whole bcrypt hash/,
    );
    const whole = bcrypt.hashSync("x", 4);
    for (const bad of [
      whole.slice(0, -1), // truncated (a copy-paste that lost a character)
      `${whole}x`,
      whole.replace("$2b$", "$2x$"), // not a bcrypt variant
      whole.replace("$2b$", "$2$"),
      whole.replace("$04$", "$03$"), // cost out of range
      whole.replace("$04$", "$32$"),
      `${whole.slice(0, -1)}!`, // not bcrypt's base64
    ]) {
      assert.throws(
        () => loadWebConfig(file("web.yml", `basic_auth_users:\n  u: '${bad}'\n`)),
        /basic_auth_users.u: must be a whole bcrypt hash/,
        bad,
      );
    }
    for (const good of [whole, whole.replace("$2b$", "$2a$"), whole.replace("$2b$", "$2y$")]) {
      assert.doesNotThrow(() => loadWebConfig(file("web.yml", `basic_auth_users:\n  u: '${good}'\n`)), good);
    }
    assert.throws(
      () =>
        loadWebConfig(
          file(
            "web.yml",
            "tls_server_config: {cert_file: a, key_file: b, min_version: TLS13, max_version: TLS12}\n",
          ),
        ),
      /tls_server_config.min_version TLS13 is greater than tls_server_config.max_version TLS12/,
    );
    assert.throws(
      () =>
        loadWebConfig(
          file("web.yml", "tls_server_config: {cert_file: a, key_file: b, max_version: TLS11}\n"),
        ),
      /min_version TLS12 is greater than tls_server_config.max_version TLS11/,
      "against the default min_version",
    );
    assert.doesNotThrow(() =>
      loadWebConfig(
        file(
          "web.yml",
          "tls_server_config: {cert_file: a, key_file: b, min_version: TLS13, max_version: TLS13}\n",
        ),
      ),
    );
    assert.throws(
      () => loadWebConfig(file("web.yml", "tls_server_config:\n  cert_file: a\n")),
      /tls_server_config.key_file/,
    );
    assert.throws(() => loadWebConfig(file("web.yml", "tls_config: {}\n")), /unknown field\(s\) tls_config/);
    assert.throws(
      () =>
        loadWebConfig(
          file(
            "web.yml",
            "tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireAndVerifyClientCert}\n",
          ),
        ),
      /client_ca_file is required/,
    );
  });

  it("applies the client-certificate modes node:tls cannot express alone", () => {
    const cfg = (mode: string) =>
      loadWebConfig(
        file(
          "web.yml",
          `tls_server_config: {cert_file: a, key_file: b, client_auth_type: ${mode}, client_ca_file: c}\n`,
        ),
      );
    const none = { getPeerCertificate: () => ({}) };
    const unverified = { authorized: false, getPeerCertificate: () => ({ subject: {} }) };
    const verified = { authorized: true, getPeerCertificate: () => ({ subject: {} }) };
    assert.equal(clientCertAllowed(cfg("RequireAnyClientCert"), none), false);
    assert.equal(clientCertAllowed(cfg("RequireAnyClientCert"), unverified), true);
    assert.equal(clientCertAllowed(cfg("VerifyClientCertIfGiven"), none), true);
    assert.equal(clientCertAllowed(cfg("VerifyClientCertIfGiven"), unverified), false);
    assert.equal(clientCertAllowed(cfg("VerifyClientCertIfGiven"), verified), true);
  });
});

describe("password checks under a flood (issue 20)", () => {
  const hash4 = bcrypt.hashSync("s3cret", 4);
  const config = loadWebConfig(file("web.yml", `basic_auth_users:\n  prometheus: "${hash4}"\n`));

  /** A comparison that waits until `release()`, counting calls and the hashes it was given. */
  function gated(result = (password: string, hash: string) => bcrypt.compareSync(password, hash)) {
    const hashes: string[] = [];
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    return {
      hashes,
      release: () => open(),
      compare: async (password: string, hash: string) => {
        hashes.push(hash);
        await gate;
        return result(password, hash);
      },
    };
  }

  it("runs bcrypt on a worker thread, not on the event loop", async () => {
    const hash = bcrypt.hashSync("s3cret", 12); // ~0.3 s of CPU per comparison
    const auth = createAuthenticator(
      loadWebConfig(file("web.yml", `basic_auth_users:\n  prometheus: "${hash}"\n`)),
    );
    const mainBefore = process.threadCpuUsage();
    const allBefore = process.cpuUsage();
    assert.equal(await auth(basic("prometheus", "wrong"), "a"), "denied");
    assert.equal(await auth(basic("prometheus", "s3cret"), "a"), "ok");
    const main = process.threadCpuUsage(mainBefore);
    const all = process.cpuUsage(allBefore);
    const cpu = (u: NodeJS.CpuUsage) => u.user + u.system;
    // Two cost-12 comparisons: almost all of the process's CPU, and almost none of this thread's.
    assert.ok(cpu(main) < cpu(all) / 4, `main thread ${cpu(main)} µs of ${cpu(all)} µs`);
  });

  it("bounds comparisons in flight (4, and 1 per client); the rest are busy, not verified", async () => {
    const g = gated();
    const auth = createAuthenticator(config, { compare: g.compare });
    const first = Array.from({ length: 4 }, (_, i) => auth(basic("prometheus", `wrong-${i}`), `10.0.0.${i}`));
    const more = await Promise.all(
      Array.from({ length: 6 }, (_, i) => auth(basic("prometheus", `more-${i}`), `10.0.1.${i}`)),
    );
    assert.deepEqual(more, Array(6).fill("busy"));
    assert.equal(g.hashes.length, 4, "only the first four were verified");
    g.release();
    assert.deepEqual(await Promise.all(first), Array(4).fill("denied"));

    const h = gated();
    const perClient = createAuthenticator(config, { compare: h.compare });
    const one = perClient(basic("prometheus", "a"), "attacker");
    assert.equal(await perClient(basic("prometheus", "b"), "attacker"), "busy");
    assert.equal(await perClient(basic("prometheus", "c"), "attacker"), "busy");
    const other = perClient(basic("prometheus", "s3cret"), "prometheus-pod");
    h.release();
    assert.equal(await one, "denied");
    assert.equal(await other, "ok", "another client still gets its place");
    assert.equal(h.hashes.length, 2);
  });

  it("spends the same work on an unknown user as on a known one", async () => {
    const hash10 = "$2b$10$abcdefghijklmnopqrstuu1PGXc6bVR3qUzt7fSqnl1kRZ.cLAaLm";
    assert.equal(bcrypt.compareSync("x", hash10), false, "a well-formed cost-10 hash");
    const results: string[] = [];
    const g = gated();
    const auth = createAuthenticator(
      loadWebConfig(file("web.yml", `basic_auth_users:\n  prometheus: "${hash10}"\n  other: "${hash4}"\n`)),
      { compare: g.compare, observe: (r, verified) => results.push(`${r}${verified ? " verified" : ""}`) },
    );
    g.release();
    assert.equal(await auth(basic("prometheus", "wrong"), "a"), "denied");
    assert.equal(await auth(basic("nobody", "wrong"), "a"), "denied");
    assert.equal(await auth(basic("nobody", "s3cret"), "a"), "denied");
    assert.deepEqual(results, ["denied verified", "denied verified", "denied verified"]);
    assert.equal(g.hashes.length, 3, "one bcrypt comparison each, known user or not");
    const [, unknown] = g.hashes;
    assert.notEqual(unknown, hash10);
    // A real bcrypt hash (compareSync would throw on a malformed one) at the highest configured cost.
    assert.match(unknown ?? "", /^\$2b\$10\$[./A-Za-z0-9]{53}$/);
    assert.equal(bcrypt.compareSync("wrong", unknown!), false);
  });

  it("remembers results: one comparison per (user, password) until they expire", async () => {
    let t = 0;
    let calls = 0;
    const auth = createAuthenticator(config, {
      now: () => t,
      compare: async (p, h) => {
        calls++;
        return bcrypt.compareSync(p, h);
      },
    });
    for (let i = 0; i < 5; i++) assert.equal(await auth(basic("prometheus", "s3cret"), "a"), "ok");
    assert.equal(calls, 1);
    for (let i = 0; i < 5; i++) assert.equal(await auth(basic("prometheus", "wrong"), "a"), "denied");
    assert.equal(calls, 2);
    t += 61_000; // failures are remembered for a minute
    assert.equal(await auth(basic("prometheus", "wrong"), "a"), "denied");
    assert.equal(await auth(basic("prometheus", "s3cret"), "a"), "ok");
    assert.equal(calls, 3);
    t += 10 * 60_000; // successes for ten
    assert.equal(await auth(basic("prometheus", "s3cret"), "a"), "ok");
    assert.equal(calls, 4);
  });

  it("keeps the cache bounded", async () => {
    let calls = 0;
    const auth = createAuthenticator(config, {
      cacheSize: 2,
      compare: async (p, h) => {
        calls++;
        return bcrypt.compareSync(p, h);
      },
    });
    for (const p of ["w1", "w2", "w3", "w1"]) await auth(basic("prometheus", p), "a");
    assert.equal(calls, 4, "w1 was evicted by w3");
  });

  it("shares one comparison among identical checks in flight", async () => {
    const g = gated();
    const auth = createAuthenticator(config, { compare: g.compare });
    const all = Array.from({ length: 5 }, (_, i) => auth(basic("prometheus", "s3cret"), `c${i}`));
    g.release();
    assert.deepEqual(await Promise.all(all), Array(5).fill("ok"));
    assert.equal(g.hashes.length, 1);
  });
});
