// One list+watch loop for one resource path (a kind, optionally in one namespace).
// Written on client-node's primitives rather than its informer because the informer stops for
// good on any non-410 error, keeps whole objects, never asks for bookmarks, and lists unpaginated.
//
//   LIST (paginated, limit/continue) ──▶ WATCH from the list's resourceVersion
//      ▲        (allowWatchBookmarks, jittered timeoutSeconds, idle watchdog)
//      └── 410 Gone (HTTP, in-stream ERROR, expired continue token)
//   any other error: capped exponential backoff with jitter, then resume the watch from the
//   last resourceVersion seen (events and bookmarks both advance it).

import type { KubeObject } from "../mapping/types.ts";
import { Backoff, sleep } from "./backoff.ts";
import { KubeApiError, type KubeClient } from "./client.ts";
import { Watch } from "./client-node.ts";

/** Where a loop's objects go. Called synchronously, in API order. */
export interface ListWatchSink {
  /** A relist begins: objects not upserted before listDone() are gone. */
  listStart(): void;
  upsert(obj: KubeObject): void;
  remove(obj: KubeObject): void;
  /** The relist that listStart() began has delivered every page. */
  listDone(): void;
  /** Called once with the loop feeding this sink (e.g. to ask it for a relist). */
  attach?(loop: ListWatch): void;
}

/** What the loop reports about itself (for self-metrics, logs and /readyz). */
export interface ListWatchObserver {
  listed?(durationSeconds: number, objects: number): void;
  event?(type: string): void;
  /** The watch ended or failed and is being restarted; `reason` is low-cardinality. */
  restart?(reason: string, detail: string): void;
  requestError?(verb: "list" | "watch", status: number, message: string): void;
  /** The identity may not list/watch this resource (true), or may again (false). */
  forbidden?(isForbidden: boolean): void;
}

export interface ListWatchOptions {
  /** e.g. `/apis/queue.example.com/v1/messagequeues` or `/apis/g/v1/namespaces/ns/things`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly pageSize: number;
  /** Server-side watch timeout is uniform in [min, 2·min) seconds, as client-go's reflector does. */
  readonly watchTimeoutSeconds: number;
  /** Reconnect a watch that has delivered nothing (not even a bookmark) for this long. */
  readonly idleTimeoutMs: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** Deadline of one LIST page request. */
  readonly requestTimeoutMs: number;
  /** Least time between a completed LIST and a relist asked for by requestRelist(); default backoffCapMs. */
  readonly relistIntervalMs?: number;
}

type WatchEnd =
  | { kind: "closed" }
  | { kind: "gone" }
  | { kind: "relist" }
  | { kind: "error"; error: unknown; errorEvent?: boolean };

export class ListWatch {
  private readonly client: KubeClient;
  private readonly options: ListWatchOptions;
  private readonly sink: ListWatchSink;
  private readonly observer: ListWatchObserver;
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
  private running: Promise<void> | undefined;
  private currentWatch: AbortController | undefined;
  private resourceVersion = "";
  private isForbidden = false;
  /** True once the first complete LIST was delivered to the sink. */
  synced = false;
  /**
   * When the loop last knew its data complete (ms since the epoch): a LIST completed, the watch
   * delivered an event or a bookmark, or a watch was (re)established from the last
   * resourceVersion, except right after a watch that ended on an ERROR event (a failing
   * conversion webhook answers every reconnect with one), where only data counts. Starts at
   * the loop's creation, so a kind that never lists ages too.
   */
  freshAt = Date.now();
  /** The last error that ended a LIST or WATCH (one line, cut), for /readyz?verbose and the status page. */
  lastError: { readonly at: number; readonly message: string } | undefined;
  private lastErrorEvent = false;
  private lastListAt = 0;
  private relistWanted = false;
  private relistTimer: NodeJS.Timeout | undefined;
  private endWatch: ((end: WatchEnd) => void) | undefined;

  constructor(
    client: KubeClient,
    options: ListWatchOptions,
    sink: ListWatchSink,
    observer: ListWatchObserver = {},
  ) {
    this.client = client;
    this.options = options;
    this.sink = sink;
    this.observer = observer;
    this.backoff = new Backoff(options.backoffBaseMs, options.backoffCapMs);
    sink.attach?.(this);
  }

  /**
   * How long the loop may go without fresh data and still be healthy: a quiet watch gets a
   * bookmark about every minute, and one that gets nothing is reconnected after the idle
   * timeout, then after a backoff of at most backoffCapMs. Twice that is stale.
   */
  get staleAfterMs(): number {
    return 2 * (this.options.idleTimeoutMs + this.options.backoffCapMs);
  }

