// The two HTTP listeners, as kube-state-metrics users know them: the main port serves object
// metrics and the probes, the telemetry port the exporter's own metrics.

import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import type { Registry } from "prom-client";
import { CONTENT_TYPE } from "../mapping/exposition.ts";
import type { MetricStore } from "../store/store.ts";
import type { SelfMetrics } from "../telemetry/metrics.ts";
import { negotiateFormat, renderScrape } from "./scrape.ts";

export interface Readiness {
  /** Whether every selected kind finished its first list. */
  ready(): boolean;
  /** Per-kind detail for `/readyz?verbose`. */
  detail(): Array<{ kind: string; synced: boolean; forbidden: boolean }>;
}

export function metricsApp(store: MetricStore, readiness: Readiness, metrics: SelfMetrics): Hono {
  const app = new Hono();

  app.get("/metrics", (c) => {
    const started = performance.now();
    const format = negotiateFormat(c.req.header("accept"));
    const snapshot = store.snapshot();
    let bytes = 0;
    const body = Readable.from(
      (function* () {
        for (const chunk of renderScrape(snapshot, format)) {
          bytes += Buffer.byteLength(chunk);
          yield chunk;
        }
      })(),
      { objectMode: false },
    );
    body.on("end", () => {
      metrics.scrapeDuration.observe({ format }, (performance.now() - started) / 1000);
      metrics.scrapeBytes.set({ format }, bytes);
    });
    const gzip = /\bgzip\b/i.test(c.req.header("accept-encoding") ?? "");
    const stream = gzip ? body.pipe(createGzip({ level: 1 })) : body;
    const headers: Record<string, string> = { "content-type": CONTENT_TYPE[format] };
    if (gzip) headers["content-encoding"] = "gzip";
    return c.body(Readable.toWeb(stream) as ReadableStream, 200, headers);
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

export function telemetryApp(registry: Registry): Hono {
  const app = new Hono();
  app.get("/metrics", async (c) => {
    const text = await registry.metrics();
    return c.body(text, 200, { "content-type": CONTENT_TYPE.text });
  });
  app.get("/healthz", (c) => c.text("ok\n"));
  return app;
}

/** Start listening; resolves with the bound port once the socket is open. */
export function listen(
  app: Hono,
  hostname: string,
  port: number,
): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, (info) =>
      resolve({ server, port: info.port }),
    );
    server.once("error", reject);
  });
}

export function close(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}
