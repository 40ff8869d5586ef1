// Status change → visible in /metrics: how long after a PATCH of status.value its new value is
// served, at a fixed rate of patches per second.
//
// Design (polling a 50k-object /metrics takes seconds, which would measure the scrape, not the
// propagation): the exporter under test runs a second time, watching only the Probe kind
// (a few hundred objects in their own group), while the API server still holds the bulk objects.
// Every patch writes a unique, increasing number into one probe's status.value through /status.
// A probe gets its next patch only after the previous one was answered, so its values reach the
// API server in order. An observer process (bench/observer.ts) polls /metrics every 10 ms and
// watches the Probe kind itself; a patch counts as visible at the END of the first scrape that
// shows its value (or a later one) on its probe: an upper bound, off by at most one poll interval
// plus one scrape.
//
// "visible" runs from just before the PATCH was sent, so it includes the API server's write and
// watch fan-out; on a small machine at high rates that part dominates. "after the event" runs
// from the observer's own watch receiving the value, so it is the exporter's part alone (it can
// be slightly negative when the exporter was served the event before the observer).

import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { percentile, readProc, sleep } from "./measure.ts";
import { type ApiWriter, MERGE_PATCH, PROBE, probePath } from "./objects.ts";
import { trackProcess } from "./targets.ts";

export interface LatencyResult {
  readonly targetRate: number;
  readonly achievedRate: number;
  readonly patches: number;
  /** From PATCH sent to the end of the first scrape that shows the value. */
  readonly visibleP50Ms: number;
  readonly visibleP99Ms: number;
  readonly visibleMaxMs: number;
  /** From the observer's watch receiving the value to the end of that scrape. */
  readonly afterEventP50Ms: number;
  readonly afterEventP99Ms: number;
  /** How many patches have an "after the event" time (all, unless the observer's watch was cut). */
  readonly afterEventSamples: number;
  /** Round trip of the PATCH itself (the API server's part). */
  readonly patchP50Ms: number;
  readonly patchP99Ms: number;
  /** Patches whose value never showed up within the grace period (should be 0). */
  readonly unseen: number;
  /**
   * Watches of the Probe kind the API server closed for being too slow to drain (its
   * apiserver_terminated_watchers_total): the API server is overloaded, and every watcher,
   * the exporter's and the observer's, then re-watches from its last resourceVersion.
   */
  readonly watchesCut: number;
  /** How often the observer's watch was cut; events replayed after a cut are not timed. */
  readonly observerWatchRestarts: number;
  /** CPU the exporter used per 1000 patches (watch events, mapping, the observer's polling). */
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

const OBSERVER = new URL("observer.ts", import.meta.url).pathname;
/** Wall-clock ms, comparable with the observer's times. */
const now = () => performance.timeOrigin + performance.now();

/** The bench's end of an observer process: what it reported, as it arrives. */
export class Observer {
  /** value → when the observer's watch delivered it. */
  readonly eventAt = new Map<number, number>();
  /** Every value the observer saw in /metrics. */
  readonly seen = new Set<number>();
  onEvent: (value: number, at: number) => void = () => {};
  onSeen: (value: number, at: number) => void = () => {};
  restarts = 0;
  private untrack: () => void = () => {};
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private stderr = "";

  private constructor(child: ChildProcess) {
    this.child = child;
    this.exited = new Promise((r) => child.once("exit", () => r()));
    child.stderr!.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
  }

  static async start(kubeconfig: string, port: number, family: string): Promise<Observer> {
    const child = spawn(process.execPath, [OBSERVER, kubeconfig, String(port), family], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const observer = new Observer(child);
    observer.untrack = trackProcess(observer);
    process.stderr.write(`bench: started observer pid ${child.pid}\n`);
    const ready = new Promise<void>((resolve, reject) => {
      void observer.exited.then(() => reject(new Error(`observer exited:\n${observer.stderr}`)));
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const [kind, value, at] = line.split(" ");
        if (kind === "ready") resolve();
        else if (kind === "r") observer.restarts++;
        else if (kind === "w") {
          observer.eventAt.set(Number(value), Number(at));
          observer.onEvent(Number(value), Number(at));
        } else if (kind === "m") {
          observer.seen.add(Number(value));
          observer.onSeen(Number(value), Number(at));
        }
      });
    });
    await ready;
    return observer;
  }

  async stop(): Promise<void> {
    this.untrack();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Wait until the observer has seen every probe's last written value (the exporter caught up). */
export async function waitCaughtUp(observer: Observer, state: ProbeState, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const behind = state.last.filter((v) => v > 0 && !observer.seen.has(v)).length;
    if (behind === 0) return;
    if (Date.now() > deadline) throw new Error(`the exporter did not catch up with ${behind} probes`);
    await sleep(50);
  }
}

export interface LatencyTarget {
  readonly pid: number;
  readonly observer: Observer;
}

export async function measureLatency(
  writer: ApiWriter,
  target: LatencyTarget,
  state: ProbeState,
  rate: number,
  seconds: number,
): Promise<LatencyResult> {
  const { observer } = target;
  const probes = state.last.length;
  const inFlight = new Array<boolean>(probes).fill(false);
  const pending: Array<Array<{ seq: number; sentAt: number }>> = Array.from({ length: probes }, () => []);
  const probeOf = new Map<number, number>();
  const visible: number[] = [];
  const afterEvent: number[] = [];
  /** Seen in /metrics before the observer's watch delivered it: seq → when seen. */
  const seenFirst = new Map<number, number>();
  const patchTimes: number[] = [];
  let failure: Error | undefined;
  let sent = 0;
  let cursor = 0;

  observer.onSeen = (value, at) => {
    const probe = probeOf.get(value);
    if (probe === undefined) return; // a value from before this measurement
    const queue = pending[probe]!;
    while (queue[0] && queue[0].seq <= value) {
      const { seq, sentAt } = queue.shift()!;
      visible.push(at - sentAt);
      const event = observer.eventAt.get(seq);
      if (event !== undefined) afterEvent.push(at - event);
      else seenFirst.set(seq, at);
    }
  };
  observer.onEvent = (value, at) => {
    const seen = seenFirst.get(value);
    if (seen === undefined) return;
    seenFirst.delete(value);
    afterEvent.push(seen - at);
  };

  const patch = async (probe: number) => {
    const seq = state.next();
    probeOf.set(seq, probe);
    const sentAt = now();
    inFlight[probe] = true;
    pending[probe]!.push({ seq, sentAt });
    sent++;
    try {
      await writer.send("PATCH", `${probePath(probe)}/status`, { status: { value: seq } }, MERGE_PATCH);
      state.last[probe] = seq;
      patchTimes.push(now() - sentAt);
    } catch (err) {
      failure ??= err as Error;
    } finally {
      inFlight[probe] = false;
    }
  };

  const terminated = () =>
    writer.apiserverMetric("apiserver_terminated_watchers_total", { resource: PROBE.plural });
  const cutBefore = await terminated();
  const restartsBefore = observer.restarts;
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
  while (inFlight.some(Boolean)) await sleep(5);
  await sleep(100); // late watch events for values seen first
  const exporterCpu = readProc(target.pid).cpuSeconds - cpuFrom;
  const cut = (await terminated()) - cutBefore;
  observer.onSeen = () => {};
  observer.onEvent = () => {};
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
    watchesCut: cut,
    observerWatchRestarts: observer.restarts - restartsBefore,
    exporterCpuMsPer1000: (exporterCpu * 1000 * 1000) / Math.max(1, sent),
  };
}
