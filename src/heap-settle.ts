// Give back the heap the initial sync grew, once it is over.
//
// Listing every kind parses and stores everything at once, and V8 grows the heap for it: at
// 1,000 bench objects ~45 MiB committed for ~30 MiB live after the first scrapes. V8's memory
// reducer exists to return such slack (incremental, mostly concurrent mark-compacts that compact
// and release pages), but it only starts when V8 sees a low allocation rate or is told to favour
// memory. An idle exporter allocates too little to run the GCs that would update V8's rate, so the
// reducer's timer finds the start-up rate forever (`--trace-memory-reducer`: "high alloc" every
// 8 s) and the slack stays for the life of the process.
//
// So when the source first reports ready, this turns on V8's --optimize-for-size, under which the
// reducer runs at its next tick (its timer fires every 8 s), and turns it off again when the
// reducer's GCs are done (two major GCs, --memory-reducer-gc-count) or a deadline passes, so heap
// growth and compilation from then on are V8's defaults. Measured at 1,000 objects: committed heap
// 46 → 30 MiB, RSS 127 → 111 MiB, longest pause 23 ms (docs/performance.md, step 10).
//
// That is for a small heap. The reducer's GCs compact, and their final pause grows with what is
// live: at 50,000 objects (~550 MiB live) it was 56 ms, and it would fall in the middle of the
// first scrapes. A heap committed beyond MAX_COMMITTED_BYTES at ready gets one full GC instead,
// synchronously, before the exporter first answers ready (the caller asks through the returned
// ready(), which /readyz calls): at 50,000 objects it took 274 ms and returned 113 MiB of RSS
// (874 -> 761 MiB; docs/performance.md, step 18). The pause happens once, while the pod is not
// yet ready, so no scrape through the Service and no event-loop figure of a served scrape sees
// it. V8 has no API for a full GC but the `gc` function that --expose-gc gives new contexts: the
// flag is set for as long as it takes to make one.
// v8.setFlagsFromString after start-up is allowed by Node (it runs V8 without frozen flags);
// test/unit/heap-settle.test.ts fails if a Node update stops either flag from taking effect.

import { constants, PerformanceObserver } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** What settling did, for the log. */
export interface HeapSettled {
  /** V8's committed heap (bytes) when the source became ready and after the reducer's GCs. */
  readonly committedBefore: number;
  readonly committedAfter: number;
  /** Major GCs seen while --optimize-for-size was on. */
  readonly majorGcs: number;
  /** Whether it ended on the deadline rather than after the reducer's GCs. */
  readonly timedOut: boolean;
  /** Whether the heap was over `maxCommittedBytes` at ready, so one full GC ran instead. */
  readonly fullGc: boolean;
}

export interface HeapSettleOptions {
  /** How often to ask whether the source is ready (ms). */
  readonly pollMs?: number;
  /** Turn --optimize-for-size off after this long (ms) even if the reducer has not run twice. */
  readonly deadlineMs?: number;
  /** Major GCs to wait for (V8's --memory-reducer-gc-count is 2). */
  readonly majorGcs?: number;
  /** A heap committed beyond this at ready gets one full GC instead (see the file's comment). */
  readonly maxCommittedBytes?: number;
}

/**
 * A few thousand objects' heap: about 45 MiB at 1,000 bench objects in auto mode, 105-160 MiB at
 * 10,000 (docs/performance.md). The reducer's pause was 23 ms at 30 MiB live, 56 ms at 550.
 */
export const MAX_COMMITTED_BYTES = 128 * 2 ** 20;

const committedHeap = (): number => process.memoryUsage().heapTotal;

/** Settling, started by settleHeapWhenReady. */
export interface HeapSettling {
  /**
   * The source's readiness, to answer /readyz with: the first time it is true, settling begins
   * before it is returned (for a large heap, the full GC runs then).
   */
  ready(): boolean;
  /** Stops settling, and restores the flag if it is on. */
  stop(): void;
}

/**
 * Once `ready()` first returns true (asked through the returned ready(), or by a poll every
 * `pollMs`), settle the heap as described above; `onSettled` gets what it did. Its timers do not
 * keep the process alive.
 */
export function settleHeapWhenReady(
  ready: () => boolean,
  onSettled: (result: HeapSettled) => void,
  {
    pollMs = 1000,
    deadlineMs = 30_000,
    majorGcs = 2,
    maxCommittedBytes = MAX_COMMITTED_BYTES,
  }: HeapSettleOptions = {},
): HeapSettling {
  let poll: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let observer: PerformanceObserver | undefined;
  let on = false;
  let begun = false;

  const report = (before: number, after: number, seen: number, timedOut: boolean, fullGc: boolean): void =>
    onSettled({
      committedBefore: before,
      committedAfter: after,
      majorGcs: seen,
      timedOut,
      fullGc,
    });

  const finish = (seen: number, timedOut: boolean, before: number): void => {
    stop();
    report(before, committedHeap(), seen, timedOut, false);
  };

  const begin = (): void => {
    begun = true;
    clearInterval(poll);
    const before = committedHeap();
    if (before > maxCommittedBytes) {
      fullGc();
      report(before, committedHeap(), 1, false, true);
      return;
    }
    let seen = 0;
    setFlagsFromString("--optimize-for-size");
    on = true;
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) seen++;
      }
      if (seen >= majorGcs) finish(seen, false, before);
    });
    observer.observe({ entryTypes: ["gc"] });
    deadline = setTimeout(() => finish(seen, true, before), deadlineMs);
    deadline.unref();
  };

  const stop = (): void => {
    begun = true; // a stopped settling never begins
    clearInterval(poll);
    clearTimeout(deadline);
    observer?.disconnect();
    observer = undefined;
    if (on) setFlagsFromString("--no-optimize-for-size");
    on = false;
  };

  const readyNow = (): boolean => {
    const isReady = ready();
    if (isReady && !begun) begin();
    return isReady;
  };

  poll = setInterval(readyNow, pollMs);
  poll.unref();
  return { ready: readyNow, stop };
}

/** One full, synchronous GC (see the file's comment). */
function fullGc(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  setFlagsFromString("--no-expose-gc");
  gc();
}
