// The two HTTP listeners, as kube-state-metrics users know them: the main port serves object
// metrics and the probes, the telemetry port the exporter's own metrics.

import { unwatchFile, watchFile } from "node:fs";
import type { ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { TLSSocket } from "node:tls";
import { type HttpBindings, type ServerType, serve } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono, type MiddlewareHandler } from "hono";
import type { Registry } from "prom-client";
import { CONTENT_TYPE } from "../mapping/exposition.ts";
import type { MetricStore } from "../store/store.ts";
import { type Logger, RateLimitedLog } from "../telemetry/log.ts";
import type { SelfMetrics } from "../telemetry/metrics.ts";
import { writeBody } from "./body.ts";
import { GzipPieces } from "./gzip.ts";
import { type HttpMetrics, httpMetrics } from "./http-metrics.ts";
import { negotiateEncoding, negotiateFormat } from "./negotiate.ts";
import { renderScrape } from "./scrape.ts";
import { statusPage } from "./status-page.ts";
import {
  type AuthResult,
  clientCertAllowed,
  createAuthenticator,
  tlsOptions,
  type WebConfig,
} from "./web-config.ts";

type Env = { Bindings: HttpBindings };

/**
 * Authentication, client-certificate rules and extra headers from the web config. Probes stay
 * open (kubelet cannot authenticate and they reveal nothing); everything else needs credentials.
 */
export function webSecurity(config: WebConfig | undefined, registry?: Registry): MiddlewareHandler<Env> {
  if (!config) return async (_c, next) => next();
  const authenticate = sharedAuthenticator(config, registry && httpMetrics(registry));
  const headers = Object.entries(config.http_server_config?.headers ?? {});
  return async (c, next) => {
    for (const [k, v] of headers) {
      c.header(k, v);
      c.env?.outgoing?.setHeader(k, v); // for /metrics, which writes the Node response itself
    }
    if (c.req.path === "/healthz" || c.req.path === "/readyz") return next();
    if (!clientCertAllowed(config, c.env?.incoming?.socket as TLSSocket | undefined))
      return c.text("client certificate required\n", 403);
    const result = await authenticate(c.req.header("authorization"), c.env?.incoming?.socket?.remoteAddress);
    if (result === "busy") {
      // Not verified: too many password checks in flight (web-config.ts). Says nothing about
      // the credentials; a client retries later.
      c.header("Retry-After", "1");
      return c.text("too many authentication attempts in flight, retry later\n", 429);
    }
    if (result !== "ok") {
      c.header("WWW-Authenticate", 'Basic realm="cr-exporter"');
      return c.text("Unauthorized\n", 401);
    }
    return next();
  };
}

type Authenticate = (authorization: string | undefined, client?: string) => Promise<AuthResult>;
/**
 * One authenticator per web config, shared by both ports: one cache of verified credentials, one
 * bound on bcrypt work in flight. Outcomes are counted in the registry either port passed.
 */
const authenticators = new WeakMap<WebConfig, { authenticate: Authenticate; metrics?: HttpMetrics }>();
function sharedAuthenticator(config: WebConfig, metrics?: HttpMetrics): Authenticate {
  let entry = authenticators.get(config);
  if (!entry) {
    const created: { authenticate: Authenticate; metrics?: HttpMetrics } = {
      authenticate: createAuthenticator(config, {
        observe: (result, verified) => {
          created.metrics?.authRequests.inc({ result });
          if (verified) created.metrics?.authVerifications.inc();
        },
      }),
    };
    entry = created;
    authenticators.set(config, entry);
  }
  if (metrics) entry.metrics = metrics;
  return entry.authenticate;
}

/** Seconds without write progress after which a scrape gives its slot to a new one. */
export const STALLED_SECONDS = 10;

/** A scrape holding a slot: when its client last took data, and how to end it. */
interface Slot {
  progressAt: number;
  evict(): void;
}
const slots = new WeakMap<ServerResponse, Slot>();

/**
 * At most `limit` scrapes in flight, so a scrape storm cannot pile up memory. When all are taken,
 * a new scrape takes the slot of the one whose client has taken no data for the longest, if that
 * is at least STALLED_SECONDS (a reader that stopped reading; `onEvict` is told); else 503.
 */
