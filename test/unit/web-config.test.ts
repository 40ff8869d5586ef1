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
    assert.equal(await auth(basic("prometheus", "s3cret")), true);
    assert.equal(await auth(basic("prometheus", "s3cret")), true, "cached path agrees");
    assert.equal(await auth(basic("prometheus", "wrong")), false);
    assert.equal(await auth(basic("nobody", "s3cret")), false);
    assert.equal(await auth(undefined), false);
    assert.equal(await auth("Bearer s3cret"), false, "no bearer tokens configured");
  });

  it("checks bearer tokens from the extension file", async () => {
    const tokens = file("tokens", "tok-one\n\n tok-two \n");
    const auth = createAuthenticator(loadWebConfig(file("web.yml", `bearer_auth_tokens_file: ${tokens}\n`)));
    assert.equal(await auth("Bearer tok-two"), true);
    assert.equal(await auth("Bearer tok-three"), false);
    assert.equal(await auth(basic("tok-one", "")), false);
  });

  it("lets everything through when no auth is configured", async () => {
    assert.equal(await createAuthenticator(loadWebConfig(file("web.yml", "")))(undefined), true);
  });

  it("rejects bad files with the field named", () => {
    assert.throws(
      () => loadWebConfig(file("web.yml", "basic_auth_users:\n  u: plaintext\n")),
      /basic_auth_users.u: must be a bcrypt hash/,
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
