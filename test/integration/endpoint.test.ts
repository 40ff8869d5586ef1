// Endpoint protection as a scraper meets it: HTTPS from the exporter-toolkit web config,
// basic auth with a bcrypt hash, a rotated certificate picked up without a restart, open probes.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { Agent, fetch } from "undici";
import { type RunningExporter, startTestExporter } from "../helpers/exporter.ts";
import { type KeyPair, selfSignedCert, signedCert } from "../helpers/pki.ts";
import { eventually } from "../helpers/wait.ts";

const EXAMPLES = new URL("../../examples", import.meta.url).pathname;

/** A server certificate for 127.0.0.1 that is its own CA. */
const selfSigned = (dir: string, name: string, cn: string): KeyPair =>
  selfSignedCert(dir, name, `/CN=${cn}`, ["subjectAltName=IP:127.0.0.1"]);

describe("endpoint protection (--web-config-file)", { timeout: 60_000 }, () => {
  let dir: string;
  let exporter: RunningExporter;
  let first: KeyPair;
  const auth = `Basic ${Buffer.from("prometheus:s3cret").toString("base64")}`;

  const get = (path: string, ca: string, headers: Record<string, string> = {}) =>
    fetch(`https://127.0.0.1:${exporter.port}${path}`, {
      headers,
      dispatcher: new Agent({ connect: { ca: readFileSync(ca) } }),
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "webcfg-it-"));
    first = selfSigned(dir, "first", "first");
    // The config points at fixed paths; the rotation test swaps the files behind them.
    writeFileSync(join(dir, "tls.crt"), readFileSync(first.cert));
    writeFileSync(join(dir, "tls.key"), readFileSync(first.key));
    writeFileSync(
      join(dir, "web.yml"),
      `tls_server_config:\n  cert_file: ${join(dir, "tls.crt")}\n  key_file: ${join(dir, "tls.key")}\nbasic_auth_users:\n  prometheus: "${bcrypt.hashSync("s3cret", 4)}"\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n`,
    );
    exporter = await startTestExporter(undefined, [
      "--from-files",
      EXAMPLES,
      "--web-config-file",
      join(dir, "web.yml"),
    ]);
  });

  after(async () => {
    await exporter?.stop();
  });

  it("serves HTTPS only", async () => {
    await assert.rejects(globalThis.fetch(`http://127.0.0.1:${exporter.port}/healthz`));
    assert.equal((await get("/healthz", first.cert)).status, 200);
  });

  it("requires the basic-auth user for metrics, not for probes", async () => {
    assert.equal((await get("/readyz", first.cert)).status, 200);
    const denied = await get("/metrics", first.cert);
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get("www-authenticate") ?? "", /^Basic /);
    assert.equal(
      (
        await get("/metrics", first.cert, {
          authorization: `Basic ${Buffer.from("prometheus:nope").toString("base64")}`,
        })
      ).status,
      401,
    );
    const ok = await get("/metrics", first.cert, { authorization: auth });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /cr_info\{/);
  });

  it("sends the configured headers on every response, /metrics included", async () => {
    for (const path of ["/healthz", "/metrics"]) {
      const res = await get(path, first.cert, { authorization: auth });
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      await res.arrayBuffer();
    }
  });

  it("picks up a rotated certificate without a restart", async () => {
    const second = selfSigned(dir, "second", "second");
    writeFileSync(join(dir, "tls.key.new"), readFileSync(second.key));
    writeFileSync(join(dir, "tls.crt.new"), readFileSync(second.cert));
    renameSync(join(dir, "tls.key.new"), join(dir, "tls.key"));
    renameSync(join(dir, "tls.crt.new"), join(dir, "tls.crt"));
    await eventually(
      "new certificate served",
      async () => (await get("/healthz", second.cert)).status === 200,
      20_000,
      250,
    );
    await assert.rejects(get("/healthz", first.cert), "the old certificate is no longer served");
    assert.ok(exporter.logs.some((l) => l.msg === "TLS certificate reloaded"));
  });
});

describe("client certificates (--web-config-file client_auth_type)", { timeout: 60_000 }, () => {
  let dir: string;
  let server: KeyPair;
  let trusted: KeyPair;
  let stranger: KeyPair;
  const started: RunningExporter[] = [];

  async function exporterWith(mode: string): Promise<RunningExporter> {
    const config = join(dir, `${mode}.yml`);
    writeFileSync(
      config,
      `tls_server_config:\n  cert_file: ${server.cert}\n  key_file: ${server.key}\n  client_auth_type: ${mode}\n  client_ca_file: ${join(dir, "ca.crt")}\n`,
    );
    const exporter = await startTestExporter(undefined, [
      "--from-files",
      EXAMPLES,
      "--web-config-file",
      config,
    ]);
    started.push(exporter);
    return exporter;
  }

  /** Status of GET /metrics, or "refused" when the TLS handshake fails. */
  async function status(exporter: RunningExporter, client?: KeyPair): Promise<number | "refused"> {
    const connect = {
      ca: readFileSync(server.cert),
      ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
    };
    try {
      const res = await fetch(`https://127.0.0.1:${exporter.port}/metrics`, {
        dispatcher: new Agent({ connect }),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return "refused";
    }
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "clientcert-it-"));
    server = selfSigned(dir, "server", "127.0.0.1");
    selfSignedCert(dir, "ca", "/CN=test client CA"); // ca.crt, ca.key: what signedCert signs with
    trusted = signedCert(dir, "trusted", "/CN=prometheus", ["extendedKeyUsage=clientAuth"]);
    stranger = selfSigned(dir, "stranger", "prometheus"); // same name, not signed by the CA
  });

  after(async () => {
    for (const exporter of started) await exporter.stop();
  });

  it("RequireAndVerifyClientCert: only a certificate from the client CA gets in", async () => {
    const exporter = await exporterWith("RequireAndVerifyClientCert");
    assert.equal(await status(exporter, trusted), 200);
    assert.equal(await status(exporter), "refused");
    assert.equal(await status(exporter, stranger), "refused");
  });

  it("VerifyClientCertIfGiven: no certificate is fine, a certificate must come from the client CA", async () => {
    const exporter = await exporterWith("VerifyClientCertIfGiven");
    assert.equal(await status(exporter), 200);
    assert.equal(await status(exporter, trusted), 200);
    assert.equal(await status(exporter, stranger), 403);
  });
});
