// One exporter against the N bulk objects: start → ready → first complete scrape → repeated
// scrapes (plain, then gzip) → an idle steady window → stop, with memory and CPU from /proc.
//
// "Ready" is /readyz 200 for cr-exporter (it turns 200 once every kind's first LIST is stored).
// kube-state-metrics has no such signal for custom resources (its /readyz, on the telemetry
// port, only checks its own registry), so it is ready at the first scrape that holds all N
// objects, polled as often as cr-exporter's /readyz. A scrape is complete when the family with
// one series per object (TargetSpec.perObjectFamily) has N series.

import {
  countSeries,
  curlScrape,
  gaugeValue,
  percentile,
  RssSampler,
  readProc,
  scrapeOnce,
  sleep,
} from "./measure.ts";
import type { RunningTarget } from "./targets.ts";

const POLL_MS = 50;
/** From the last scrape to the start of the steady window (see where it is used). */
const SETTLE_MS = 12_000;

export interface BulkOptions {
  readonly objects: number;
  readonly scrapes: number;
  readonly steadySeconds: number;
  readonly timeoutMs: number;
}

export interface BulkResult {
  readonly readySeconds: number;
  readonly firstCompleteScrapeSeconds: number;
  /** CPU used from process start to ready (start-up + initial LIST), without the first scrape. */
  readonly initialCpuSeconds: number;
  readonly series: number;
  readonly plain: ScrapeFigures;
  readonly gzip: ScrapeFigures;
  /** VmRSS 2 s after the last scrape. */
  readonly afterScrapesRssBytes: number;
  /** Mean VmRSS over the idle window, which starts SETTLE_MS after the last scrape. */
  readonly steadyRssBytes: number;
  readonly peakRssBytes: number;
  /** CPU used during the idle steady window (no scrapes, no changes). */
  readonly steadyCpuSeconds: number;
  readonly steadyWindowSeconds: number;
  /** Max event-loop delay during each scrape window (cr-exporter only). */
  readonly eventLoopLagMaxMs?: number;
  readonly eventLoopLagP50Ms?: number;
  /** Each scrape's max event-loop delay, in order: the plain scrapes, then the gzip ones. */
  readonly eventLoopLagsMs?: readonly number[];
  /** The same max over 1 s without scrapes, for reference (the monitor's own floor). */
  readonly eventLoopLagIdleMs?: number;
}

export interface ScrapeFigures {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly bytes: number;
  /** CPU the exporter used per scrape, averaged over the repeated scrapes. */
  readonly cpuMsPerScrape: number;
}

function checkAlive(target: RunningTarget): void {
  if (target.exited()) throw new Error(`${target.spec.title} exited:\n${target.log()}`);
}

