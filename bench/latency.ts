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
// PATCH request was sent, so it includes the API server's write and watch fan-out.

import { Agent } from "node:http";
import { percentile, scrapeOnce, sleep } from "./measure.ts";
import { type ApiWriter, MERGE_PATCH, probePath } from "./objects.ts";

const POLL_MS = 10;

export interface LatencyResult {
  readonly targetRate: number;
  readonly achievedRate: number;
  readonly patches: number;
  /** From PATCH sent to the first scrape that shows the value. */
  readonly visibleP50Ms: number;
  readonly visibleP99Ms: number;
  readonly visibleMaxMs: number;
  /** Round trip of the PATCH itself (the API server's part). */
  readonly patchP50Ms: number;
  readonly patchP99Ms: number;
  /** Patches whose value never showed up within the grace period (should be 0). */
  readonly unseen: number;
  readonly scrapes: number;
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

export async function measureLatency(
  writer: ApiWriter,
  port: number,
  family: string,
  state: ProbeState,
  rate: number,
  seconds: number,
): Promise<LatencyResult> {
  const probes = state.last.length;
  const inFlight = new Array<boolean>(probes).fill(false);
  const pending: Array<Array<{ seq: number; sentAt: number }>> = Array.from({ length: probes }, () => []);
  const visible: number[] = [];
  const patchTimes: number[] = [];
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
          while (queue?.[0] && queue[0].seq <= value) visible.push(seenAt - queue.shift()!.sentAt);
        }
      }
      await sleep(Math.max(0, POLL_MS - (performance.now() - started)));
    }
  })();

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
  while (inFlight.some(Boolean)) await sleep(5);
  if (failure) throw failure;
  return {
    targetRate: rate,
    achievedRate: sent / sendSeconds,
    patches: sent,
    visibleP50Ms: percentile(visible, 50),
    visibleP99Ms: percentile(visible, 99),
    visibleMaxMs: Math.max(...visible),
    patchP50Ms: percentile(patchTimes, 50),
    patchP99Ms: percentile(patchTimes, 99),
    unseen: pending.reduce((n, q) => n + q.length, 0),
    scrapes,
  };
}
