// Endpoint protection as a scraper meets it: HTTPS from the exporter-toolkit web config,
// basic auth with a bcrypt hash, a rotated certificate picked up without a restart, open probes.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { Agent, Client, fetch, request } from "undici";
import { type RunningExporter, startBehindWebConfig, startTestExporter } from "../helpers/exporter.ts";
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
    exporter = await startBehindWebConfig(
      EXAMPLES,
      `tls_server_config:\n  cert_file: ${join(dir, "tls.crt")}\n  key_file: ${join(dir, "tls.key")}\nbasic_auth_users:\n  prometheus: "${bcrypt.hashSync("s3cret", 4)}"\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n`,
      dir,
    );
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

/** The exporter's self-metrics (telemetry port, plain HTTP), read once: series → value. */
async function telemetry(
  exporter: RunningExporter,
  authorization?: string,
): Promise<(series: string) => number> {
  const res = await globalThis.fetch(`http://127.0.0.1:${exporter.telemetryPort}/metrics`, {
    headers: authorization ? { authorization } : {},
  });
  const lines = (await res.text()).split("\n");
  return (series) => {
    const line = lines.find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : Number.NaN;
  };
}

const basicAuth = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("basic auth under a wrong-password flood (issue 20, points 1-2)", { timeout: 120_000 }, () => {
  let exporter: RunningExporter;
  const GOOD = basicAuth("prometheus", "s3cret");

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "flood-it-"));
    // Cost 10, a usual htpasswd cost: tens of milliseconds per comparison.
    exporter = await startBehindWebConfig(
      EXAMPLES,
      `basic_auth_users:\n  prometheus: "${bcrypt.hashSync("s3cret", 10)}"\n`,
      dir,
    );
  });
  after(async () => {
    await exporter?.stop();
  });

  const base = () => `http://127.0.0.1:${exporter.port}`;
  async function status(client: Client, path: string, authorization?: string): Promise<number> {
    const res = await request(`${base()}${path}`, {
      dispatcher: client,
      headers: authorization ? { authorization } : {},
    });
    await res.body.arrayBuffer();
    return res.statusCode;
  }

  it("keeps probes and authorised scrapes answered, verifying a bounded number of wrong passwords", async () => {
    const prober = new Client(base());
    assert.equal(await status(prober, "/metrics", GOOD), 200, "Prometheus logged in before the flood");
    const ATTACKERS = 24;
    const EACH = 10;
    const answers = new Map<number, number>();
    let n = 0;
    const attackers = Array.from({ length: ATTACKERS }, async () => {
      const client = new Client(base());
      for (let i = 0; i < EACH; i++) {
        const s = await status(client, "/metrics", basicAuth("prometheus", `wrong-${n++}`));
        answers.set(s, (answers.get(s) ?? 0) + 1);
      }
      await client.close();
    });
    const probes: number[] = [];
    const probing = (async () => {
      for (let i = 0; i < 20; i++) {
        probes.push(await status(prober, "/healthz"));
        probes.push(await status(prober, "/metrics", GOOD));
      }
    })();
    await Promise.all([...attackers, probing]);
    await prober.close();

    assert.deepEqual(probes, Array(40).fill(200), "every probe and authorised scrape answered 200");
    const denied = answers.get(401) ?? 0;
    const busy = answers.get(429) ?? 0;
    assert.equal(denied + busy, ATTACKERS * EACH, `only 401 and 429: ${JSON.stringify([...answers])}`);
    assert.ok(busy > 0, "checks beyond the bound are answered 429 without verifying");
    // Every distinct wrong password either cost one bcrypt (401) or none (429); the login, one.
    const value = await telemetry(exporter, GOOD);
    assert.equal(value("cr_exporter_auth_bcrypt_verifications_total"), denied + 1);
    assert.equal(value('cr_exporter_auth_requests_total{result="busy"}'), busy);
    assert.equal(value('cr_exporter_auth_requests_total{result="denied"}'), denied);
    assert.equal(value('cr_exporter_auth_requests_total{result="ok"}'), 21 + 1, "with this telemetry read");
  });

  it("spends one bcrypt comparison on an unknown user, as on a known one", async () => {
    const client = new Client(base());
    const verifications = async () =>
      (await telemetry(exporter, GOOD))("cr_exporter_auth_bcrypt_verifications_total");
    const before = await verifications();
    for (let i = 0; i < 3; i++)
      assert.equal(await status(client, "/metrics", basicAuth(`nobody-${i}`, "x")), 401);
    const unknown = (await verifications()) - before;
    for (let i = 0; i < 3; i++)
      assert.equal(await status(client, "/metrics", basicAuth("prometheus", `y-${i}`)), 401);
    const known = (await verifications()) - before - unknown;
    await client.close();
    assert.deepEqual([unknown, known], [3, 3]);
  });
});