async function pollUntil(
  target: RunningTarget,
  what: string,
  deadline: number,
  check: () => Promise<boolean>,
) {
  for (;;) {
    checkAlive(target);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${target.spec.title}: ${what} not reached in time\n${target.log()}`);
    await sleep(POLL_MS);
  }
}

/** nodejs_eventloop_lag_max_seconds, reading which resets prom-client's delay histogram. */
async function lagMaxMs(target: RunningTarget): Promise<number> {
  return (await gaugeValue(target.telemetryPort, "nodejs_eventloop_lag_max_seconds")) * 1000;
}

/** Start-up: what measureBulk reads until the first complete scrape, also run on its own. */
export interface StartUp {
  /** performance.now() when the target was ready. */
  readonly readyAt: number;
  /** CPU used from process start to ready (start-up + initial LIST), without the first scrape. */
  readonly initialCpuSeconds: number;
  /** performance.now() at the end of the first scrape with all objects. */
  readonly completeAt: number;
  readonly series: number;
}

/** Waits for the target to be ready and for a scrape with all N objects (see the top). */
export async function measureStartUp(
  target: RunningTarget,
  objects: number,
  deadline: number,
): Promise<StartUp> {
  const { spec } = target;
  let readyAt = 0;
  let initialCpuSeconds = 0;
  if (spec.readyz) {
    await pollUntil(target, "/readyz 200", deadline, async () => {
      const s = await scrapeOnce(target.port, { path: "/readyz" });
      readyAt = performance.now();
      initialCpuSeconds = readProc(target.pid).cpuSeconds;
      return s.status === 200;
    });
  }
  let series = 0;
  let completeAt = 0;
  await pollUntil(target, `a scrape with all ${objects} objects`, deadline, async () => {
    const before = performance.now();
    const cpuBefore = readProc(target.pid).cpuSeconds;
    const s = await scrapeOnce(target.port, { keep: true });
    if (s.status !== 200) return false;
    const count = countSeries(s.body!, spec.perObjectFamily);
    if (count.family !== objects) return false;
    if (!spec.readyz) {
      readyAt = before;
      initialCpuSeconds = cpuBefore;
    }
    completeAt = performance.now();
    series = count.series;
    return true;
  });
  return { readyAt, initialCpuSeconds, completeAt, series };
}

export async function measureBulk(target: RunningTarget, options: BulkOptions): Promise<BulkResult> {
  const { spec } = target;
  const rss = new RssSampler(target.pid);
  try {
    const deadline = Date.now() + options.timeoutMs;
    const { readyAt, initialCpuSeconds, completeAt, series } = await measureStartUp(
      target,
      options.objects,
      deadline,
    );

    const lags: number[] = [];
    let idleLag: number | undefined;
    if (spec.eventLoop) {
      await lagMaxMs(target);
      await sleep(1000);
      idleLag = await lagMaxMs(target);
    }
    const figures = async (gzip: boolean): Promise<ScrapeFigures> => {
      const times: number[] = [];
      let bytes = 0;
      let cpu = 0;
      for (let i = 0; i < options.scrapes; i++) {
        checkAlive(target);
        if (spec.eventLoop) await lagMaxMs(target);
        const cpuBefore = readProc(target.pid).cpuSeconds;
        const s = await curlScrape(target.port, gzip);
        cpu += readProc(target.pid).cpuSeconds - cpuBefore;
        if (spec.eventLoop) lags.push(await lagMaxMs(target));
        if (s.status !== 200) throw new Error(`${spec.title}: scrape answered ${s.status}`);
        times.push(s.ms);
        bytes = s.bytes;
      }
      return {
        p50Ms: percentile(times, 50),
        p99Ms: percentile(times, 99),
        bytes,
        cpuMsPerScrape: (cpu * 1000) / options.scrapes,
      };
    };
    const plain = await figures(false);
    const gzip = await figures(true);

    // Then sit idle: what the exporter costs between scrapes. RSS 2 s after the last scrape is
    // recorded too, but the steady window starts only after SETTLE_MS, once the runtimes have put
    // their start-up and scrape garbage back: V8's memory reducer starts no sooner than 8 s after
    // a full GC (src/heap-settle.ts), Go's background scavenger returns freed pages over seconds.
    await sleep(2000);
    const afterScrapesRssBytes = readProc(target.pid).rssBytes;
    await sleep(SETTLE_MS - 2000);
    const steadyFrom = performance.now();
    const cpuFrom = readProc(target.pid).cpuSeconds;
    await sleep(options.steadySeconds * 1000);
    checkAlive(target);
    const end = readProc(target.pid);
    return {
      readySeconds: (readyAt - target.startedAt) / 1000,
      firstCompleteScrapeSeconds: (completeAt - target.startedAt) / 1000,
      initialCpuSeconds,
      series,
      plain,
      gzip,
      afterScrapesRssBytes,
      steadyRssBytes: rss.mean(steadyFrom, performance.now()),
      peakRssBytes: end.hwmBytes,
      steadyCpuSeconds: end.cpuSeconds - cpuFrom,
      steadyWindowSeconds: options.steadySeconds,
      ...(spec.eventLoop
        ? {
            eventLoopLagMaxMs: Math.max(...lags),
            eventLoopLagP50Ms: percentile(lags, 50),
            eventLoopLagsMs: lags,
            eventLoopLagIdleMs: idleLag,
          }
        : {}),
    };
  } finally {
    rss.stop();
  }
}