function scrapeLimit(limit: number, onEvict: () => void): MiddlewareHandler<Env> {
  const active = new Set<Slot>();
  return async (c, next) => {
    if (active.size >= limit) {
      const now = performance.now();
      let stalled: Slot | undefined;
      for (const slot of active) {
        if (
          now - slot.progressAt >= STALLED_SECONDS * 1000 &&
          (!stalled || slot.progressAt < stalled.progressAt)
        )
          stalled = slot;
      }
      if (!stalled) return c.text("too many concurrent scrapes\n", 503);
      stalled.evict();
      onEvict();
    }
    const res = c.env?.outgoing;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        active.delete(slot);
      }
    };
    const slot: Slot = {
      progressAt: performance.now(),
      evict: () => {
        release();
        res?.destroy();
      },
    };
    active.add(slot);
    if (res) slots.set(res, slot);
    try {
      await next();
    } finally {
      // A streamed body outlives next(): release when the response is finished or aborted.
      if (res && !res.writableFinished) {
        res.once("close", release);
      } else release();
    }
  };
}

export interface HttpOptions {
  readonly webConfig?: WebConfig;
  readonly maxConcurrentScrapes: number;
  /** Where failed scrapes are logged (rate-limited); none when absent. */
  readonly log?: Logger;
}

/** Seconds a /metrics response may take to be written when the client does not say. */
export const DEFAULT_WRITE_TIMEOUT_SECONDS = 30;
/** The most a client may ask for with X-Prometheus-Scrape-Timeout-Seconds. */
export const MAX_WRITE_TIMEOUT_SECONDS = 60;
/** The least, so a typo cannot make every scrape fail at once. */
export const MIN_WRITE_TIMEOUT_SECONDS = 1;

/**
 * How long a response may take to be written: Prometheus says how long it will wait in
 * X-Prometheus-Scrape-Timeout-Seconds (writing past that is wasted), clamped to [1, 60] s;
 * without it (or unparsable), 30 s. Past it the connection is destroyed and the slot freed.
 */
export function writeTimeoutSeconds(header: string | undefined): number {
  const asked = header === undefined || header.trim() === "" ? Number.NaN : Number(header);
  if (!Number.isFinite(asked) || asked <= 0) return DEFAULT_WRITE_TIMEOUT_SECONDS;
  return Math.min(MAX_WRITE_TIMEOUT_SECONDS, Math.max(MIN_WRITE_TIMEOUT_SECONDS, asked));
}

export interface Readiness {
  /** Whether every selected kind finished its first list. */
  ready(): boolean;
  /** Per-kind detail for `/readyz?verbose`. */
  detail(): Array<{ kind: string; synced: boolean; forbidden: boolean; state?: string }>;
}

