// The HTTP layer on a real socket (src/http/server.ts): a scrape that fails fails alone (500
// before any byte, a cut connection after), is counted, and leaves the server serving; the
// write timeout; Accept-Encoding on the wire; TLS file watches end with the server.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { type IncomingHttpHeaders, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import type { Registry } from "prom-client";
import {
  close,
  DEFAULT_WRITE_TIMEOUT_SECONDS,
  listen,
  MAX_WRITE_TIMEOUT_SECONDS,
  metricsApp,
  writeTimeoutSeconds,
} from "../../src/http/server.ts";
import { loadWebConfig } from "../../src/http/web-config.ts";
import type { MetricStore, SnapshotFamily } from "../../src/store/store.ts";
import { createSelfMetrics } from "../../src/telemetry/metrics.ts";
import { type KeyPair, selfSignedCert } from "../helpers/pki.ts";
import { eventually } from "../helpers/wait.ts";

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** False when the connection was cut before the end of the body. */
  complete: boolean;
}

/** GET; a connection cut before the response headers answers status 0, incomplete. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      const done = () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(parts).toString("latin1"),
          complete: res.complete,
        });
      res.on("end", done);
      res.on("error", done); // "aborted": the server cut the body
    });
    req.on("error", () => resolve({ status: 0, headers: {}, body: "", complete: false }));
    req.end();
  });
}

async function counter(registry: Registry, name: string, labels: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").at(-1)) : Number.NaN;
}

/** A store whose next scrape does what `mode` says. */
function fakeStore() {
  const state = { mode: "ok" as "ok" | "snapshot throws" | "first chunk throws" | "throws after a write" };
  const family = (chunks: () => Generator<string>): SnapshotFamily =>
    ({
      meta: { name: "x", type: "gauge", help: "x" },
      segments: [{ bytes: 0, chunks }],
    }) as unknown as SnapshotFamily;
  const store = {
    snapshot(): SnapshotFamily[] {
      switch (state.mode) {
        case "snapshot throws":
          throw new Error("injected: snapshot failed");
        case "first chunk throws":
          return [
            family(function* () {
              yield* [];
              throw new Error("injected: render failed");
            }),
          ];
        case "throws after a write":
          return [
            family(function* () {
              yield "x 1\n".repeat(30_000); // 120,000 chars: written at once (src/http/body.ts)
              throw new Error("injected: render failed mid-body");
            }),
          ];
        default:
          return [
            family(function* () {
              yield "x 1\n";
            }),
          ];
      }
    },
  };
  return { state, store: store as unknown as MetricStore };
}

describe("scrape failures (issue 14, point 5)", () => {
  const metrics = createSelfMetrics("test");
  const { state, store } = fakeStore();
  const logged: Array<{ msg: string; err?: string }> = [];
  const log = pino(
    new Writable({
      write(line: Buffer, _enc, done) {
        logged.push(JSON.parse(line.toString()) as { msg: string; err?: string });
        done();
      },
    }),
  );
  let server: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    const readiness = { ready: () => true, detail: () => [] };
    server = await listen(
      metricsApp(store, readiness, metrics, { maxConcurrentScrapes: 1, log }),
      "127.0.0.1",
      0,
    );
  });
  after(() => close(server.server));

  it("answers 500 when rendering fails before any byte is written, and keeps serving", async () => {
    state.mode = "snapshot throws";
    const a = await get(server.port, "/metrics");
    assert.equal(a.status, 500);
    assert.match(a.body, /scrape failed/);
    state.mode = "first chunk throws";
    const b = await get(server.port, "/metrics", { "accept-encoding": "gzip" });
    assert.equal(b.status, 500, "gzip too: the gzip header is not written before the first piece");
    assert.equal(b.headers["content-encoding"], undefined);
    assert.equal(await counter(metrics.registry, "cr_exporter_scrape_failures_total", 'reason="error"'), 2);
    assert.deepEqual(
      logged.map((l) => [l.msg, l.err]),
      [["scrape failed", "injected: snapshot failed"]],
      "logged, rate-limited (the second failure within a minute is counted, not logged)",
    );
    state.mode = "ok";
    const ok = await get(server.port, "/metrics");
    assert.equal(ok.status, 200, "the scrape slot (limit 1) was freed");
    assert.equal(ok.body, "# HELP x x\n# TYPE x gauge\nx 1\n");
  });

  it("cuts the connection when rendering fails after the body started", async () => {
    state.mode = "throws after a write";
    const a = await get(server.port, "/metrics");
    // Cut before or after the headers left (Node may still hold the first write): never whole.
    assert.equal(a.complete, false, "the client sees a cut response, not a complete-looking one");
    assert.ok(a.body.length < 120_030);
    assert.equal(await counter(metrics.registry, "cr_exporter_scrape_failures_total", 'reason="error"'), 3);
    state.mode = "ok";
    assert.equal((await get(server.port, "/metrics")).status, 200);
  });
});

