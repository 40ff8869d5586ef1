// Status change → visible in /metrics: how long after a PATCH of status.value its new value is
// served, at a fixed rate of patches per second.
//
// Design (polling a 50k-object /metrics takes seconds, which would measure the scrape, not the
// propagation): the exporter under test runs a second time, watching only the Probe kind
// (a few hundred objects in their own group), while the API server still holds the bulk objects.
// Every patch writes a unique, increasing number into one probe's status.value through /status.
// A probe gets its next patch only after the previous one was answered, so its values reach the
// API server in order. Meanwhile /metrics is polled every POLL_MS; a patch counts as visible at
// the END of the first scrape that shows its value (or a later one) on its probe: an upper
// bound, off by at most one poll interval plus one scrape. The delay runs from just before the
// PATCH request was sent, so it includes the API server's write and watch fan-out; on a small
// machine at high rates that part dominates. So the bench also watches the Probe kind itself, as
// a reference client of the same API server: "after the event" is the time from the bench's own
// watch receiving a value to /metrics showing it, the exporter's part alone (it can come out a
// little negative when the bench's event loop reads its watch later than the exporter did).

import { Agent } from "node:http";
import { percentile, readProc, scrapeOnce, sleep } from "./measure.ts";
import { type ApiWriter, MERGE_PATCH, PROBE, PROBES_PATH, probePath } from "./objects.ts";

const POLL_MS = 10;

export interface LatencyResult {
  readonly targetRate: number;
  readonly achievedRate: number;
  readonly patches: number;
  /** From PATCH sent to the first scrape that shows the value. */
  readonly visibleP50Ms: number;
  readonly visibleP99Ms: number;
  readonly visibleMaxMs: number;
  /** From the bench's reference watch receiving the value to /metrics showing it. */
  readonly afterEventP50Ms: number;
  readonly afterEventP99Ms: number;
  /** How many patches had a reference-watch time (fewer than `patches` when it was cut). */
  readonly afterEventSamples: number;
  /** Round trip of the PATCH itself (the API server's part). */
  readonly patchP50Ms: number;
  readonly patchP99Ms: number;
  /** Patches whose value never showed up within the grace period (should be 0). */
  readonly unseen: number;
  readonly scrapes: number;
  /**
   * Watches of the Probe kind the API server closed for being too slow to drain (its
   * apiserver_terminated_watchers_total): the API server is overloaded, and every watcher,
   * the exporter's and the bench's own, then re-watches from its last resourceVersion.
   */
  readonly watchesCut: number;
  /** How often the bench's reference watch had to re-watch; its "after the event" times then lag. */
  readonly referenceWatchRestarts: number;
  /** CPU the exporter used per 1000 patches (watch events, mapping, the polling scrapes). */
  readonly exporterCpuMsPer1000: number;
}

/** Values written so far, shared across targets so every value is unique for the whole run. */
export class ProbeState {
  readonly last: number[];
  private seq = 0;

  constructor(probes: number) {
    this.last = Array.from({ length: probes }, () => 0);
  }

  next(): number {
    return ++this.seq;
  }
}

/**
 * The bench's own watch of the Probe kind: calls `onValue` with each new status.value and when
 * it was received. Re-watches from the last resourceVersion when the API server cuts it.
 */
async function referenceWatch(
  writer: ApiWriter,
  onValue: (value: number, receivedAt: number) => void,
): Promise<{ stop(): void; restarts(): number }> {
  let resourceVersion = "";
  let restarts = 0;
  let stopped = false;
  let current: { stop(): void } | undefined;
  const start = async (): Promise<void> => {
    const query = resourceVersion ? `&resourceVersion=${resourceVersion}` : "";
    current = await writer.watch(
      `${PROBES_PATH}?watch=true${query}`,
      (event, receivedAt) => {
        const object = event.object as {
          metadata?: { resourceVersion?: string };
          status?: { value?: number };
        };
        if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
        const value = object.status?.value;
        if (event.type === "MODIFIED" && typeof value === "number") onValue(value, receivedAt);
        if (event.type === "ERROR") resourceVersion = ""; // e.g. 410 Gone: start from now
      },
      () => {
        if (stopped) return;
        restarts++;
        void start().catch(() => {});
      },
    );
  };
  await start();
  return {
    stop() {
      stopped = true;
      current?.stop();
    },
    restarts: () => restarts,
  };
}

