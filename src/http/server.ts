// The two HTTP listeners, as kube-state-metrics users know them: the main port serves object
// metrics and the probes, the telemetry port the exporter's own metrics.

import { watchFile } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { TLSSocket } from "node:tls";
import { type HttpBindings, type ServerType, serve } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono, type MiddlewareHandler } from "hono";
import type { Registry } from "prom-client";
import { CONTENT_TYPE } from "../mapping/exposition.ts";
import type { MetricStore } from "../store/store.ts";
import type { SelfMetrics } from "../telemetry/metrics.ts";
import { writeBody } from "./body.ts";
import { GzipPieces } from "./gzip.ts";
import { negotiateFormat, renderScrape } from "./scrape.ts";
import { clientCertAllowed, createAuthenticator, tlsOptions, type WebConfig } from "./web-config.ts";

type Env = { Bindings: HttpBindings };

/**
 * Authentication, client-certificate rules and extra headers from the web config. Probes stay
 * open (kubelet cannot authenticate and they reveal nothing); everything else needs credentials.
 */
export function webSecurity(config: WebConfig | undefined): MiddlewareHandler<Env> {
  if (!config) return async (_c, next) => next();
  const authenticate = createAuthenticator(config);
  const headers = Object.entries(config.http_server_config?.headers ?? {});
  return async (c, next) => {
    for (const [k, v] of headers) {
      c.header(k, v);
      c.env?.outgoing?.setHeader(k, v); // for /metrics, which writes the Node response itself
    }
    if (c.req.path === "/healthz" || c.req.path === "/readyz") return next();
    if (!clientCertAllowed(config, c.env?.incoming?.socket as TLSSocket | undefined))
      return c.text("client certificate required\n", 403);
    if (!(await authenticate(c.req.header("authorization")))) {
      c.header("WWW-Authenticate", 'Basic realm="cr-exporter"');
      return c.text("Unauthorized\n", 401);
    }
    return next();
  };
}

/** At most `limit` scrapes in flight; more get 503 so a scrape storm cannot pile up memory. */
function scrapeLimit(limit: number): MiddlewareHandler<Env> {
  let inFlight = 0;
  return async (c, next) => {
    if (inFlight >= limit) return c.text("too many concurrent scrapes\n", 503);
    inFlight++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        inFlight--;
      }
    };
    try {
      await next();
    } finally {
      // A streamed body outlives next(): release when the response is finished or aborted.
      const res = c.env?.outgoing;
      if (res && !res.writableFinished) {
        res.once("close", release);
      } else release();
    }
  };
}

export interface HttpOptions {
  readonly webConfig?: WebConfig;
  readonly maxConcurrentScrapes: number;
}

export interface Readiness {
  /** Whether every selected kind finished its first list. */
  ready(): boolean;
  /** Per-kind detail for `/readyz?verbose`. */
  detail(): Array<{ kind: string; synced: boolean; forbidden: boolean }>;
}

export function metricsApp(
  store: MetricStore,
  readiness: Readiness,
  metrics: SelfMetrics,
  http: HttpOptions,
): Hono<Env> {
  const app = new Hono<Env>();
  app.use(webSecurity(http.webConfig));
  app.use("/metrics", scrapeLimit(http.maxConcurrentScrapes));

  app.get("/metrics", (c) => {
    const started = performance.now();
    const format = negotiateFormat(c.req.header("accept"));
    const gzip = /\bgzip\b/i.test(c.req.header("accept-encoding") ?? "");
    // Written on the Node response directly (see body.ts), not through a web stream.
    const res = c.env.outgoing;
    res.writeHead(200, {
      "content-type": CONTENT_TYPE[format],
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    });
    if (c.req.method === "HEAD") {
      res.end();
      return RESPONSE_ALREADY_SENT;
    }
    // gzip: compressed here, piece by piece, reusing the pieces the store kept (gzip.ts).
    void writeBody(
      renderScrape(store.snapshot(), format, gzip),
      res,
      gzip ? new GzipPieces() : undefined,
    ).then((bytes) => {
      if (bytes === undefined) return;
      metrics.scrapeDuration.observe({ format }, (performance.now() - started) / 1000);
      metrics.scrapeBytes.set({ format }, bytes);
    });
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
          `[${k.forbidden ? "-" : k.synced ? "+" : "-"}]${k.kind} ${k.forbidden ? "forbidden" : k.synced ? "synced" : "listing"}`,
      );
    lines.push(ok ? "readyz check passed" : "readyz check failed");
    return c.text(`${lines.join("\n")}\n`, ok ? 200 : 503);
  });

  app.get("/", (c) =>
    c.html(
      '<html><head><title>cr-exporter</title></head><body><h1>cr-exporter</h1><ul><li><a href="/metrics">metrics</a></li><li><a href="/healthz">healthz</a></li><li><a href="/readyz?verbose">readyz</a></li></ul></body></html>',
    ),
  );
  return app;
}

export function telemetryApp(registry: Registry, http: HttpOptions): Hono<Env> {
  const app = new Hono<Env>();
  app.use(webSecurity(http.webConfig));
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
      for (const f of [files.cert_file, files.key_file, files.client_ca_file]) {
        if (f) watchFile(f, { interval: 2000, persistent: false }, reload);
      }
    }
  });
}

export function close(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}
