// Authenticated GET requests to the Kubernetes API on client-node's primitives (KubeConfig's
// request authentication and undici, which client-node itself uses). Used for paginated LISTs;
// watches go through client-node's Watch.

import { HttpMethod, type KubeConfig, RequestContext } from "./client-node.ts";
import { type Dispatcher, fetch } from "./undici-slim.ts";

/** A non-2xx answer from the API server (or no answer: status 0), with its Status reason. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = "KubeApiError";
    this.status = status;
    this.reason = reason;
  }
}

/** An object list page as the API returns it; items are handed on and not kept. */
export interface ListPage<T> {
  readonly items: T[];
  readonly metadata: { resourceVersion?: string; continue?: string };
}

/** How long one HTTP dispatcher (connection pool) is reused before credentials are re-read. */
const DISPATCHER_TTL_MS = 5 * 60_000;

export class KubeClient {
  readonly config: KubeConfig;
  private dispatcher: { value: Dispatcher | undefined; at: number } | undefined;

  constructor(config: KubeConfig) {
    this.config = config;
  }

  get server(): string {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    return cluster.server;
  }

  /** GET a list page as JSON; throws KubeApiError on any non-200 answer. */
  async list<T>(
    path: string,
    query: Record<string, string | undefined>,
    signal?: AbortSignal,
  ): Promise<ListPage<T>> {
    const url = new URL(this.server.replace(/\/$/, "") + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") url.searchParams.set(k, v);
    const ctx = new RequestContext(url.toString(), HttpMethod.GET);
    await this.config.applySecurityAuthentication(ctx);
    const now = Date.now();
    if (!this.dispatcher || now - this.dispatcher.at > DISPATCHER_TTL_MS) {
      this.dispatcher = { value: ctx.getDispatcher() as Dispatcher | undefined, at: now };
    }
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(url, {
        method: "GET",
        headers: { ...ctx.getHeaders(), accept: "application/json" },
        dispatcher: this.dispatcher.value,
        signal,
      });
    } catch (err) {
      const reason =
        (signal?.reason as Error | undefined)?.name === "TimeoutError" ? "Timeout" : "NoResponse";
      throw new KubeApiError(0, reason, `GET ${url.pathname}: ${(err as Error).message}`);
    }
    if (response.status !== 200) {
      const text = await response.text().catch(() => "");
      let reason = response.statusText || "Error";
      let message = text.slice(0, 500);
      try {
        const status = JSON.parse(text) as { reason?: string; message?: string };
        reason = status.reason ?? reason;
        message = status.message ?? message;
      } catch {
        // not a Status object; keep the raw text
      }
      throw new KubeApiError(response.status, reason, `GET ${url.pathname}: ${response.status} ${message}`);
    }
    try {
      return (await response.json()) as ListPage<T>;
    } catch (err) {
      throw new KubeApiError(
        0,
        "BadBody",
        `GET ${url.pathname}: reading the response: ${(err as Error).message}`,
      );
    }
  }
}