/** The probe values in one scrape, by probe number. */
function probeValues(body: string, family: string): Map<number, number> {
  const out = new Map<number, number>();
  const prefix = `${family}{`;
  for (const line of body.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const name = /[{,]name="probe-(\d+)"/.exec(line);
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (name) out.set(Number(name[1]), value);
  }
  return out;
}

/** Wait until /metrics shows every probe's last written value (the target has caught up). */
export async function waitCaughtUp(port: number, family: string, state: ProbeState, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await scrapeOnce(port, { keep: true }).catch(() => undefined);
    if (s?.status === 200) {
      const values = probeValues(s.body!.toString("utf8"), family);
      if (state.last.every((v, i) => values.get(i) === v)) return;
    }
    if (Date.now() > deadline) throw new Error(`probes not caught up on port ${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export interface LatencyTarget {
  readonly pid: number;
  readonly port: number;
  readonly family: string;
}

export async function measureLatency(
  writer: ApiWriter,
  target: LatencyTarget,
  state: ProbeState,
  rate: number,
  seconds: number,
): Promise<LatencyResult> {
  const { port, family } = target;
  const probes = state.last.length;
  const inFlight = new Array<boolean>(probes).fill(false);
  const pending: Array<Array<{ seq: number; sentAt: number }>> = Array.from({ length: probes }, () => []);
  const visible: number[] = [];
  const patchTimes: number[] = [];
  const afterEvent: number[] = [];
  const eventAt = new Map<number, number>();
  let failure: Error | undefined;
  let sent = 0;
  let cursor = 0;

  const patch = async (probe: number) => {
    const seq = state.next();
    const sentAt = performance.now();
    inFlight[probe] = true;
    pending[probe]!.push({ seq, sentAt });
    sent++;
    try {
      await writer.send("PATCH", `${probePath(probe)}/status`, { status: { value: seq } }, MERGE_PATCH);
      state.last[probe] = seq;
      patchTimes.push(performance.now() - sentAt);
    } catch (err) {
      failure ??= err as Error;
    } finally {
      inFlight[probe] = false;
    }
  };

  const cutBefore = await writer.apiserverMetric("apiserver_terminated_watchers_total", {
    resource: PROBE.plural,
  });
  const watch = await referenceWatch(writer, (value, receivedAt) => eventAt.set(value, receivedAt));
  let polling = true;
  let scrapes = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const poller = (async () => {
    while (polling) {
      const started = performance.now();
      const s = await scrapeOnce(port, { keep: true, agent });
      const seenAt = performance.now();
      scrapes++;
      if (s.status === 200) {
        for (const [probe, value] of probeValues(s.body!.toString("utf8"), family)) {
          const queue = pending[probe];
          while (queue?.[0] && queue[0].seq <= value) {
            const { seq, sentAt } = queue.shift()!;
            visible.push(seenAt - sentAt);
            const at = eventAt.get(seq);
            if (at !== undefined) afterEvent.push(seenAt - at);
          }
        }
      }
      await sleep(Math.max(0, POLL_MS - (performance.now() - started)));
    }
  })();

  const cpuFrom = readProc(target.pid).cpuSeconds;
  const started = performance.now();
  const end = started + seconds * 1000;
  let skipped = 0;
  while (performance.now() < end && !failure) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (sent + skipped < due) {
      // the next probe without a patch in flight (keeps each probe's writes in order)
      let probe = -1;
      for (let k = 0; k < probes && probe < 0; k++) {
        const candidate = (cursor + k) % probes;
        if (!inFlight[candidate]) probe = candidate;
      }
      if (probe < 0) {
        skipped++; // every probe busy: the API server is slower than the rate
        continue;
      }
      cursor = (probe + 1) % probes;
      void patch(probe);
    }
    await sleep(1);
  }
  const sendSeconds = (performance.now() - started) / 1000;
  const grace = performance.now() + 15_000;
  while (pending.some((q) => q.length > 0) && performance.now() < grace && !failure) await sleep(20);
  polling = false;
  await poller;
  agent.destroy();
  watch.stop();
  while (inFlight.some(Boolean)) await sleep(5);
  const cut =
    (await writer.apiserverMetric("apiserver_terminated_watchers_total", { resource: PROBE.plural })) -
    cutBefore;
  const exporterCpu = readProc(target.pid).cpuSeconds - cpuFrom;
  if (failure) throw failure;
  return {
    targetRate: rate,
    achievedRate: sent / sendSeconds,
    patches: sent,
    visibleP50Ms: percentile(visible, 50),
    visibleP99Ms: percentile(visible, 99),
    visibleMaxMs: visible.length > 0 ? Math.max(...visible) : Number.NaN,
    afterEventP50Ms: percentile(afterEvent, 50),
    afterEventP99Ms: percentile(afterEvent, 99),
    afterEventSamples: afterEvent.length,
    patchP50Ms: percentile(patchTimes, 50),
    patchP99Ms: percentile(patchTimes, 99),
    unseen: pending.reduce((n, q) => n + q.length, 0),
    scrapes,
    watchesCut: cut,
    referenceWatchRestarts: watch.restarts(),
    exporterCpuMsPer1000: (exporterCpu * 1000 * 1000) / Math.max(1, sent),
  };
}