export function metricsApp(
  store: MetricStore,
  readiness: Readiness,
  metrics: SelfMetrics,
  http: HttpOptions,
): Hono<Env> {
  const app = new Hono<Env>();
  app.use(webSecurity(http.webConfig, metrics.registry));
  const warnings = http.log ? new RateLimitedLog(http.log) : undefined;
  const failures = httpMetrics(metrics.registry).scrapeFailures;
  /** Counts and logs (rate-limited) a scrape that could not be served whole. */
  const failed = (
    reason: "error" | "timeout" | "not_acceptable" | "stalled",
    fields: Record<string, unknown>,
    msg: string,
  ) => {
    failures.inc({ reason });
    warnings?.warn(`scrape ${reason}`, fields, msg);
  };

  app.use(
    "/metrics",
    scrapeLimit(http.maxConcurrentScrapes, () =>
      failed("stalled", {}, "scrape whose client stopped reading cut to free its slot"),
    ),
  );

  app.get("/metrics", (c) => {
    const started = performance.now();
    const format = negotiateFormat(c.req.header("accept"));
    const coding = negotiateEncoding(c.req.header("accept-encoding"));
    if (coding === undefined) {
      failed(
        "not_acceptable",
        { acceptEncoding: c.req.header("accept-encoding") },
        "scrape refused: no acceptable content coding",
      );
      return c.text("not acceptable: Accept-Encoding excludes both gzip and identity\n", 406);
    }
    const gzip = coding === "gzip";
    // Written on the Node response directly (see body.ts), not through a web stream. Headers are
    // set, not written: they leave with the first bytes, so a scrape that fails before any byte
    // is written can still answer 500.
    const res = c.env.outgoing;
    res.statusCode = 200;
    res.setHeader("content-type", CONTENT_TYPE[format]);
    res.setHeader("vary", "Accept, Accept-Encoding");
    if (gzip) res.setHeader("content-encoding", "gzip");
    if (c.req.method === "HEAD") {
      res.end();
      return RESPONSE_ALREADY_SENT;
    }
    const fail = (err: unknown) => {
      failed("error", { err: (err as Error)?.message ?? String(err) }, "scrape failed");
      if (res.headersSent) {
        res.destroy(); // the client sees a cut body, never a complete-looking partial one
        return;
      }
      res.statusCode = 500;
      res.removeHeader("content-encoding");
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.end("scrape failed; see the exporter's log\n");
    };
    // A slow or stalled reader must not hold a scrape slot for ever (Node's requestTimeout bounds
    // receiving the request, not writing the response).
    const timeout = writeTimeoutSeconds(c.req.header("x-prometheus-scrape-timeout-seconds"));
    const timer = setTimeout(() => {
      if (res.writableFinished || res.destroyed) return;
      failed(
        "timeout",
        { timeoutSeconds: timeout },
        "scrape not written within its timeout; connection closed",
      );
      res.destroy();
    }, timeout * 1000);
    timer.unref();
    res.once("close", () => clearTimeout(timer));
    let families: ReturnType<MetricStore["snapshot"]>;
    try {
      families = store.snapshot();
    } catch (err) {
      fail(err);
      return RESPONSE_ALREADY_SENT;
    }
    // gzip: compressed here, piece by piece, reusing the pieces the store kept (gzip.ts).
    const slot = slots.get(res);
    const progress = () => {
      if (slot) slot.progressAt = performance.now();
    };
    writeBody(renderScrape(families, format, gzip), res, gzip ? new GzipPieces() : undefined, progress).then(
      (bytes) => {
        if (bytes === undefined) return;
        metrics.scrapeDuration.observe({ format }, (performance.now() - started) / 1000);
        metrics.scrapeBytes.set({ format }, bytes);
      },
      fail,
    );
    return RESPONSE_ALREADY_SENT;
  });

  app.get("/healthz", (c) => c.text("ok\n"));

  app.get("/readyz", (c) => {
    const ok = readiness.ready();
    if (c.req.query("verbose") === undefined) return c.text(ok ? "ok\n" : "not ready\n", ok ? 200 : 503);
    const lines = readiness
      .detail()
      .map(
        (k) =>
          `[${k.forbidden ? "-" : k.synced ? "+" : "-"}]${k.kind} ${k.state ?? (k.forbidden ? "forbidden" : k.synced ? "synced" : "listing")}`,
      );
    lines.push(ok ? "readyz check passed" : "readyz check failed");
    return c.text(`${lines.join("\n")}\n`, ok ? 200 : 503);
  });

  // The status page (status-page.ts); no script or outside resource may run, whatever it shows.
  const page = statusPage(store, readiness, metrics.registry);
  app.get("/", async (c) => {
    c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    return c.html(await page());
  });
  return app;
}

export function telemetryApp(registry: Registry, http: HttpOptions): Hono<Env> {
  const app = new Hono<Env>();
  app.use(webSecurity(http.webConfig, registry));
  app.get("/metrics", async (c) => {
    const text = await registry.metrics();
    return c.body(text, 200, { "content-type": CONTENT_TYPE.text });
  });
  app.get("/healthz", (c) => c.text("ok\n"));
  return app;
}

/**
 * Start listening (HTTPS when the web config has TLS; its cert and key are re-read when they
 * change); resolves with the bound port once the socket is open.
 */
export function listen(
  app: Hono<Env>,
  hostname: string | undefined,
  port: number,
  webConfig?: WebConfig,
  onTlsReload?: (error?: Error) => void,
): Promise<{ server: ServerType; port: number }> {
  const tls = webConfig ? tlsOptions(webConfig) : undefined;
  return new Promise((resolve, reject) => {
    const server = tls
      ? serve(
          { fetch: app.fetch, hostname, port, createServer: createHttpsServer, serverOptions: tls },
          (info) => resolve({ server, port: info.port }),
        )
      : serve({ fetch: app.fetch, hostname, port }, (info) => resolve({ server, port: info.port }));
    server.once("error", reject);
    // Bound slow clients: a scrape request must arrive whole within 30 s, and finish within 2 min.
    const s = server as unknown as { headersTimeout: number; requestTimeout: number };
    s.headersTimeout = 30_000;
    s.requestTimeout = 120_000;
    const files = webConfig?.tls_server_config;
    if (tls && files) {
      const reload = () => {
        try {
          (server as HttpsServer).setSecureContext(tlsOptions(webConfig)!);
          onTlsReload?.();
        } catch (err) {
          onTlsReload?.(err as Error); // keep serving with the previous certificate
        }
      };
      const watched = [files.cert_file, files.key_file, files.client_ca_file].filter((f) => f !== undefined);
      for (const f of watched) watchFile(f, { interval: 2000, persistent: false }, reload);
      // Stop polling the files with the server (close() below), not at process exit.
      server.once("close", () => {
        for (const f of watched) unwatchFile(f, reload);
      });
    }
  });
}

export function close(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}