describe("slow readers cannot hold the scrape slots (issue 20, point 5)", { timeout: 180_000 }, () => {
  let exporter: RunningExporter;
  let bodyBytes = 0;

  before(async () => {
    // ~2,500 objects: a body of ~11 MB, more than the socket buffers of a reader that stopped reading.
    const dir = mkdtempSync(join(tmpdir(), "slow-it-"));
    copyFileSync(join(EXAMPLES, "messagequeue-crd.yaml"), join(dir, "messagequeue-crd.yaml"));
    const docs: string[] = [];
    for (let i = 0; i < 2500; i++) {
      docs.push(
        JSON.stringify({
          apiVersion: "queue.example.com/v1",
          kind: "MessageQueue",
          metadata: {
            name: `q-${i}`,
            namespace: "load",
            uid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
            generation: 2,
            creationTimestamp: "2026-11-01T09:00:00Z",
          },
          spec: { replicas: 3 },
          status: {
            observedGeneration: 2,
            readyReplicas: 3,
            phase: "Ready",
            conditions: [
              {
                type: "Available",
                status: "True",
                reason: "AllReplicasReady",
                lastTransitionTime: "2026-11-01T09:02:10Z",
              },
              {
                type: "Ready",
                status: "True",
                reason: "Reconciled",
                lastTransitionTime: "2026-11-01T09:02:11Z",
              },
            ],
          },
        }),
      );
    }
    writeFileSync(join(dir, "objects.yaml"), docs.join("\n---\n"));
    exporter = await startTestExporter(undefined, [
      "--from-files",
      dir,
      "--max-concurrent-scrapes",
      "2",
      "--log-level",
      "info",
    ]);
    bodyBytes = await eventually("all objects exported", async () => {
      const body = await (await globalThis.fetch(`http://127.0.0.1:${exporter.port}/metrics`)).arrayBuffer();
      return body.byteLength > 8_000_000 && body.byteLength;
    });
  });
  after(async () => {
    await exporter?.stop();
  });

  /** A client that asks for /metrics and then never reads: its receive window fills and stays full. */
  function stalledReader(timeoutSeconds: number): Promise<{ socket: Socket; closed: Promise<number> }> {
    return new Promise((resolve, reject) => {
      let received = 0;
      const socket = connect(exporter.port, "127.0.0.1", () => {
        socket.write(
          `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Prometheus-Scrape-Timeout-Seconds: ${timeoutSeconds}\r\n\r\n`,
        );
        const closed = new Promise<number>((done) => socket.once("close", () => done(received)));
        socket.once("data", (d: Buffer) => {
          received += d.length;
          socket.pause(); // stop reading: the kernel buffers fill, the server's writes stall
          socket.on("data", (more: Buffer) => {
            received += more.length;
          });
          resolve({ socket, closed });
        });
      });
      socket.once("error", reject);
    });
  }

  it("cuts a response not written within the scrape timeout, freeing its slot for Prometheus", async () => {
    const slow = [await stalledReader(6), await stalledReader(6)];
    // Both slots (--max-concurrent-scrapes 2) are held: a scrape is turned away...
    const turnedAway = await globalThis.fetch(`http://127.0.0.1:${exporter.port}/metrics`);
    await turnedAway.arrayBuffer();
    assert.equal(turnedAway.status, 503);
    // ...until the stalled responses pass their timeout and are cut.
    await eventually(
      "both stalled responses cut",
      async () => (await telemetry(exporter))('cr_exporter_scrape_failures_total{reason="timeout"}') === 2,
      60_000,
      250,
    );
    // A paused socket sees its end only when it reads again.
    for (const s of slow) s.socket.resume();
    const received = await Promise.all(slow.map((s) => s.closed));
    for (const bytes of received)
      assert.ok(bytes < bodyBytes, `a stalled reader got ${bytes} of ${bodyBytes} bytes`);
    const ok = await globalThis.fetch(`http://127.0.0.1:${exporter.port}/metrics`, {
      headers: { "x-prometheus-scrape-timeout-seconds": "60" },
    });
    assert.equal(ok.status, 200);
    assert.equal((await ok.arrayBuffer()).byteLength, bodyBytes, "a normal scrape gets the whole body");
    assert.equal((await telemetry(exporter))('cr_exporter_scrape_failures_total{reason="timeout"}'), 2);
  });

  it("gives a stalled reader's slot to a new scrape once it has taken nothing for 10 s", async () => {
    const before = await telemetry(exporter);
    // Readers that would keep their slots for the whole 60 s timeout they ask for.
    const slow = [await stalledReader(60), await stalledReader(60)];
    try {
      const first = await globalThis.fetch(`http://127.0.0.1:${exporter.port}/metrics`);
      await first.arrayBuffer();
      assert.equal(first.status, 503, "not stalled for 10 s yet: both slots stay taken");
      const ok = await eventually(
        "a scrape takes a stalled reader's slot",
        async () => {
          const res = await globalThis.fetch(`http://127.0.0.1:${exporter.port}/metrics`);
          const bytes = (await res.arrayBuffer()).byteLength;
          return res.status === 200 && bytes;
        },
        40_000,
        1000,
      );
      assert.equal(ok, bodyBytes, "the whole body");
      const after = await telemetry(exporter);
      const stalled = 'cr_exporter_scrape_failures_total{reason="stalled"}';
      const timeout = 'cr_exporter_scrape_failures_total{reason="timeout"}';
      assert.ok(after(stalled) - before(stalled) >= 1, "counted");
      assert.equal(after(timeout), before(timeout), "before their 60 s timeout");
    } finally {
      for (const s of slow) s.socket.destroy();
    }
  });
});