describe("content coding on the wire", () => {
  const metrics = createSelfMetrics("test");
  const { store } = fakeStore();
  let server: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    const readiness = { ready: () => true, detail: () => [] };
    server = await listen(metricsApp(store, readiness, metrics, { maxConcurrentScrapes: 4 }), "127.0.0.1", 0);
  });
  after(() => close(server.server));

  it("honours q-values: gzip;q=0 is plain, identity;q=0 alone is 406", async () => {
    const gz = await get(server.port, "/metrics", { "accept-encoding": "gzip" });
    assert.equal(gz.headers["content-encoding"], "gzip");
    assert.match(gz.headers.vary ?? "", /Accept-Encoding/);
    const plain = await get(server.port, "/metrics", { "accept-encoding": "gzip;q=0" });
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.body, "# HELP x x\n# TYPE x gauge\nx 1\n");
    const refused = await get(server.port, "/metrics", { "accept-encoding": "identity;q=0" });
    assert.equal(refused.status, 406);
    assert.equal(
      await counter(metrics.registry, "cr_exporter_scrape_failures_total", 'reason="not_acceptable"'),
      1,
    );
    const om = await get(server.port, "/metrics", {
      accept: "text/plain;q=0.5,application/openmetrics-text;version=1.0.0;q=0.6",
    });
    assert.match(om.headers["content-type"] ?? "", /^application\/openmetrics-text/);
    assert.match(om.body, /# EOF\n$/);
  });
});

describe("write timeout", () => {
  it("comes from X-Prometheus-Scrape-Timeout-Seconds, clamped, else the default", () => {
    assert.equal(writeTimeoutSeconds(undefined), DEFAULT_WRITE_TIMEOUT_SECONDS);
    assert.equal(writeTimeoutSeconds(""), DEFAULT_WRITE_TIMEOUT_SECONDS);
    assert.equal(writeTimeoutSeconds("abc"), DEFAULT_WRITE_TIMEOUT_SECONDS);
    assert.equal(writeTimeoutSeconds("-3"), DEFAULT_WRITE_TIMEOUT_SECONDS);
    assert.equal(writeTimeoutSeconds("0"), DEFAULT_WRITE_TIMEOUT_SECONDS);
    assert.equal(writeTimeoutSeconds("Infinity"), DEFAULT_WRITE_TIMEOUT_SECONDS);
    assert.equal(writeTimeoutSeconds("10"), 10);
    assert.equal(writeTimeoutSeconds("9.5"), 9.5);
    assert.equal(writeTimeoutSeconds("0.01"), 1);
    assert.equal(writeTimeoutSeconds("3600"), MAX_WRITE_TIMEOUT_SECONDS);
    assert.ok(DEFAULT_WRITE_TIMEOUT_SECONDS < 120 && MAX_WRITE_TIMEOUT_SECONDS < 120);
  });
});

describe("TLS file watches", () => {
  it("end with the server: a closed server no longer reloads its certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "server-tls-"));
    const first: KeyPair = selfSignedCert(dir, "first", "/CN=first", ["subjectAltName=IP:127.0.0.1"]);
    writeFileSync(join(dir, "tls.crt"), readFileSync(first.cert));
    writeFileSync(join(dir, "tls.key"), readFileSync(first.key));
    writeFileSync(
      join(dir, "web.yml"),
      `tls_server_config:\n  cert_file: ${join(dir, "tls.crt")}\n  key_file: ${join(dir, "tls.key")}\n`,
    );
    const config = loadWebConfig(join(dir, "web.yml"));
    const readiness = { ready: () => true, detail: () => [] };
    const reloads = { open: 0, closed: 0 };
    const app = () =>
      metricsApp(fakeStore().store, readiness, createSelfMetrics("t"), { maxConcurrentScrapes: 1 });
    const open = await listen(app(), "127.0.0.1", 0, config, () => reloads.open++);
    const closed = await listen(app(), "127.0.0.1", 0, config, () => reloads.closed++);
    await close(closed.server);
    try {
      const second = selfSignedCert(dir, "second", "/CN=second", ["subjectAltName=IP:127.0.0.1"]);
      writeFileSync(join(dir, "tls.key.new"), readFileSync(second.key));
      writeFileSync(join(dir, "tls.crt.new"), readFileSync(second.cert));
      renameSync(join(dir, "tls.key.new"), join(dir, "tls.key"));
      renameSync(join(dir, "tls.crt.new"), join(dir, "tls.crt"));
      // Both servers poll the same files through one fs.StatWatcher per path: by the time the
      // open server has reloaded, the closed one would have been called in the same turn.
      await eventually("open server reloaded", async () => reloads.open > 0, 20_000, 100);
      assert.equal(reloads.closed, 0);
    } finally {
      await close(open.server);
    }
  });
});