  /**
   * Relist soon (at most once per relistIntervalMs after the last completed LIST), e.g. because
   * objects that waited over the series limit may now fit. Repeated requests coalesce.
   */
  requestRelist(): void {
    if (this.abort.signal.aborted || this.relistWanted || this.relistTimer) return;
    const interval = this.options.relistIntervalMs ?? this.options.backoffCapMs;
    const wait = Math.max(0, this.lastListAt + interval - Date.now());
    this.relistTimer = setTimeout(() => {
      this.relistTimer = undefined;
      this.relistWanted = true;
      this.endWatch?.({ kind: "relist" });
    }, wait);
    this.relistTimer.unref();
  }

  private markFresh(): void {
    this.freshAt = Date.now();
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Stop the loop and its watch; resolves when the loop has exited. */
  async stop(): Promise<void> {
    clearTimeout(this.relistTimer);
    this.relistTimer = undefined;
    this.abort.abort();
    this.currentWatch?.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList || this.relistWanted) {
          await this.list(signal);
          needList = false;
          this.setForbidden(false);
        }
        const started = Date.now();
        const end = await this.watchOnce(signal);
        if (signal.aborted) break;
        this.lastErrorEvent = end.kind === "error" && end.errorEvent === true;
        if (end.kind === "gone") {
          this.observer.restart?.("gone", "resourceVersion too old (410): relisting");
          needList = true;
          continue;
        }
        if (end.kind === "relist") {
          this.observer.restart?.(
            "relist",
            "objects wait over the series limit and room freed up: relisting to admit them",
          );
          needList = true;
          continue;
        }
        if (end.kind === "closed") {
          this.observer.restart?.("closed", "watch closed by the server");
          // A server that closes watches at once must not make us reconnect in a hot loop.
          if (Date.now() - started < 1000) await sleep(this.backoff.next(), signal);
          else this.backoff.reset();
          continue;
        }
        throw end.error;
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof KubeApiError && err.status === 410) {
          this.observer.restart?.("gone", err.message);
          needList = true;
          continue;
        }
        const reason = this.classify(err);
        if (reason === "forbidden") this.setForbidden(true);
        const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").slice(0, 200);
        this.lastError = { at: Date.now(), message };
        this.observer.restart?.(reason, err instanceof Error ? err.message : String(err));
        await sleep(this.backoff.next(), signal);
      }
    }
  }

  private classify(err: unknown): string {
    if (err instanceof KubeApiError) {
      if (err.status === 401 || err.status === 403) return "forbidden";
      return "error";
    }
    const e = err as { name?: string; statusCode?: number };
    if (e?.statusCode === 401 || e?.statusCode === 403) return "forbidden";
    if (e?.name === "TimeoutError") return "idle";
    return "error";
  }

  private setForbidden(value: boolean): void {
    if (this.isForbidden === value) return;
    this.isForbidden = value;
    this.observer.forbidden?.(value);
  }

  /** A complete paginated LIST into the sink; restarts from scratch if the continue token expires. */
  private async list(signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const { path, labelSelector, fieldSelector, pageSize } = this.options;
    let cont: string | undefined;
    let count = 0;
    this.relistWanted = false;
    this.sink.listStart();
    try {
      do {
        const page = await this.client.list<KubeObject>(
          path,
          { limit: String(pageSize), continue: cont, labelSelector, fieldSelector },
          // A stalled connection must not hang the loop: each page has a deadline.
          AbortSignal.any([signal, AbortSignal.timeout(this.options.requestTimeoutMs)]),
        );
        for (const item of page.items) this.sink.upsert(item);
        count += page.items.length;
        cont = page.metadata.continue || undefined;
        this.resourceVersion = page.metadata.resourceVersion ?? "";
        // Give the event loop back between pages: a big list must not starve scrapes.
        if (cont) await new Promise((r) => setImmediate(r));
      } while (cont && !signal.aborted);
    } catch (err) {
      // A LIST cut short by stop() is not an API error (and must not recreate removed series).
      if (err instanceof KubeApiError && !signal.aborted)
        this.observer.requestError?.("list", err.status, err.message);
      throw err;
    }
    if (signal.aborted) return;
    this.sink.listDone();
    this.synced = true;
    this.lastListAt = Date.now();
    this.markFresh();
    this.backoff.reset();
    this.observer.listed?.((performance.now() - started) / 1000, count);
  }

  /** One WATCH from the current resourceVersion, until it ends; never throws. */
  private watchOnce(signal: AbortSignal): Promise<WatchEnd> {
    const { path, labelSelector, fieldSelector, watchTimeoutSeconds, idleTimeoutMs } = this.options;
    const watch = new Watch(this.client.config);
    // Watch's own inactivity timer is our watchdog: it aborts when nothing (not even a bookmark)
    // arrived for this long, and the loop reconnects from the last resourceVersion.
    // (declared private in the typings, but it is the documented knob of Watch's timer).
    (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = idleTimeoutMs;
    const timeoutSeconds = Math.floor(watchTimeoutSeconds * (1 + Math.random()));
    // A relist asked for while the LIST was running: do it before watching.
    if (this.relistWanted) return Promise.resolve({ kind: "relist" });
    return new Promise<WatchEnd>((resolve) => {
      let settled = false;
      let gone = false;
      const finish = (end: WatchEnd) => {
        if (settled) return;
        settled = true;
        this.endWatch = undefined;
        signal.removeEventListener("abort", onAbort);
        if (end.kind === "relist") this.currentWatch?.abort();
        resolve(end);
      };
      this.endWatch = finish;
      const onAbort = () => {
        this.currentWatch?.abort();
        finish({ kind: "closed" });
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const query: Record<string, string | boolean | number> = {
        allowWatchBookmarks: true,
        resourceVersion: this.resourceVersion,
        timeoutSeconds,
      };
      if (labelSelector) query.labelSelector = labelSelector;
      if (fieldSelector) query.fieldSelector = fieldSelector;
      watch
        .watch(
          path,
          query,
          (type: string, obj: KubeObject) => {
            if (settled) return;
            this.observer.event?.(type);
            if (type === "ERROR") {
              const status = obj as unknown as { code?: number; message?: string };
              if (status.code === 410) gone = true;
              else this.observer.requestError?.("watch", status.code ?? 0, status.message ?? "ERROR event");
              this.currentWatch?.abort();
              finish(
                gone
                  ? { kind: "gone" }
                  : {
                      kind: "error",
                      errorEvent: true,
                      error: new KubeApiError(
                        status.code ?? 0,
                        "WatchError",
                        status.message ?? "watch ERROR event",
                      ),
                    },
              );
              return;
            }
            const rv = obj?.metadata?.resourceVersion;
            if (rv) this.resourceVersion = rv;
            this.markFresh();
            if (type === "ADDED" || type === "MODIFIED") this.sink.upsert(obj);
            else if (type === "DELETED") this.sink.remove(obj);
            // BOOKMARK: only the resourceVersion matters.
          },
          (err: unknown) => {
            // Settled already: stopped, or replaced by a relist. A request still in flight then
            // (e.g. the 404 of a watch opened just before its CRD was deleted) belongs to nobody:
            // counting it would recreate the series the stop just removed.
            if (settled) return;
            if (gone) return finish({ kind: "gone" });
            if (err) {
              const status = (err as { statusCode?: number }).statusCode;
              if (status === 410) return finish({ kind: "gone" });
              if (status !== undefined) this.observer.requestError?.("watch", status, (err as Error).message);
              return finish({ kind: "error", error: err });
            }
            finish({ kind: "closed" });
          },
        )
        .then((controller) => {
          this.currentWatch = controller;
          if (settled) {
            controller.abort();
            return;
          }
          // The watch was authorised (HTTP 200): a kind marked forbidden may be read again.
          this.setForbidden(false);
          // Established (HTTP 200) from the last resourceVersion: everything since will come.
          if (!this.lastErrorEvent) this.markFresh();
        })
        .catch((err: unknown) => finish({ kind: "error", error: err }));
    });
  }
}

/** What the freshness summaries read of a loop. */
type LoopView = Pick<ListWatch, "freshAt" | "staleAfterMs" | "lastError">;

/** The oldest freshness among loops (a kind read by several loops is as fresh as its oldest). */
export function oldestFreshness(loops: readonly LoopView[]): { freshAt: number; staleAfterMs: number } {
  let freshAt = Number.POSITIVE_INFINITY;
  let staleAfterMs = 0;
  for (const loop of loops) {
    freshAt = Math.min(freshAt, loop.freshAt);
    staleAfterMs = Math.max(staleAfterMs, loop.staleAfterMs);
  }
  return { freshAt: Number.isFinite(freshAt) ? freshAt : Date.now(), staleAfterMs };
}

/** For `/readyz?verbose` and the status page: how old the loops' data is, whether that is stale, the last error. */
export function describeFreshness(loops: readonly LoopView[], now = Date.now()): string {
  const { freshAt, staleAfterMs } = oldestFreshness(loops);
  const age = Math.max(0, Math.round((now - freshAt) / 1000));
  const fresh =
    now - freshAt > staleAfterMs
      ? `stale, no list/watch data for ${age}s (stale after ${Math.round(staleAfterMs / 1000)}s)`
      : `data age ${age}s`;
  let last: LoopView["lastError"];
  for (const loop of loops)
    if (loop.lastError && (!last || loop.lastError.at > last.at)) last = loop.lastError;
  if (last === undefined) return fresh;
  return `${fresh}; last error ${Math.max(0, Math.round((now - last.at) / 1000))}s ago: ${last.message}`;
}
